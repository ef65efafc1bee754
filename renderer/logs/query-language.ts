import { QUERY_COLUMNS, QueryFieldSchema, type LogQuery, type QueryField } from '../../shared/logs/model';

/**
 * The query bar's language: KQL-style text parsed into the service's `LogQuery`. This is the Logs area's own
 * small parser (field:value, "phrases", wildcards, AND/OR/NOT, parentheses, ranges with > >= < <=, free text);
 * the area reaches it only through `parseQueryText`, so a fuller grammar can take its place here.
 */

export interface QueryParseError {
  message: string;
  /** UTF-16 offset in the text where the mistake is. */
  offset: number;
}

export type QueryParseResult = { query: LogQuery } | { error: QueryParseError };

type Token =
  | { t: 'lp' | 'rp' | 'and' | 'or' | 'not'; at: number }
  | {
      t: 'term';
      at: number;
      field: string | null;
      op: ':' | '>' | '>=' | '<' | '<=';
      value: string;
      quoted: boolean;
    };

class ParseFailure extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

function readValue(text: string, i: number): { value: string; quoted: boolean; end: number } {
  if (text[i] === '"') {
    let j = i + 1;
    let out = '';
    while (j < text.length && text[j] !== '"') {
      if (text[j] === '\\' && j + 1 < text.length) j++;
      out += text[j];
      j++;
    }
    if (j >= text.length) throw new ParseFailure('a quoted phrase is not closed', i);
    return { value: out, quoted: true, end: j + 1 };
  }
  let j = i;
  while (j < text.length && !/[\s()"]/.test(text[j] ?? '')) j++;
  return { value: text.slice(i, j), quoted: false, end: j };
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      out.push({ t: c === '(' ? 'lp' : 'rp', at: i });
      i++;
      continue;
    }
    if (c === '"') {
      const v = readValue(text, i);
      out.push({ t: 'term', at: i, field: null, op: ':', value: v.value, quoted: true });
      i = v.end;
      continue;
    }
    const word = /^[^\s()":<>=]+/.exec(text.slice(i))?.[0] ?? '';
    if (!word) throw new ParseFailure(`unexpected "${c}"`, i);
    const after = i + word.length;
    // `field:value`, and ranges with or without spaces around the operator (`durationMs >= 100`).
    const opMatch = /^(\s*)(>=|<=|>|<)|^:/.exec(text.slice(after));
    const opAt = after + (opMatch?.[1]?.length ?? 0);
    const op = (opMatch?.[2] ?? (opMatch ? ':' : undefined)) as ':' | '>' | '>=' | '<' | '<=' | undefined;
    if (op) {
      let vi = opAt + op.length;
      while (vi < text.length && text[vi] === ' ') vi++;
      const v = readValue(text, vi);
      if (!v.value && !v.quoted) throw new ParseFailure(`a value is missing after ${word}${op}`, vi);
      out.push({ t: 'term', at: i, field: word, op, value: v.value, quoted: v.quoted });
      i = v.end;
      continue;
    }
    const upper = word.toUpperCase();
    if (word === upper && (upper === 'AND' || upper === 'OR' || upper === 'NOT')) {
      out.push({ t: upper === 'AND' ? 'and' : upper === 'OR' ? 'or' : 'not', at: i });
    } else {
      out.push({ t: 'term', at: i, field: null, op: ':', value: word, quoted: false });
    }
    i = after;
  }
  return out;
}

function fieldOf(name: string, at: number): QueryField {
  if (!QueryFieldSchema.safeParse(name).success)
    throw new ParseFailure(
      `unknown field ${name}: a record column (level, taskId, ...) or fields.<name>`,
      at,
    );
  return name as QueryField;
}

function termQuery(tok: Extract<Token, { t: 'term' }>): LogQuery {
  if (tok.field === null) {
    if (tok.quoted) return { kind: 'phrase', text: tok.value };
    if (/[*?]/.test(tok.value)) return { kind: 'wildcard', pattern: tok.value };
    return { kind: 'text', text: tok.value };
  }
  const field = fieldOf(tok.field, tok.at);
  if (tok.op !== ':') {
    const n = Number(tok.value);
    const bound = tok.value !== '' && Number.isFinite(n) ? n : tok.value;
    const key = ({ '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte' } as const)[tok.op];
    return { kind: 'range', field, [key]: bound };
  }
  if (!tok.quoted && tok.value === '*') return { kind: 'exists', field };
  if (!tok.quoted && /[*?]/.test(tok.value)) return { kind: 'wildcard', pattern: tok.value, field };
  if (field === 'message') return { kind: tok.quoted ? 'phrase' : 'text', text: tok.value, field: 'message' };
  const numeric = ['line', 'tryNumber', 'requestStatus', 'durationMs'].includes(field);
  if (!tok.quoted && numeric && Number.isFinite(Number(tok.value)))
    return { kind: 'match', field, value: Number(tok.value) };
  return { kind: 'match', field, value: tok.value };
}

function parseTokens(tokens: Token[], textLength: number): LogQuery {
  let pos = 0;
  const peek = () => tokens[pos];
  const endAt = () => peek()?.at ?? textLength;

  function primary(): LogQuery {
    const tok = peek();
    if (!tok) throw new ParseFailure('the query ends where a term is expected', textLength);
    if (tok.t === 'not') {
      pos++;
      return { kind: 'not', clause: primary() };
    }
    if (tok.t === 'lp') {
      pos++;
      const inner = orExpr();
      if (peek()?.t !== 'rp') throw new ParseFailure('a parenthesis is not closed', tok.at);
      pos++;
      return inner;
    }
    if (tok.t === 'term') {
      pos++;
      return termQuery(tok);
    }
    throw new ParseFailure(`unexpected ${tok.t === 'rp' ? ')' : tok.t.toUpperCase()}`, tok.at);
  }
  function andExpr(): LogQuery {
    const clauses = [primary()];
    for (;;) {
      const tok = peek();
      if (!tok || tok.t === 'or' || tok.t === 'rp') break;
      if (tok.t === 'and') {
        pos++;
        if (!peek()) throw new ParseFailure('AND needs a term after it', endAt());
      }
      clauses.push(primary());
    }
    return clauses.length === 1 ? (clauses[0] as LogQuery) : { kind: 'and', clauses };
  }
  function orExpr(): LogQuery {
    const clauses = [andExpr()];
    while (peek()?.t === 'or') {
      pos++;
      if (!peek()) throw new ParseFailure('OR needs a term after it', endAt());
      clauses.push(andExpr());
    }
    return clauses.length === 1 ? (clauses[0] as LogQuery) : { kind: 'or', clauses };
  }

  const q = orExpr();
  const rest = peek();
  if (rest) throw new ParseFailure(rest.t === 'rp' ? 'a ) has no ( before it' : 'unexpected text', rest.at);
  return q;
}

/** The query of a text, or where it is wrong. Empty text is every record. */
export function parseQueryText(text: string): QueryParseResult {
  if (!text.trim()) return { query: { kind: 'all' } };
  try {
    return { query: parseTokens(tokenize(text), text.length) };
  } catch (err) {
    if (err instanceof ParseFailure) return { error: { message: err.message, offset: err.offset } };
    throw err;
  }
}

/** The fields a query can name, for completion: the record columns and the structured fields seen. */
export function knownFields(seenFieldKeys: Iterable<string>): string[] {
  const out = new Set<string>(QUERY_COLUMNS.filter((c) => c !== 'time'));
  for (const k of seenFieldKeys) out.add(`fields.${k}`);
  return [...out];
}

/** The word being typed at the cursor: a field name, or after `field:` a value of that field. */
export function completionContext(
  text: string,
  cursor: number,
):
  | { kind: 'field'; prefix: string; start: number }
  | { kind: 'value'; field: string; prefix: string; start: number } {
  const before = text.slice(0, cursor);
  const m = /([^\s()":]+):"?([^\s()"]*)$/.exec(before);
  if (m && m[1] && m.index !== undefined) {
    const prefix = m[2] ?? '';
    return { kind: 'value', field: m[1], prefix, start: cursor - prefix.length };
  }
  const w = /[^\s()"]*$/.exec(before)?.[0] ?? '';
  return { kind: 'field', prefix: w, start: cursor - w.length };
}
