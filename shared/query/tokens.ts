/**
 * The tokenizer of Lakebench's filter languages: MLflow's search filters (runs, experiments, registered models,
 * model versions) today, the logs query language next. Every token keeps its offsets in the text, so a parser
 * can say where a mistake is. One pass over the text, no regular expressions: its time is linear in the length.
 */

export type TokenKind =
  /** A bare word: a keyword (AND, LIKE...), a field (`metrics.rmse`), a number (`-1e-3`). */
  | 'word'
  /** A quoted string: '...' or "..." (`quote` says which). */
  | 'string'
  /** A backtick-quoted name: `val loss`. */
  | 'name'
  /** A comparison: = == != <> < <= > >= (and `:` for languages that allow it). */
  | 'op'
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'end';

export interface Token {
  kind: TokenKind;
  /** The text as written. */
  text: string;
  /** For strings and names the unquoted value; for others the text. */
  value: string;
  quote?: "'" | '"' | '`';
  /** Offsets in the query text, [start, end). */
  start: number;
  end: number;
}

/** A mistake in a query, at an offset of its text. */
export class QuerySyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export interface TokenizeOptions {
  /** A backslash escapes the next character inside quotes (the runs filter); else only doubled quotes do. */
  backslashEscapes?: boolean;
  /** Characters that compare, besides = ! < >; the logs language adds ':'. */
  extraOperators?: string;
}

const SPACE = new Set([' ', '\t', '\n', '\r']);
/** Characters that end a bare word. */
const WORD_END = new Set([' ', '\t', '\n', '\r', '=', '!', '<', '>', '(', ')', ',', "'", '"', '`']);

export function isSpace(c: string | undefined): boolean {
  return c !== undefined && SPACE.has(c);
}

/** Reads a quoted string or name starting at `start` (the quote); returns its value and where it ends. */
export function readQuoted(
  text: string,
  start: number,
  backslashEscapes: boolean,
): { value: string; end: number } {
  const q = text[start];
  let pos = start + 1;
  let out = '';
  while (pos < text.length) {
    const c = text[pos];
    if (backslashEscapes && c === '\\' && pos + 1 < text.length) {
      out += text[pos + 1];
      pos += 2;
      continue;
    }
    if (c === q) {
      if (text[pos + 1] === q) {
        out += q;
        pos += 2;
        continue;
      }
      return { value: out, end: pos + 1 };
    }
    out += c;
    pos++;
  }
  throw new QuerySyntaxError(`the string opened at column ${start + 1} is not closed`, start);
}

/** Splits a query into tokens, ending with one `end` token. */
export function tokenize(text: string, options: TokenizeOptions = {}): Token[] {
  const extra = options.extraOperators ?? '';
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < text.length) {
    const c = text[pos];
    if (SPACE.has(c)) {
      pos++;
      continue;
    }
    const start = pos;
    if (c === "'" || c === '"' || c === '`') {
      const { value, end } = readQuoted(text, pos, options.backslashEscapes ?? false);
      tokens.push({
        kind: c === '`' ? 'name' : 'string',
        text: text.slice(start, end),
        value,
        quote: c,
        start,
        end,
      });
      pos = end;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      const kind = c === '(' ? 'lparen' : c === ')' ? 'rparen' : 'comma';
      tokens.push({ kind, text: c, value: c, start, end: pos + 1 });
      pos++;
      continue;
    }
    if (c === '=' || c === '!' || c === '<' || c === '>' || extra.includes(c)) {
      const two = text.slice(pos, pos + 2);
      const op = ['==', '!=', '<>', '<=', '>='].includes(two) ? two : c;
      if (op === '!') throw new QuerySyntaxError(`'!' must be followed by '='`, pos);
      tokens.push({ kind: 'op', text: op, value: op, start, end: pos + op.length });
      pos += op.length;
      continue;
    }
    while (pos < text.length && !WORD_END.has(text[pos]) && !extra.includes(text[pos])) pos++;
    tokens.push({
      kind: 'word',
      text: text.slice(start, pos),
      value: text.slice(start, pos),
      start,
      end: pos,
    });
  }
  tokens.push({ kind: 'end', text: '', value: '', start: text.length, end: text.length });
  return tokens;
}
