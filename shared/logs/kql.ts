import { Lexer, QuerySyntaxError, type Token } from '../query/tokens';
import {
  LOG_LEVELS,
  LOG_SOURCE_KINDS,
  LOG_STREAMS,
  QUERY_COLUMNS,
  type LogQuery,
  type QueryField,
} from './model';

/**
 * The logs query language, KQL-style, on the shared query tokenizer (with `:` as an operator):
 *
 * - free text `timeout`, a phrase `"connection refused"`, a wildcard `conn*` (`*` any run, `?` one character);
 * - `field:value`, `field:"a phrase"`, `field:err*`, `field:*` (the field is present), `field:(a OR b)`;
 * - ranges `durationMs > 500`, `time >= 2026-12-01`, `time < now-1h` (now, now-500ms, now-15m, now-7d, ...),
 *   also as `field:>500`; `field != value`;
 * - `AND`, `OR`, `NOT` (upper case: lower-case words are text), a space between terms is AND, parentheses.
 *
 * Pure code: the UI parses as the user types, the server parses a `kql` argument, the CLI parses its argument.
 */

export type KqlFieldType = 'time' | 'number' | 'text' | 'level' | 'json';

export interface KqlField {
  name: string;
  type: KqlFieldType;
  /** Values known without asking the store (levels, sources, streams). */
  values?: readonly string[];
}

const NUMBER_COLUMNS = new Set(['line', 'tryNumber', 'requestStatus', 'durationMs']);

/** The fields a query can name (a record's columns); `fields.<name>` names a structured field besides. */
export const kqlFields: readonly KqlField[] = QUERY_COLUMNS.map((name): KqlField => {
  if (name === 'time') return { name, type: 'time' };
  if (name === 'level') return { name, type: 'level', values: LOG_LEVELS };
  if (name === 'source') return { name, type: 'text', values: LOG_SOURCE_KINDS };
  if (name === 'stream') return { name, type: 'text', values: LOG_STREAMS };
  return { name, type: NUMBER_COLUMNS.has(name) ? 'number' : 'text' };
});

const FIELD_NAMES = new Set<string>(QUERY_COLUMNS);
const STRUCTURED = /^fields\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;

function fieldType(name: string): KqlFieldType | null {
  if (FIELD_NAMES.has(name)) return kqlFields.find((f) => f.name === name)?.type ?? 'text';
  return STRUCTURED.test(name) ? 'json' : null;
}

export interface KqlError {
  message: string;
  /** Offset in the text (UTF-16) where the mistake is. */
  offset: number;
  /** What could stand there: `field`, `value`, `)`, `AND`, ... */
  expected?: string[];
}

export type KqlResult = { query: LogQuery } | { error: KqlError };

export interface KqlOptions {
  /** The clock relative times (`now-1h`) count from; Date.now() when absent. */
  now?: number;
}

class KqlFail extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly expected?: string[],
  ) {
    super(message);
  }
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT']);
const RANGE_OPS: Record<string, 'gt' | 'gte' | 'lt' | 'lte'> = {
  '>': 'gt',
  '>=': 'gte',
  '<': 'lt',
  '<=': 'lte',
};
const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** `now`, `now-1h`, `now+30m`, ... in milliseconds, or null when the text is not a relative time. */
export function relativeTime(text: string, now: number): number | null {
  const m = /^now(?:([+-])(\d+(?:\.\d+)?)(ms|[smhdw]))?$/.exec(text);
  if (!m) return null;
  if (!m[1]) return now;
  const delta = Number(m[2]) * UNITS[m[3]];
  return m[1] === '-' ? now - delta : now + delta;
}

function isWildcard(s: string): boolean {
  return s.includes('*') || s.includes('?');
}

/** A value as written: a bare word (with `:` inside joined back, as in a URL or a time) or a quoted string. */
interface Value {
  text: string;
  quoted: boolean;
  start: number;
  end: number;
}

class Parser {
  private readonly lexer: Lexer;
  private current: Token;

  /** The current token (a call, so that type narrowing does not outlive an `advance`). */
  private cur(): Token {
    return this.current;
  }
  private depth = 0;

  constructor(
    readonly text: string,
    private readonly now: number,
  ) {
    this.lexer = new Lexer(text, { extraOperators: ':' });
    this.current = this.lexer.next();
  }

  private advance(): Token {
    const t = this.current;
    this.current = this.lexer.next();
    return t;
  }

  private isKeyword(t: Token, k: string): boolean {
    return t.kind === 'word' && t.text === k;
  }

  /** Whether the current token can start a term (so that a space between terms means AND). */
  private startsTerm(): boolean {
    const t = this.cur();
    if (t.kind === 'word') return !this.isKeyword(t, 'AND') && !this.isKeyword(t, 'OR');
    return t.kind === 'string' || t.kind === 'name' || t.kind === 'lparen';
  }

  parse(): LogQuery {
    this.skipCommas();
    if (this.cur().kind === 'end') return { kind: 'all' };
    const q = this.orExpr();
    if (this.cur().kind !== 'end') {
      if (this.cur().kind === 'rparen') throw new KqlFail(`')' has no matching '('`, this.cur().start);
      throw new KqlFail(`unexpected "${this.cur().text}"`, this.cur().start, ['AND', 'OR', 'end of query']);
    }
    return q;
  }

  /** Commas between terms are read as spaces (log text is full of them). */
  private skipCommas(): void {
    while (this.cur().kind === 'comma') this.advance();
  }

  private nest<T>(at: number, fn: () => T): T {
    if (++this.depth > 64) throw new KqlFail('the query is nested too deeply', at);
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  private orExpr(): LogQuery {
    const items = [this.andExpr()];
    while (this.isKeyword(this.cur(), 'OR')) {
      this.advance();
      this.skipCommas();
      items.push(this.andExpr());
    }
    return items.length === 1 ? items[0] : { kind: 'or', clauses: items };
  }

  private andExpr(): LogQuery {
    const items = [this.notExpr()];
    for (;;) {
      this.skipCommas();
      if (this.isKeyword(this.cur(), 'AND')) {
        this.advance();
        this.skipCommas();
        items.push(this.notExpr());
      } else if (this.startsTerm()) items.push(this.notExpr());
      else break;
    }
    return items.length === 1 ? items[0] : { kind: 'and', clauses: items };
  }

  private notExpr(): LogQuery {
    if (this.isKeyword(this.cur(), 'NOT')) {
      const at = this.advance().start;
      return this.nest(at, () => ({ kind: 'not', clause: this.notExpr() }));
    }
    return this.primary();
  }

  private expectTerm(): never {
    const t = this.cur();
    if (t.kind === 'end')
      throw new KqlFail('the query ends where a term was expected', t.start, ['field', 'text', '(']);
    throw new KqlFail(`unexpected "${t.text}": expected a term`, t.start, ['field', 'text', '(']);
  }

  private primary(): LogQuery {
    const t = this.cur();
    if (t.kind === 'lparen') {
      this.advance();
      return this.nest(t.start, () => {
        const q = this.orExpr();
        this.closeParen(t.start);
        return q;
      });
    }
    if (t.kind === 'string' || t.kind === 'name') {
      this.advance();
      if (t.value.trim() === '') throw new KqlFail('an empty phrase matches nothing', t.start, ['text']);
      return { kind: 'phrase', text: t.value };
    }
    if (t.kind !== 'word' || KEYWORDS.has(t.text)) this.expectTerm();
    this.advance();
    if (this.cur().kind === 'op') return this.fieldClause(t);
    return isWildcard(t.text) ? { kind: 'wildcard', pattern: t.text } : { kind: 'text', text: t.text };
  }

  private closeParen(openedAt: number): void {
    if (this.cur().kind !== 'rparen') {
      if (this.cur().kind === 'end')
        throw new KqlFail(`the '(' at column ${openedAt + 1} is not closed`, this.cur().start, [')']);
      throw new KqlFail(`unexpected "${this.cur().text}"`, this.cur().start, [')', 'AND', 'OR']);
    }
    this.advance();
  }

  private field(t: Token): { name: QueryField; type: KqlFieldType } {
    const type = fieldType(t.text);
    if (!type)
      throw new KqlFail(
        `unknown field "${t.text}": one of ${QUERY_COLUMNS.join(', ')}, or fields.<name>`,
        t.start,
        ['field'],
      );
    return { name: t.text as QueryField, type };
  }

  private fieldClause(fieldTok: Token): LogQuery {
    const f = this.field(fieldTok);
    let op = this.advance();
    if (
      op.text === ':' &&
      this.cur().kind === 'op' &&
      this.cur().start === op.end &&
      RANGE_OPS[this.cur().text]
    )
      op = this.advance(); // field:>5
    const range = RANGE_OPS[op.text];
    if (range) return this.rangeClause(f, range);
    if (op.text === ':' || op.text === '=' || op.text === '==') {
      if (op.text === ':' && this.cur().kind === 'lparen') {
        const open = this.advance();
        return this.nest(open.start, () => {
          const q = this.valueOr(f);
          this.closeParen(open.start);
          return q;
        });
      }
      return this.valueClause(f, this.value());
    }
    if (op.text === '!=' || op.text === '<>')
      return { kind: 'not', clause: this.valueClause(f, this.value()) };
    throw new KqlFail(`"${op.text}" is not an operator here`, op.start, [':', '<', '<=', '>', '>=']);
  }

  private valueOr(f: { name: QueryField; type: KqlFieldType }): LogQuery {
    const items = [this.valueAnd(f)];
    while (this.isKeyword(this.cur(), 'OR')) {
      this.advance();
      items.push(this.valueAnd(f));
    }
    return items.length === 1 ? items[0] : { kind: 'or', clauses: items };
  }

  private valueAnd(f: { name: QueryField; type: KqlFieldType }): LogQuery {
    const items = [this.valueNot(f)];
    for (;;) {
      this.skipCommas();
      if (this.isKeyword(this.cur(), 'AND')) {
        this.advance();
        items.push(this.valueNot(f));
      } else if (this.startsTerm()) items.push(this.valueNot(f));
      else break;
    }
    return items.length === 1 ? items[0] : { kind: 'and', clauses: items };
  }

  private valueNot(f: { name: QueryField; type: KqlFieldType }): LogQuery {
    if (this.isKeyword(this.cur(), 'NOT')) {
      const at = this.advance().start;
      return this.nest(at, () => ({ kind: 'not', clause: this.valueNot(f) }));
    }
    if (this.cur().kind === 'lparen') {
      const open = this.advance();
      return this.nest(open.start, () => {
        const q = this.valueOr(f);
        this.closeParen(open.start);
        return q;
      });
    }
    return this.valueClause(f, this.value());
  }

  /** Reads a value; `a:b:c` written without spaces is one value (a URL, a time of day). */
  private value(): Value {
    const t = this.cur();
    if (t.kind === 'string' || t.kind === 'name') {
      this.advance();
      return { text: t.value, quoted: true, start: t.start, end: t.end };
    }
    if (t.kind !== 'word' || KEYWORDS.has(t.text)) {
      if (t.kind === 'end')
        throw new KqlFail('a value is missing at the end of the query', t.start, ['value']);
      throw new KqlFail(`unexpected "${t.text}": expected a value`, t.start, ['value']);
    }
    this.advance();
    let text = t.text;
    let end = t.end;
    while (this.cur().kind === 'op' && this.cur().text === ':' && this.cur().start === end) {
      const colon = this.advance();
      text += ':';
      end = colon.end;
      if (this.cur().kind === 'word' && this.cur().start === end) {
        text += this.cur().text;
        end = this.advance().end;
      }
    }
    return { text, quoted: false, start: t.start, end };
  }

  private valueClause(f: { name: QueryField; type: KqlFieldType }, v: Value): LogQuery {
    if (!v.quoted && isWildcard(v.text)) {
      if (/^\*+$/.test(v.text)) return { kind: 'exists', field: f.name };
      if (f.type === 'number' || f.type === 'time')
        throw new KqlFail(`${f.name} is a ${f.type}: a wildcard needs a text field`, v.start, ['value']);
      return { kind: 'wildcard', field: f.name, pattern: v.text };
    }
    if (v.text === '') throw new KqlFail(`an empty value for ${f.name} matches nothing`, v.start, ['value']);
    if (f.name === 'message') return { kind: v.quoted ? 'phrase' : 'text', text: v.text, field: 'message' };
    switch (f.type) {
      case 'number':
        if (!Number.isFinite(Number(v.text)) || v.text.trim() === '')
          throw new KqlFail(`${f.name} is a number: "${v.text}" is not one`, v.start, ['number']);
        return { kind: 'match', field: f.name, value: Number(v.text) };
      case 'level':
        if (!(LOG_LEVELS as readonly string[]).includes(v.text.toLowerCase()))
          throw new KqlFail(`"${v.text}" is not a level: one of ${LOG_LEVELS.join(', ')}`, v.start, [
            ...LOG_LEVELS,
          ]);
        return { kind: 'match', field: f.name, value: v.text.toLowerCase() };
      case 'time':
        return { kind: 'match', field: f.name, value: this.time(v, f.name) };
      case 'json':
        if (!v.quoted && (v.text === 'true' || v.text === 'false'))
          return { kind: 'match', field: f.name, value: v.text === 'true' };
        return { kind: 'match', field: f.name, value: v.text };
      default:
        return { kind: 'match', field: f.name, value: v.text };
    }
  }

  private time(v: Value, field: string): number {
    const rel = relativeTime(v.text, this.now);
    if (rel !== null) return rel;
    const ms = /^-?\d+(\.\d+)?$/.test(v.text) ? Number(v.text) : Date.parse(v.text);
    if (!Number.isFinite(ms))
      throw new KqlFail(
        `${field}: "${v.text}" is not a time (an ISO date such as 2026-12-01, a date-time, now, now-1h)`,
        v.start,
        ['time'],
      );
    return ms;
  }

  private rangeClause(
    f: { name: QueryField; type: KqlFieldType },
    bound: 'gt' | 'gte' | 'lt' | 'lte',
  ): LogQuery {
    const v = this.value();
    if (f.type === 'level' || f.name === 'message')
      throw new KqlFail(`a range needs a number, time or structured field, not ${f.name}`, v.start, [
        'field',
      ]);
    let value: number | string;
    if (f.type === 'time') value = this.time(v, f.name);
    else if (f.type === 'number') {
      if (!Number.isFinite(Number(v.text)) || v.text.trim() === '')
        throw new KqlFail(`${f.name} is a number: "${v.text}" is not one`, v.start, ['number']);
      value = Number(v.text);
    } else
      value = !v.quoted && Number.isFinite(Number(v.text)) && v.text.trim() !== '' ? Number(v.text) : v.text;
    return { kind: 'range', field: f.name, [bound]: value };
  }
}

/** Parses KQL-style query text to the structured query, or says where its first mistake is. */
export function parseKql(text: string, options: KqlOptions = {}): KqlResult {
  try {
    return { query: new Parser(text, options.now ?? Date.now()).parse() };
  } catch (err) {
    if (err instanceof KqlFail)
      return {
        error: {
          message: err.message,
          offset: err.offset,
          ...(err.expected ? { expected: err.expected } : {}),
        },
      };
    if (err instanceof QuerySyntaxError)
      return {
        error: {
          message: err.message,
          offset: err.offset,
          ...(err.expected ? { expected: [err.expected] } : {}),
        },
      };
    throw err;
  }
}

export interface KqlCompletion {
  label: string;
  kind: 'field' | 'value' | 'keyword';
  /** The text that replaces [from, to) of the query. */
  insert: string;
}

export interface KqlCompletions {
  /** What is completed: `field` names, or values of `field`. */
  context: { kind: 'field' } | { kind: 'value'; field: string };
  /** The part of the text the chosen item replaces. */
  from: number;
  to: number;
  items: KqlCompletion[];
}

/** Values of a field that start with a prefix (the UI asks `logs.fieldValues`). */
export type KqlValueSource = (
  field: string,
  prefix: string,
) => Promise<readonly string[]> | readonly string[];

function quoteIfNeeded(v: string): string {
  return /^[^\s():<>=!,'"`]+$/.test(v) && !KEYWORDS.has(v) ? v : `"${v.replace(/"/g, '""')}"`;
}

/** Where the cursor is: completing a field name (or a word of text) or a value of a field. */
export function kqlCompletionContext(
  text: string,
  cursor: number,
):
  | { kind: 'field'; from: number; prefix: string }
  | { kind: 'value'; field: string; from: number; prefix: string } {
  const before = text.slice(0, cursor);
  const lexer = new Lexer(before, { extraOperators: ':' });
  const tokens: Token[] = [];
  let open: { start: number; prefix: string } | null = null;
  for (;;) {
    let t: Token;
    try {
      t = lexer.next();
    } catch (err) {
      // An unclosed quote at the cursor: the user is typing a quoted value.
      if (err instanceof QuerySyntaxError && (before[err.offset] === '"' || before[err.offset] === "'")) {
        open = { start: err.offset, prefix: before.slice(err.offset + 1) };
        break;
      }
      // Any other mistake before the cursor (a lone '!'): no context to complete in, so offer the fields.
      if (err instanceof QuerySyntaxError) return { kind: 'field', from: cursor, prefix: '' };
      throw err;
    }
    if (t.kind === 'end') break;
    tokens.push(t);
  }
  let from = cursor;
  let prefix = '';
  let rest = tokens;
  if (open) {
    from = open.start;
    prefix = open.prefix;
  } else {
    const last = tokens[tokens.length - 1];
    if (last && last.end === cursor && last.kind === 'word') {
      from = last.start;
      prefix = last.text;
      rest = tokens.slice(0, -1);
    }
  }
  // A value follows `field:` (or `field >=`), or sits inside `field:( ... )`.
  let depth = 0;
  for (let i = rest.length - 1; i >= 0; i--) {
    const t = rest[i];
    if (i === rest.length - 1 && t.kind === 'op' && rest[i - 1]?.kind === 'word')
      return { kind: 'value', field: rest[i - 1].text, from, prefix };
    if (t.kind === 'rparen') depth++;
    else if (t.kind === 'lparen') {
      if (depth === 0) {
        if (rest[i - 1]?.kind === 'op' && rest[i - 2]?.kind === 'word')
          return { kind: 'value', field: rest[i - 2].text, from, prefix };
        break;
      }
      depth--;
    }
  }
  return { kind: 'field', from, prefix };
}

/**
 * What can be typed at the cursor: field names (and AND / OR / NOT) where a term starts, or values of the field
 * being compared (the field's known values, or those `values` gives).
 */
export async function kqlCompletions(
  text: string,
  cursor: number,
  fields: readonly KqlField[] = kqlFields,
  values?: KqlValueSource,
): Promise<KqlCompletions> {
  const ctx = kqlCompletionContext(text, cursor);
  const lower = ctx.prefix.toLowerCase();
  if (ctx.kind === 'value') {
    const known = fields.find((f) => f.name === ctx.field)?.values;
    const found = values ? await values(ctx.field, ctx.prefix) : (known ?? []);
    const items = [...new Set(found)]
      .filter((v) => v.toLowerCase().startsWith(lower))
      .map((v): KqlCompletion => ({ label: v, kind: 'value', insert: quoteIfNeeded(v) }));
    return { context: { kind: 'value', field: ctx.field }, from: ctx.from, to: cursor, items };
  }
  const items: KqlCompletion[] = fields
    .filter((f) => f.name.toLowerCase().startsWith(lower))
    .map((f) => ({ label: f.name, kind: 'field', insert: `${f.name}:` }));
  if (ctx.prefix !== '')
    for (const k of KEYWORDS)
      if (k.startsWith(ctx.prefix.toUpperCase()) && k !== ctx.prefix)
        items.push({ label: k, kind: 'keyword', insert: `${k} ` });
  return { context: { kind: 'field' }, from: ctx.from, to: cursor, items };
}
