import { LakebenchError } from '../errors';
import { QuerySyntaxError, RUN_FIELDS, parseQuery, type QueryExpectation, type QueryExpr } from '../query';

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

/** The prefix words of the runs filter (`metrics.`, `params.`...): the grammar's field set names them. */
const ENTITY_WORDS = RUN_FIELDS.prefixes as Readonly<Record<string, FilterEntity>>;

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

const EXPECTATIONS: Record<QueryExpectation, FilterExpectation> = {
  field: 'entity',
  key: 'key',
  operator: 'operator',
  value: 'value',
  conjunction: 'conjunction',
};

function toFilterExpr(node: QueryExpr): FilterExpr {
  if (node.kind !== 'compare') return { kind: node.kind, items: node.items.map(toFilterExpr) };
  const v = node.value;
  return {
    kind: 'compare',
    entity: node.field.group as FilterEntity,
    key: node.field.key,
    op: node.op,
    value: v.kind === 'list' ? v.items : v.kind === 'null' ? null : v.value,
    start: node.start,
    end: node.end,
  };
}

/**
 * Parses a filter with the shared grammar (shared/query) over the runs' fields; an empty one gives null (every
 * run). Throws FilterSyntaxError naming the position and what was expected there.
 */
export function parseFilter(text: string): FilterExpr | null {
  try {
    const expr = parseQuery(text, RUN_FIELDS, { backslashEscapes: true });
    return expr ? toFilterExpr(expr) : null;
  } catch (err) {
    if (!(err instanceof QuerySyntaxError)) throw err;
    throw new FilterSyntaxError(
      err.message,
      err.offset,
      err.expected ? EXPECTATIONS[err.expected] : null,
      (err.group as FilterEntity | null) ?? null,
    );
  }
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
