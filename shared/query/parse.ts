import type { FieldRef, QueryComparison, QueryExpr, QueryOp, QueryValue } from './ast';
import type { FieldSet } from './fields';
import { QuerySyntaxError, tokenize, type Token, type TokenizeOptions } from './tokens';

/**
 * Parses a filter of one entity's field set: comparisons joined by AND and OR, AND binding tighter, with
 * parentheses. Recursive descent over the tokens, so linear in the text; nesting is bounded so no filter can
 * exhaust the stack.
 */

export const MAX_NESTING = 64;
/** More comparisons than any written filter has; each one costs a lookup when the filter runs. */
export const MAX_COMPARISONS = 1000;

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^-?\d+$/;

export interface ParseOptions extends TokenizeOptions {
  /** Whether OR and parentheses are accepted (the default). */
  allowOr?: boolean;
}

class Parser {
  private i = 0;
  private depth = 0;
  private count = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly fields: FieldSet,
    private readonly allowOr: boolean,
  ) {}

  /** The token at the cursor (a method, not a getter, so type narrowing does not outlive a step). */
  private peek(): Token {
    return this.tokens[this.i];
  }

  private fail(message: string, at: number = this.peek().start): QuerySyntaxError {
    return new QuerySyntaxError(message, at);
  }

  private describe(t: Token = this.peek()): string {
    return t.kind === 'end' ? 'the end of the filter' : `'${t.text}'`;
  }

  private isWord(word: string, t: Token = this.peek()): boolean {
    return t.kind === 'word' && t.text.toUpperCase() === word;
  }

  parse(): QueryExpr | null {
    if (this.peek().kind === 'end') return null;
    const expr = this.parseOr();
    if (this.peek().kind !== 'end')
      throw this.fail(
        this.peek().kind === 'rparen'
          ? 'this ) has no ( to close'
          : `expected ${this.allowOr ? 'AND or OR' : 'AND'} but found ${this.describe()}`,
      );
    return expr;
  }

  private parseOr(): QueryExpr {
    const items = [this.parseAnd()];
    while (this.allowOr && this.isWord('OR')) {
      this.i++;
      items.push(this.parseAnd());
    }
    return items.length === 1
      ? items[0]
      : { kind: 'or', items, start: items[0].start, end: items[items.length - 1].end };
  }

  private parseAnd(): QueryExpr {
    const items = [this.parsePrimary()];
    while (this.isWord('AND')) {
      this.i++;
      items.push(this.parsePrimary());
    }
    return items.length === 1
      ? items[0]
      : { kind: 'and', items, start: items[0].start, end: items[items.length - 1].end };
  }

  private parsePrimary(): QueryExpr {
    const t = this.peek();
    if (t.kind === 'lparen' && this.allowOr) {
      if (++this.depth > MAX_NESTING) throw this.fail(`parentheses nest deeper than ${MAX_NESTING}`);
      this.i++;
      const inner = this.parseOr();
      if (this.peek().kind !== 'rparen')
        throw this.fail(
          this.peek().kind === 'end'
            ? `the parenthesis opened at column ${t.start + 1} is not closed`
            : `expected AND, OR or ) but found ${this.describe()}`,
        );
      this.i++;
      this.depth--;
      return inner;
    }
    return this.parseComparison();
  }

  private parseField(): FieldRef {
    const t = this.peek();
    if (t.kind !== 'word') throw this.fail(`expected a field but found ${this.describe()}`);
    this.i++;
    const f = this.fields;
    const dot = t.text.indexOf('.');
    const prefix = dot > 0 ? t.text.slice(0, dot).toLowerCase() : '';
    const group = dot > 0 ? f.prefixes[prefix] : undefined;
    if (group !== undefined) {
      let key = t.text.slice(dot + 1);
      let end = t.end;
      const q = this.peek();
      if (key === '' && (q.kind === 'name' || q.kind === 'string') && q.start === t.end) {
        key = q.value;
        end = q.end;
        this.i++;
      }
      if (key === '') throw this.fail(`expected a key after '${t.text}'`, t.end);
      if (group === 'attribute') return this.attribute(key, t.start, end, t.text);
      return { kind: 'field', group, key, text: t.text, start: t.start, end };
    }
    if (f.bare && dot < 0) return this.attribute(t.text, t.start, t.end, t.text);
    const groups = Object.keys(f.prefixes);
    throw this.fail(
      groups.length
        ? `invalid field '${t.text}'. Valid fields are ${[...Object.keys(f.attributes), ...groups.map((g) => `${g}.<key>`)].join(', ')}`
        : `Invalid attribute key '${t.text}' specified. Valid keys are '${Object.keys(f.attributes).join("', '")}'`,
      t.start,
    );
  }

  private attribute(name: string, start: number, end: number, text: string): FieldRef {
    const lower = name.toLowerCase();
    const key = this.fields.aliases?.[lower] ?? lower;
    if (!this.fields.attributes[key])
      throw this.fail(
        `Invalid attribute key '${name}' specified. Valid keys are '${Object.keys(this.fields.attributes).join("', '")}'`,
        start,
      );
    return { kind: 'field', group: 'attribute', key, text, start, end };
  }

  private parseOp(): QueryOp {
    const t = this.peek();
    if (t.kind === 'op') {
      this.i++;
      const op = t.text === '==' ? '=' : t.text === '<>' ? '!=' : t.text;
      if (op === ':') throw this.fail(`':' is not a comparison here`, t.start);
      return op as QueryOp;
    }
    for (const word of ['LIKE', 'ILIKE', 'IN'] as const)
      if (this.isWord(word)) {
        this.i++;
        return word;
      }
    if (this.isWord('NOT')) {
      this.i++;
      if (!this.isWord('IN')) throw this.fail('expected IN after NOT');
      this.i++;
      return 'NOT IN';
    }
    if (this.isWord('IS')) {
      this.i++;
      let not = false;
      if (this.isWord('NOT')) {
        this.i++;
        not = true;
      }
      if (!this.isWord('NULL')) throw this.fail(`expected NULL or NOT NULL after IS`);
      this.i++;
      return not ? 'IS NOT NULL' : 'IS NULL';
    }
    throw this.fail(`expected a comparison but found ${this.describe()}`);
  }

  private parseComparison(): QueryComparison {
    if (++this.count > MAX_COMPARISONS)
      throw this.fail(`a filter may hold at most ${MAX_COMPARISONS} comparisons`);
    const field = this.parseField();
    const spec =
      field.group === 'attribute' ? this.fields.attributes[field.key] : this.fields.keyed[field.group];
    const opToken = this.peek();
    const op = this.parseOp();
    if (!spec.ops.includes(op))
      throw this.fail(`${op} does not apply to ${field.text}; use ${spec.ops.join(', ')}`, opToken.start);
    const value = this.parseValue(op, spec.value, field.text);
    return { kind: 'compare', field, op, value, start: field.start, end: value.end };
  }

  private parseValue(op: QueryOp, kind: string, what: string): QueryValue {
    const t = this.peek();
    if (op === 'IS NULL' || op === 'IS NOT NULL') return { kind: 'null', start: t.start, end: t.start };
    if (op === 'IN' || op === 'NOT IN') {
      if (t.kind !== 'lparen') throw this.fail(`expected a list like ('a', 'b') after ${op}`);
      this.i++;
      const items: string[] = [];
      for (;;) {
        const item = this.peek();
        if (item.kind !== 'string') throw this.fail('expected a quoted string in the list');
        items.push(item.value);
        this.i++;
        const sep = this.peek();
        this.i++;
        if (sep.kind === 'comma') continue;
        if (sep.kind === 'rparen') return { kind: 'list', items, start: t.start, end: sep.end };
        throw this.fail(`expected , or ) in the list but found ${this.describe(sep)}`, sep.start);
      }
    }
    if (t.kind === 'string' && kind !== 'number') {
      this.i++;
      return { kind: 'string', value: t.value, start: t.start, end: t.end };
    }
    if (t.kind === 'word' && (kind === 'number' ? NUMBER : INTEGER).test(t.text) && kind !== 'string') {
      this.i++;
      return { kind: 'number', value: Number(t.text), text: t.text, start: t.start, end: t.end };
    }
    if (t.kind === 'end') throw this.fail(`expected a value after ${op}`);
    throw this.fail(
      kind === 'number'
        ? `expected a number after ${what} ${op} but found ${this.describe()}`
        : `the value of ${what} must be a quoted string, e.g. 'value', but found ${this.describe()}`,
    );
  }
}

/** Parses a filter over a field set; an empty one gives null. Throws QuerySyntaxError with the offset. */
export function parseQuery(text: string, fields: FieldSet, options: ParseOptions = {}): QueryExpr | null {
  return new Parser(tokenize(text, options), fields, options.allowOr ?? true).parse();
}
