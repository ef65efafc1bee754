import {
  DATASET_KEYS,
  filterExpectation,
  FilterSyntaxError,
  NUMERIC_ATTRIBUTES,
  parseFilter,
  STRING_ATTRIBUTES,
  type FilterEntity,
} from '../../shared/tracker/filter';
import { RUN_STATUSES, type RunKeys } from '../../shared/tracker/model';

/** The runs filter box's logic: live validation with the fault's position, and completions at the cursor. */

export interface FilterProblem {
  message: string;
  /** 0-based offset of the fault in the filter text. */
  offset: number;
}

export function validateFilter(text: string): FilterProblem | null {
  try {
    parseFilter(text);
    return null;
  } catch (err) {
    if (err instanceof FilterSyntaxError) return { message: err.message, offset: err.offset };
    return { message: err instanceof Error ? err.message : String(err), offset: 0 };
  }
}

export interface Completion {
  /** What the list shows. */
  label: string;
  /** Text that replaces [from, cursor). */
  insert: string;
  from: number;
  /** A hint shown beside the label (the kind of entry). */
  detail: string;
}

const ENTITY_PREFIXES: { word: string; detail: string }[] = [
  { word: 'metrics.', detail: 'latest metric value' },
  { word: 'params.', detail: 'parameter' },
  { word: 'tags.', detail: 'tag' },
  { word: 'attributes.', detail: 'run attribute' },
  { word: 'datasets.', detail: 'dataset input' },
];

const NUMBER_OPS = ['=', '!=', '<', '<=', '>', '>='];
const STRING_OPS = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN', 'IS NULL', 'IS NOT NULL'];

function quoteKey(key: string): string {
  return /^[A-Za-z_][\w.-]*$/.test(key) ? key : `\`${key.replace(/`/g, '``')}\``;
}

function keysOf(entity: FilterEntity, keys: RunKeys): string[] {
  switch (entity) {
    case 'metric':
      return keys.metrics;
    case 'param':
      return keys.params;
    case 'tag':
      return keys.tags;
    case 'attribute':
      return [...STRING_ATTRIBUTES, ...NUMERIC_ATTRIBUTES];
    case 'dataset':
      return [...DATASET_KEYS];
  }
}

/** The entity of the comparison being written at the end of `prefix`, e.g. `metric` after `metrics.rmse `. */
function lastEntity(prefix: string): { entity: FilterEntity; key: string } | null {
  const m =
    /(metrics?|params?|parameters?|tags?|attributes?|attr|run|datasets?)\.(`[^`]*`|"[^"]*"|[^\s=!<>()]+)\s*$/i.exec(
      prefix,
    );
  if (!m) return null;
  const w = m[1].toLowerCase();
  const entity: FilterEntity = w.startsWith('metric')
    ? 'metric'
    : w.startsWith('param')
      ? 'param'
      : w.startsWith('tag')
        ? 'tag'
        : w.startsWith('dataset')
          ? 'dataset'
          : 'attribute';
  return { entity, key: m[2].replace(/^[`"]|[`"]$/g, '') };
}

/** What to offer at the cursor: entity prefixes, known keys, operators, values or AND/OR. */
export function completionsAt(text: string, cursor: number, keys: RunKeys, limit = 40): Completion[] {
  const prefix = text.slice(0, cursor);
  const { expect, entity, partial } = filterExpectation(prefix);
  const from = cursor - partial.length;
  const lower = partial.toLowerCase();
  const match = (s: string) => s.toLowerCase().includes(lower);
  let out: Completion[] = [];
  switch (expect) {
    case 'entity':
      out = ENTITY_PREFIXES.filter((e) => e.word.startsWith(lower)).map((e) => ({
        label: e.word,
        insert: e.word,
        from,
        detail: e.detail,
      }));
      break;
    case 'key': {
      if (!entity) break;
      const list = keysOf(entity, keys).filter(match);
      // Prefix matches first, then the rest in their order.
      list.sort(
        (a, b) => Number(!a.toLowerCase().startsWith(lower)) - Number(!b.toLowerCase().startsWith(lower)),
      );
      out = list.map((k) => ({ label: k, insert: `${quoteKey(k)} `, from, detail: entity }));
      break;
    }
    case 'operator': {
      const last = lastEntity(prefix);
      const numeric =
        last?.entity === 'metric' ||
        (last?.entity === 'attribute' && (NUMERIC_ATTRIBUTES as readonly string[]).includes(last.key));
      out = (numeric ? NUMBER_OPS : STRING_OPS)
        .filter((op) => op.toLowerCase().startsWith(lower))
        .map((op) => ({ label: op, insert: `${op} `, from, detail: numeric ? 'number' : 'string' }));
      break;
    }
    case 'value': {
      const before = prefix.slice(0, from);
      const m = /(?:attributes?|attr|run)\.(\w+)\s*(=|!=|IN\s*\(|NOT\s+IN\s*\()?\s*[('"]?$/i.exec(
        before.trimEnd() + ' ',
      );
      if (m && m[1] === 'status') {
        out = RUN_STATUSES.filter((s) => s.toLowerCase().startsWith(lower.replace(/^'/, ''))).map((s) => ({
          label: `'${s}'`,
          insert: `'${s}' `,
          from,
          detail: 'status',
        }));
      }
      break;
    }
    case 'conjunction':
      out = ['AND', 'OR']
        .filter((w) => w.toLowerCase().startsWith(lower))
        .map((w) => ({
          label: w,
          insert: `${w} `,
          from,
          detail: 'combine',
        }));
      break;
    case 'end':
      break;
  }
  return out.slice(0, limit);
}

/** Applies a completion: the new text and where the cursor goes. */
export function applyCompletion(
  text: string,
  cursor: number,
  c: Completion,
): { text: string; cursor: number } {
  const next = text.slice(0, c.from) + c.insert + text.slice(cursor);
  return { text: next, cursor: c.from + c.insert.length };
}
