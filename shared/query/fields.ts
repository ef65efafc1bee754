import type { QueryOp } from './ast';

/**
 * What a filter may name, per entity: groups of free keys (`tags.<key>`, `metrics.<key>`) and named attributes
 * (`name`, `attributes.status`), each with the comparisons and the kind of value it takes.
 */

/** `string`: a quoted string; `number`: a number; `string-or-integer`: either a quoted string or an integer. */
export type ValueKind = 'string' | 'number' | 'string-or-integer';

export interface FieldSpec {
  ops: readonly QueryOp[];
  value: ValueKind;
  /** For a group: the only keys it has (datasets: name, digest, context); free keys when absent. */
  keys?: readonly string[];
}

export interface FieldSet {
  /** The entity searched, for messages: `runs`, `experiments`... */
  entity: string;
  /** Prefix words (lowercase) and their canonical group; `attribute` names the attributes' group. */
  prefixes: Record<string, string>;
  /** Groups of free keys and what their values take. */
  keyed: Record<string, FieldSpec>;
  /** Named attributes (lowercase canonical names) and what they take. */
  attributes: Record<string, FieldSpec>;
  /** Other spellings of attributes. */
  aliases?: Record<string, string>;
  /** Whether an attribute may be named without a prefix (`name = 'x'`). */
  bare: boolean;
  /** The prefixes as a message lists them: `metrics, params, tags, attributes and datasets`. */
  prefixNames?: string;
}

const EQUALITY: QueryOp[] = ['=', '!='];
const ORDER: QueryOp[] = ['<', '<=', '>', '>='];
const PATTERN: QueryOp[] = ['LIKE', 'ILIKE'];
const MEMBERSHIP: QueryOp[] = ['IN', 'NOT IN'];
const NULLS: QueryOp[] = ['IS NULL', 'IS NOT NULL'];

const RUN_STRING: FieldSpec = { ops: [...EQUALITY, ...PATTERN, ...MEMBERSHIP, ...NULLS], value: 'string' };
const RUN_NUMBER: FieldSpec = { ops: [...EQUALITY, ...ORDER, ...NULLS], value: 'number' };

/** Runs: `metrics.`, `params.`, `tags.`, `attributes.` and `datasets.`, as the runs filter names them. */
export const RUN_FIELDS: FieldSet = {
  entity: 'runs',
  prefixes: {
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
  },
  keyed: {
    metric: RUN_NUMBER,
    param: RUN_STRING,
    tag: RUN_STRING,
    dataset: { ...RUN_STRING, keys: ['name', 'digest', 'context'] },
  },
  attributes: {
    run_id: RUN_STRING,
    run_name: RUN_STRING,
    status: RUN_STRING,
    artifact_uri: RUN_STRING,
    user_id: RUN_STRING,
    lifecycle_stage: RUN_STRING,
    start_time: RUN_NUMBER,
    end_time: RUN_NUMBER,
    duration: RUN_NUMBER,
  },
  aliases: { created: 'start_time' },
  bare: false,
  prefixNames: 'metrics, params, tags, attributes and datasets',
};

const EXPERIMENT_ANY: FieldSpec = { ops: [...EQUALITY, ...ORDER, ...PATTERN], value: 'string-or-integer' };

/** Experiments: `name`, `creation_time`, `last_update_time` (bare or after `attributes.`) and `tags.<key>`. */
export const EXPERIMENT_FIELDS: FieldSet = {
  entity: 'experiments',
  prefixes: { attribute: 'attribute', attributes: 'attribute', attr: 'attribute', tag: 'tag', tags: 'tag' },
  keyed: { tag: EXPERIMENT_ANY },
  attributes: { name: EXPERIMENT_ANY, creation_time: EXPERIMENT_ANY, last_update_time: EXPERIMENT_ANY },
  bare: true,
  prefixNames: 'attributes and tags',
};

const REGISTRY_STRING: FieldSpec = { ops: ['=', '!=', 'LIKE', 'ILIKE', 'IN'], value: 'string' };

/** Registered models: `name`. */
export const REGISTERED_MODEL_FIELDS: FieldSet = {
  entity: 'registered models',
  prefixes: {},
  keyed: {},
  attributes: { name: REGISTRY_STRING },
  bare: true,
};

/** Model versions: `name`, `run_id`, `source_path`. */
export const MODEL_VERSION_FIELDS: FieldSet = {
  entity: 'model versions',
  prefixes: {},
  keyed: {},
  attributes: { name: REGISTRY_STRING, run_id: REGISTRY_STRING, source_path: REGISTRY_STRING },
  bare: true,
};
