import type { FieldRef, QueryComparison, QueryExpr, QueryOp, QueryValue } from './ast';
import type { FieldSet, FieldSpec } from './fields';
import { Lexer, QuerySyntaxError, type QueryExpectation, type Token, type TokenizeOptions } from './tokens';

/**
 * Parses a filter of one entity's field set: comparisons joined by AND and OR, AND binding tighter (so every
 * MLflow filter, only ANDs, keeps its meaning), with parentheses. Recursive descent over tokens read one at a
 * time, so linear in the text; nesting and the number of comparisons are bounded so no filter can exhaust the
 * stack or the database's expression limits.
 */

export const MAX_NESTING = 64;
/**
 * More comparisons than any written filter has; each one costs a lookup when the filter runs, and SQLite refuses
 * expressions deeper than 1000 (a chain of 999 ORs), so the limit stays well below that.
 */
export const MAX_COMPARISONS = 500;

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^-?\d+$/;

export type ParseOptions = TokenizeOptions;

function list(items: readonly string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}` : items.join('');
}

class Parser {
  private token: Token;
  private depth = 0;
  private count = 0;

  constructor(
    private readonly lexer: Lexer,
    private readonly fields: FieldSet,
  ) {
    this.token = lexer.next();
  }

  private peek(): Token {
    return this.token;
  }

  private advance(): Token {
    const t = this.token;
    this.token = this.lexer.next();
    return t;
  }

  private fail(
    message: string,
    expected: QueryExpectation | null,
    at: number = this.token.start,
    group: string | null = null,
  ): QuerySyntaxError {
    return new QuerySyntaxError(message, at, expected, group);
  }

  private describe(t: Token = this.token): string {
    return t.kind === 'end' ? 'the end of the filter' : `'${t.text}'`;
  }

  private isWord(word: string): boolean {
    return this.token.kind === 'word' && this.token.text.toUpperCase() === word;
  }

  parse(): QueryExpr | null {
    if (this.peek().kind === 'end') return null;
    const expr = this.parseOr();
    const t = this.peek();
    if (t.kind !== 'end')
      throw this.fail(
        t.kind === 'rparen' ? 'this ) has no ( to close' : `expected AND or OR but found ${this.describe()}`,
        'conjunction',
      );
    return expr;
  }

  private parseOr(): QueryExpr {
    const items = [this.parseAnd()];
    while (this.isWord('OR')) {
      this.advance();
      items.push(this.parseAnd());
    }
    return items.length === 1
      ? items[0]
      : { kind: 'or', items, start: items[0].start, end: items[items.length - 1].end };
  }

  private parseAnd(): QueryExpr {
    const items = [this.parsePrimary()];
    while (this.isWord('AND')) {
      this.advance();
      items.push(this.parsePrimary());
    }
    return items.length === 1
      ? items[0]
      : { kind: 'and', items, start: items[0].start, end: items[items.length - 1].end };
  }

  private parsePrimary(): QueryExpr {
    const open = this.peek();
    if (open.kind !== 'lparen') return this.parseComparison();
    if (++this.depth > MAX_NESTING) throw this.fail(`parentheses nest deeper than ${MAX_NESTING}`, null);
    this.advance();
    if (this.peek().kind === 'end') throw this.fail('expected a condition after (', 'field');
    const inner = this.parseOr();
    const close = this.peek();
    if (close.kind !== 'rparen')
      throw this.fail(
        close.kind === 'end'
          ? `the parenthesis opened at column ${open.start + 1} is not closed`
          : `expected AND, OR or ) but found ${this.describe()}`,
        'conjunction',
      );
    this.advance();
    this.depth--;
    return inner;
  }

  private parseField(): FieldRef {
    const t = this.peek();
    const f = this.fields;
    if (t.kind === 'end') throw this.fail('expected a condition', 'field');
    if (t.kind !== 'word') throw this.fail(`expected a condition but found ${this.describe()}`, 'field');
    this.advance();
    const dot = t.text.indexOf('.');
    const head = (dot >= 0 ? t.text.slice(0, dot) : t.text).toLowerCase();
    const group = f.prefixes[head];
    if (group !== undefined && dot < 0 && !(f.bare && f.attributes[head]))
      throw this.fail(`expected '.' and a key after '${t.text}'`, 'key', t.end, group);
    if (group !== undefined) {
      let key = t.text.slice(dot + 1);
      let end = t.end;
      const q = this.peek();
      if (key === '' && (q.kind === 'name' || q.kind === 'string') && q.start === t.end) {
        key = q.value;
        end = q.end;
        this.advance();
      }
      const keyStart = t.start + dot + 1;
      if (key === '') throw this.fail(`expected a key after '${t.text}'`, 'key', keyStart, group);
      if (group === 'attribute') return this.attribute(key, t.start, end, t.text, keyStart);
      const allowed = f.keyed[group].keys;
      if (allowed && !allowed.includes(key))
        throw this.fail(
          `invalid ${group} key '${key}'. Valid keys are ${allowed.join(', ')}`,
          'key',
          keyStart,
          group,
        );
      return {
        kind: 'field',
        group,
        key,
        text: t.text + (end > t.end ? this.lexer.text.slice(t.end, end) : ''),
        start: t.start,
        end,
      };
    }
    if (f.bare && dot < 0) return this.attribute(t.text, t.start, t.end, t.text, t.start);
    if (!f.prefixNames)
      throw this.fail(
        `Invalid attribute key '${t.text}' specified. Valid keys are '${Object.keys(f.attributes).join("', '")}'`,
        'field',
        t.start,
      );
    if (dot < 0 && this.peek().kind === 'end')
      throw this.fail(`'${t.text}' is not a complete condition`, 'field', t.start);
    throw this.fail(
      `invalid entity type '${dot >= 0 ? t.text.slice(0, dot) : t.text}'. Valid values are ${f.prefixNames}`,
      'field',
      t.start,
    );
  }

  private attribute(name: string, start: number, end: number, text: string, keyStart: number): FieldRef {
    const lower = name.toLowerCase();
    const key = this.fields.aliases?.[lower] ?? lower;
    if (!this.fields.attributes[key]) {
      const keys = Object.keys(this.fields.attributes);
      throw this.fail(
        this.fields.bare
          ? `Invalid attribute key '${name}' specified. Valid keys are '${keys.join("', '")}'`
          : `invalid attribute key '${name}'. Valid keys are ${keys.join(', ')}`,
        this.fields.bare ? 'field' : 'key',
        keyStart,
        'attribute',
      );
    }
    return { kind: 'field', group: 'attribute', key, text, start, end };
  }

  private parseOp(what: string): QueryOp {
    const t = this.peek();
    if (t.kind === 'end') throw this.fail(`expected a comparison after '${what}'`, 'operator');
    if (t.kind === 'op') {
      if (t.text === ':') throw this.fail(`':' is not a comparison here`, 'operator');
      this.advance();
      return (t.text === '==' ? '=' : t.text === '<>' ? '!=' : t.text) as QueryOp;
    }
    for (const word of ['LIKE', 'ILIKE', 'IN'] as const)
      if (this.isWord(word)) {
        this.advance();
        return word;
      }
    if (this.isWord('NOT')) {
      this.advance();
      if (!this.isWord('IN')) throw this.fail('expected IN after NOT', 'operator');
      this.advance();
      return 'NOT IN';
    }
    if (this.isWord('IS')) {
      this.advance();
      let not = false;
      if (this.isWord('NOT')) {
        this.advance();
        not = true;
      }
      if (!this.isWord('NULL')) throw this.fail('expected NULL or NOT NULL after IS', 'operator');
      this.advance();
      return not ? 'IS NOT NULL' : 'IS NULL';
    }
    throw this.fail(
      `expected a comparison (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, IS NULL) but found ${this.describe()}`,
      'operator',
    );
  }

  private parseComparison(): QueryComparison {
    if (++this.count > MAX_COMPARISONS)
      throw this.fail(`a filter may hold at most ${MAX_COMPARISONS} comparisons`, null);
    const field = this.parseField();
    const spec: FieldSpec =
      field.group === 'attribute' ? this.fields.attributes[field.key] : this.fields.keyed[field.group];
    const what = field.text;
    const opToken = this.peek();
    const op = this.parseOp(what);
    if (!spec.ops.includes(op))
      throw this.fail(
        `${op} does not apply to the ${spec.value === 'number' ? 'number' : 'string'} ${what}; use ${list(spec.ops)}`,
        null,
        opToken.start,
      );
    const value = this.parseValue(op, spec, what);
    return { kind: 'compare', field, op, value, start: field.start, end: value.end };
  }

  private parseValue(op: QueryOp, spec: FieldSpec, what: string): QueryValue {
    const t = this.peek();
    if (op === 'IS NULL' || op === 'IS NOT NULL') return { kind: 'null', start: t.start, end: t.start };
    if (t.kind === 'end') throw this.fail(`expected a value after ${op}`, 'value');
    if (op === 'IN' || op === 'NOT IN') {
      if (t.kind !== 'lparen') throw this.fail(`expected a list like ('a', 'b') after ${op}`, 'value');
      this.advance();
      const items: string[] = [];
      for (;;) {
        const item = this.peek();
        if (item.kind !== 'string') throw this.fail('expected a quoted string in the list', 'value');
        items.push(item.value);
        this.advance();
        const sep = this.advance();
        if (sep.kind === 'comma') continue;
        if (sep.kind === 'rparen') return { kind: 'list', items, start: t.start, end: sep.end };
        throw this.fail(`expected , or ) in the list but found ${this.describe(sep)}`, 'value', sep.start);
      }
    }
    if (t.kind === 'string' && spec.value !== 'number') {
      this.advance();
      return { kind: 'string', value: t.value, start: t.start, end: t.end };
    }
    if (
      t.kind === 'word' &&
      spec.value !== 'string' &&
      (spec.value === 'number' ? NUMBER : INTEGER).test(t.text)
    ) {
      this.advance();
      return { kind: 'number', value: Number(t.text), text: t.text, start: t.start, end: t.end };
    }
    if (spec.value === 'number')
      throw this.fail(`expected a number after ${what} ${op} but found ${this.describe()}`, 'value');
    throw this.fail(
      `the value of ${what} must be a quoted string, e.g. '${t.kind === 'word' ? t.text : 'value'}'`,
      'value',
    );
  }
}

/** Parses a filter over a field set; an empty one gives null. Throws QuerySyntaxError with the offset. */
export function parseQuery(text: string, fields: FieldSet, options: ParseOptions = {}): QueryExpr | null {
  return new Parser(new Lexer(text, options), fields).parse();
}
