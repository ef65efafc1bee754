/**
 * Splits SQL text into statements at semicolons that are outside quotes, comments and dollar-quoted strings,
 * keeping each statement's offset so an error can point at the right place in the whole cell.
 */
export interface SqlStatement {
  text: string;
  /** Offset of `text` in the original SQL. */
  start: number;
}

export function splitStatements(sql: string): SqlStatement[] {
  const out: SqlStatement[] = [];
  let start = 0;
  let i = 0;
  const n = sql.length;
  const push = (end: number) => {
    const text = sql.slice(start, end);
    if (hasCode(text)) out.push({ text, start });
  };
  while (i < n) {
    const ch = sql[i];
    if (ch === "'" || ch === '"') {
      i = skipQuoted(sql, i, ch);
    } else if (ch === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl === -1 ? n : nl + 1;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
    } else if (ch === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 65));
      if (m) {
        const end = sql.indexOf(m[0], i + m[0].length);
        i = end === -1 ? n : end + m[0].length;
      } else i++;
    } else if (ch === ';') {
      push(i);
      start = i + 1;
      i++;
    } else i++;
  }
  push(n);
  return out;
}

function skipQuoted(sql: string, at: number, quote: string): number {
  let i = at + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

/** True when the text holds something other than white space and comments. */
function hasCode(text: string): boolean {
  const stripped = text.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
  return stripped.trim().length > 0;
}

/** Line and column (1-based) of an offset in a text. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * Finds where a DuckDB error points. DuckDB ends positioned errors with `LINE n: <text>` and a caret line;
 * `n` and the caret count from the start of the statement that failed. Returns the offset in that statement.
 */
export function duckdbErrorOffset(message: string, statement: string): number | null {
  const m = /\nLINE (\d+): (.*)\n( *)\^/.exec(message);
  if (!m) return null;
  const lineNo = Number(m[1]);
  const prefix = `LINE ${m[1]}: `.length;
  let excerpt = m[2];
  let caret = m[3].length - prefix;
  const lines = statement.split('\n');
  const line = lines[lineNo - 1];
  if (line === undefined) return null;
  // DuckDB shortens long lines to a window around the error, marked with "...".
  if (excerpt.startsWith('...')) {
    excerpt = excerpt.slice(3);
    caret -= 3;
  }
  if (excerpt.endsWith('...')) excerpt = excerpt.slice(0, -3);
  const at = excerpt.length ? line.indexOf(excerpt) : 0;
  const column = Math.max(0, (at === -1 ? 0 : at) + caret);
  let offset = 0;
  for (let i = 0; i < lineNo - 1; i++) offset += lines[i].length + 1;
  return offset + Math.min(column, line.length);
}

/** The message without DuckDB's trailing `LINE n:` excerpt, which the editor shows as a marker instead. */
export function duckdbErrorSummary(message: string): string {
  return message.replace(/\n\nLINE \d+: [\s\S]*$/, '').trim();
}
