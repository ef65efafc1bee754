import { LakebenchError } from '../errors';

/**
 * The runs filter: MLflow's search grammar (`metrics.rmse < 0.5 and params.alpha = '0.1' and tags.team LIKE
 * 'ml%' and attributes.status = 'FINISHED'`), extended with OR and parentheses. AND binds tighter than OR, so
 * every MLflow filter (only ANDs) keeps its meaning. Pure code: the store compiles the tree to SQL, the UI's
 * search box validates and completes with it.
 */

export type FilterEntity = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';
export type NumericOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type FilterOp = NumericOp | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN' | 'IS NULL' | 'IS NOT NULL';

export interface FilterComparison {
  kind: 'compare';
  entity: FilterEntity;
  /** For attributes the canonical name (`start_time` for `created`). */
  key: string;
  op: FilterOp;
  /** A number for numeric comparisons, a string, a list for IN, null for IS [NOT] NULL. */
  value: number | string | string[] | null;
  /** Offsets of the clause in the filter text, [start, end). */
  start: number;
  end: number;
}

export type FilterExpr =
  FilterComparison | { kind: 'and'; items: FilterExpr[] } | { kind: 'or'; items: FilterExpr[] };

export interface OrderByClause {
  entity: FilterEntity;
  key: string;
  ascending: boolean;
}

/** Attributes a filter may name; numeric ones compare as numbers (ms since the epoch, or ms for duration). */
export const STRING_ATTRIBUTES = [
  'run_id',
  'run_name',
  'status',
  'artifact_uri',
  'user_id',
  'lifecycle_stage',
] as const;
export const NUMERIC_ATTRIBUTES = ['start_time', 'end_time', 'duration'] as const;
export const DATASET_KEYS = ['name', 'digest', 'context'] as const;

const ATTRIBUTE_ALIASES: Record<string, string> = { created: 'start_time', Created: 'start_time' };

const ENTITY_WORDS: Record<string, FilterEntity> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

/** What the parser expected where it stopped; the search box uses it to offer completions. */
export type FilterExpectation = 'entity' | 'key' | 'operator' | 'value' | 'conjunction' | 'end';

export class FilterSyntaxError extends LakebenchError {
  constructor(
    message: string,
    readonly offset: number,
    readonly expected: FilterExpectation | null,
    readonly entity: FilterEntity | null = null,
  ) {
    super('INVALID_PARAMETER_VALUE', `Invalid filter at column ${offset + 1}: ${message}`, {
      offset,
      column: offset + 1,
    });
  }
}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isWordChar = (c: string) => /[A-Za-z0-9_]/.test(c);
/** Characters that end an unquoted key. */
const KEY_END = new Set([' ', '\t', '\n', '\r', '=', '!', '<', '>', '(', ')', ',', "'", '"']);

class Parser {
  pos = 0;
  constructor(readonly text: string) {}

  fail(
    message: string,
    expected: FilterExpectation | null,
    at = this.pos,
    entity: FilterEntity | null = null,
  ) {
    return new FilterSyntaxError(message, at, expected, entity);
  }

  skip(): void {
    while (this.pos < this.text.length && isSpace(this.text[this.pos])) this.pos++;
  }

  atEnd(): boolean {
    this.skip();
    return this.pos >= this.text.length;
  }

  /** Reads a keyword (case-insensitive) if it is next, as a whole word. */
  keyword(word: string): boolean {
    this.skip();
    const slice = this.text.slice(this.pos, this.pos + word.length);
    if (slice.toUpperCase() !== word) return false;
    const after = this.text[this.pos + word.length];
    if (after !== undefined && isWordChar(after)) return false;
    this.pos += word.length;
    return true;
  }

  peekWord(): string {
    this.skip();
    let end = this.pos;
    while (end < this.text.length && isWordChar(this.text[end])) end++;
    return this.text.slice(this.pos, end);
  }

  parseOr(): FilterExpr {
    const items = [this.parseAnd()];
    while (this.keyword('OR')) items.push(this.parseAnd());
    return items.length === 1 ? items[0] : { kind: 'or', items };
  }

  parseAnd(): FilterExpr {
    const items = [this.parsePrimary()];
    while (this.keyword('AND')) items.push(this.parsePrimary());
    return items.length === 1 ? items[0] : { kind: 'and', items };
  }

  parsePrimary(): FilterExpr {
    this.skip();
    if (this.text[this.pos] === '(') {
      const open = this.pos;
      this.pos++;
      if (this.atEnd()) throw this.fail('expected a condition after (', 'entity');
      const inner = this.parseOr();
      this.skip();
      if (this.text[this.pos] !== ')') {
        if (this.pos >= this.text.length)
          throw this.fail(`the parenthesis opened at column ${open + 1} is not closed`, 'conjunction');
        throw this.fail(`expected AND, OR or ) but found ${this.describeNext()}`, 'conjunction');
      }
      this.pos++;
      return inner;
    }
    return this.parseComparison();
  }

  describeNext(): string {
    this.skip();
    if (this.pos >= this.text.length) return 'the end of the filter';
    const word = this.peekWord();
    return `'${word || this.text[this.pos]}'`;
  }

  /** A quoted string starting at the cursor (' or " or `), with doubled or backslash-escaped quotes. */
  quoted(): string {
    const q = this.text[this.pos];
    const start = this.pos;
    this.pos++;
    let out = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === '\\' && this.pos + 1 < this.text.length) {
        out += this.text[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (c === q) {
        if (this.text[this.pos + 1] === q) {
          out += q;
          this.pos += 2;
          continue;
        }
        this.pos++;
        return out;
      }
      out += c;
      this.pos++;
    }
    throw this.fail(`the string opened at column ${start + 1} is not closed`, null, start);
  }

  parseComparison(): FilterComparison {
    this.skip();
    const start = this.pos;
    if (this.pos >= this.text.length) throw this.fail('expected a condition', 'entity');
    const word = this.peekWord();
    if (!word) throw this.fail(`expected a condition but found ${this.describeNext()}`, 'entity');
    const entity = ENTITY_WORDS[word] ?? ENTITY_WORDS[word.toLowerCase()];
    if (!entity) {
      this.pos += word.length;
      if (this.text[this.pos] !== '.' && this.pos >= this.text.length)
        throw this.fail(`'${word}' is not a complete condition`, 'entity', start);
      throw this.fail(
        `invalid entity type '${word}'. Valid values are metrics, params, tags, attributes and datasets`,
        'entity',
        start,
      );
    }
    this.pos += word.length;
    if (this.text[this.pos] !== '.')
      throw this.fail(`expected '.' and a key after '${word}'`, 'key', this.pos, entity);
    this.pos++;
    const keyStart = this.pos;
    let key: string;
    const c = this.text[this.pos];
    if (c === '`' || c === '"') key = this.quoted();
    else {
      while (this.pos < this.text.length && !KEY_END.has(this.text[this.pos])) this.pos++;
      key = this.text.slice(keyStart, this.pos);
    }
    if (!key) throw this.fail(`expected a key after '${word}.'`, 'key', keyStart, entity);
    if (this.atEnd()) throw this.fail(`expected a comparison after '${word}.${key}'`, 'operator');
    if (entity === 'attribute') {
      key = ATTRIBUTE_ALIASES[key] ?? key;
      const all: readonly string[] = [...STRING_ATTRIBUTES, ...NUMERIC_ATTRIBUTES];
      if (!all.includes(key))
        throw this.fail(
          `invalid attribute key '${key}'. Valid keys are ${all.join(', ')}`,
          'key',
          keyStart,
          entity,
        );
    }
    if (entity === 'dataset' && !(DATASET_KEYS as readonly string[]).includes(key))
      throw this.fail(
        `invalid dataset key '${key}'. Valid keys are ${DATASET_KEYS.join(', ')}`,
        'key',
        keyStart,
        entity,
      );
    const numeric =
      entity === 'metric' ||
      (entity === 'attribute' && (NUMERIC_ATTRIBUTES as readonly string[]).includes(key));
    const opStart = this.pos;
    const op = this.parseOp();
    if (op === 'IS NULL' || op === 'IS NOT NULL') {
      return { kind: 'compare', entity, key, op, value: null, start, end: this.pos };
    }
    const what = `${word}.${key}`;
    if (numeric && (op === 'LIKE' || op === 'ILIKE' || op === 'IN' || op === 'NOT IN'))
      throw this.fail(`${op} does not apply to the number ${what}; use =, !=, <, <=, > or >=`, null, opStart);
    if (!numeric && ['<', '<=', '>', '>='].includes(op))
      throw this.fail(
        `${op} does not apply to the string ${what}; use =, !=, LIKE, ILIKE, IN or IS NULL`,
        null,
        opStart,
      );
    this.skip();
    const valueStart = this.pos;
    if (this.pos >= this.text.length) throw this.fail(`expected a value after ${op}`, 'value');
    if (op === 'IN' || op === 'NOT IN') {
      if (this.text[this.pos] !== '(')
        throw this.fail(`expected a list like ('a', 'b') after ${op}`, 'value', valueStart);
      this.pos++;
      const list: string[] = [];
      for (;;) {
        this.skip();
        const q = this.text[this.pos];
        if (q !== "'" && q !== '"') throw this.fail('expected a quoted string in the list', 'value');
        list.push(this.quoted());
        this.skip();
        if (this.text[this.pos] === ',') {
          this.pos++;
          continue;
        }
        if (this.text[this.pos] === ')') {
          this.pos++;
          break;
        }
        throw this.fail(`expected , or ) in the list but found ${this.describeNext()}`, 'value');
      }
      return { kind: 'compare', entity, key, op, value: list, start, end: this.pos };
    }
    if (numeric) {
      const m = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(this.text.slice(this.pos));
      if (!m) {
        throw this.fail(
          `expected a number after ${what} ${op} but found ${this.describeNext()}`,
          'value',
          valueStart,
        );
      }
      this.pos += m[0].length;
      const after = this.text[this.pos];
      if (after !== undefined && !isSpace(after) && after !== ')')
        throw this.fail(`expected a number after ${what} ${op}`, 'value', valueStart);
      return { kind: 'compare', entity, key, op, value: Number(m[0]), start, end: this.pos };
    }
    const q = this.text[this.pos];
    if (q !== "'" && q !== '"')
      throw this.fail(
        `the value of ${what} must be a quoted string, e.g. '${this.peekWord() || 'value'}'`,
        'value',
        valueStart,
      );
    const value = this.quoted();
    return { kind: 'compare', entity, key, op, value, start, end: this.pos };
  }

  parseOp(): FilterOp {
    this.skip();
    const two = this.text.slice(this.pos, this.pos + 2);
    if (two === '!=' || two === '<>') {
      this.pos += 2;
      return '!=';
    }
    if (two === '<=' || two === '>=') {
      this.pos += 2;
      return two;
    }
    if (two === '==') {
      this.pos += 2;
      return '=';
    }
    const one = this.text[this.pos];
    if (one === '=' || one === '<' || one === '>') {
      this.pos++;
      return one;
    }
    const at = this.pos;
    if (this.keyword('LIKE')) return 'LIKE';
    if (this.keyword('ILIKE')) return 'ILIKE';
    if (this.keyword('IN')) return 'IN';
    if (this.keyword('NOT')) {
      if (this.keyword('IN')) return 'NOT IN';
      throw this.fail('expected IN after NOT', 'operator');
    }
    if (this.keyword('IS')) {
      if (this.keyword('NULL')) return 'IS NULL';
      if (this.keyword('NOT') && this.keyword('NULL')) return 'IS NOT NULL';
      throw this.fail('expected NULL or NOT NULL after IS', 'operator');
    }
    throw this.fail(
      `expected a comparison (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, IS NULL) but found ${this.describeNext()}`,
      'operator',
      at,
    );
  }
}

/** Parses a filter; an empty one gives null (every run). Throws FilterSyntaxError naming the position. */
export function parseFilter(text: string): FilterExpr | null {
  const p = new Parser(text);
  if (p.atEnd()) return null;
  const expr = p.parseOr();
  if (!p.atEnd()) {
    const next = p.describeNext();
    throw p.fail(
      p.text[p.pos] === ')' ? 'this ) has no ( to close' : `expected AND or OR but found ${next}`,
      'conjunction',
    );
  }
  return expr;
}

/** Every comparison of a filter tree, left to right. */
export function filterComparisons(expr: FilterExpr | null): FilterComparison[] {
  if (!expr) return [];
  if (expr.kind === 'compare') return [expr];
  return expr.items.flatMap(filterComparisons);
}

/**
 * What the search box should offer at the end of `prefix` (the text before the cursor): entity names, keys of
 * an entity, operators, values, or AND/OR. `partial` is the word being typed.
 */
export function filterExpectation(prefix: string): {
  expect: FilterExpectation;
  entity: FilterEntity | null;
  partial: string;
} {
  const partial = /[\w.-]*$/.exec(prefix)?.[0] ?? '';
  try {
    parseFilter(prefix);
    // A complete filter: after a space, offer AND/OR; inside the last word, keep completing it.
    return {
      expect: /\s$/.test(prefix) || prefix === '' ? (prefix.trim() ? 'conjunction' : 'entity') : 'end',
      entity: null,
      partial,
    };
  } catch (err) {
    if (!(err instanceof FilterSyntaxError)) throw err;
    const dot = /([A-Za-z_]+)\.([^.\s]*)$/.exec(prefix);
    if (dot && ENTITY_WORDS[dot[1].toLowerCase()] && err.expected !== 'value')
      return { expect: 'key', entity: ENTITY_WORDS[dot[1].toLowerCase()], partial: dot[2] };
    return { expect: err.expected ?? 'end', entity: err.entity, partial };
  }
}

/** Parses one `order_by` clause: `metrics.rmse`, `params.alpha DESC`, `attributes.start_time ASC`. */
export function parseOrderBy(clause: string): OrderByClause {
  const bad = (why: string) =>
    new LakebenchError('INVALID_PARAMETER_VALUE', `Invalid order_by clause '${clause}': ${why}`);
  let text = clause.trim();
  let ascending = true;
  const dir = /\s+(ASC|DESC)$/i.exec(text);
  if (dir) {
    ascending = dir[1].toUpperCase() === 'ASC';
    text = text.slice(0, dir.index).trim();
  }
  const m = /^([A-Za-z_]+)\.(.+)$/.exec(text);
  if (!m) {
    // MLflow accepts bare attribute names in order_by.
    const key = ATTRIBUTE_ALIASES[text] ?? text;
    if ([...STRING_ATTRIBUTES, ...NUMERIC_ATTRIBUTES].includes(key as never))
      return { entity: 'attribute', key, ascending };
    throw bad('expected <entity>.<key> [ASC|DESC], e.g. metrics.rmse DESC');
  }
  const entity = ENTITY_WORDS[m[1]] ?? ENTITY_WORDS[m[1].toLowerCase()];
  if (!entity || entity === 'dataset') throw bad(`'${m[1]}' cannot be sorted by`);
  let key = m[2];
  const q = key[0];
  if ((q === '`' || q === '"') && key.endsWith(q) && key.length >= 2) key = key.slice(1, -1);
  if (entity === 'attribute') {
    key = ATTRIBUTE_ALIASES[key] ?? key;
    if (![...STRING_ATTRIBUTES, ...NUMERIC_ATTRIBUTES].includes(key as never))
      throw bad(`invalid attribute key '${key}'`);
  }
  if (!key) throw bad('a key is required');
  return { entity, key, ascending };
}
