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

/** What a parser expected where it stopped; a search box uses it to offer completions. */
export type QueryExpectation = 'field' | 'key' | 'operator' | 'value' | 'conjunction';

/** A mistake in a query, at an offset of its text, with what was expected there and in which field group. */
export class QuerySyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly expected: QueryExpectation | null = null,
    readonly group: string | null = null,
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

/**
 * Reads tokens one at a time, so a parser meets the mistakes of a text in the order they are written (an
 * unclosed string after a wrong field is reported as the wrong field).
 */
export class Lexer {
  private pos = 0;
  private readonly extra: string;

  constructor(
    readonly text: string,
    private readonly options: TokenizeOptions = {},
  ) {
    this.extra = options.extraOperators ?? '';
  }

  /** The next token; `end` once the text is read, and again on every later call. */
  next(): Token {
    const text = this.text;
    while (this.pos < text.length && SPACE.has(text[this.pos])) this.pos++;
    const start = this.pos;
    if (start >= text.length) return { kind: 'end', text: '', value: '', start, end: start };
    const c = text[start];
    if (c === "'" || c === '"' || c === '`') {
      const { value, end } = readQuoted(text, start, this.options.backslashEscapes ?? false);
      this.pos = end;
      return {
        kind: c === '`' ? 'name' : 'string',
        text: text.slice(start, end),
        value,
        quote: c,
        start,
        end,
      };
    }
    if (c === '(' || c === ')' || c === ',') {
      this.pos++;
      const kind = c === '(' ? 'lparen' : c === ')' ? 'rparen' : 'comma';
      return { kind, text: c, value: c, start, end: start + 1 };
    }
    if (c === '=' || c === '!' || c === '<' || c === '>' || this.extra.includes(c)) {
      const two = text.slice(start, start + 2);
      const op = ['==', '!=', '<>', '<=', '>='].includes(two) ? two : c;
      if (op === '!') throw new QuerySyntaxError(`'!' must be followed by '='`, start, 'operator');
      this.pos += op.length;
      return { kind: 'op', text: op, value: op, start, end: this.pos };
    }
    while (this.pos < text.length && !WORD_END.has(text[this.pos]) && !this.extra.includes(text[this.pos]))
      this.pos++;
    const word = text.slice(start, this.pos);
    return { kind: 'word', text: word, value: word, start, end: this.pos };
  }
}

/** Splits a query into tokens, ending with one `end` token. */
export function tokenize(text: string, options: TokenizeOptions = {}): Token[] {
  const lexer = new Lexer(text, options);
  const tokens: Token[] = [];
  for (;;) {
    const t = lexer.next();
    tokens.push(t);
    if (t.kind === 'end') return tokens;
  }
}
