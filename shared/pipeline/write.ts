import {
  Document,
  Scalar,
  YAMLMap,
  YAMLSeq,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  type Node,
  type Pair,
} from 'yaml';
import { PIPELINE_KEY_ORDER, TASK_KEY_ORDER, type Pipeline } from './model';
import { documentValue } from './parse';

/**
 * The canonical, stable YAML writer the editor uses. It edits the user's document in place: nodes whose value
 * did not change are left as they were (their comments, quoting and flow or block style), keys the user wrote
 * keep their order, removed keys are deleted, and new keys go in a fixed canonical order. A pipeline that did
 * not change is returned byte-identical.
 */
export function writePipelineYaml(original: string | null, pipeline: Pipeline): string {
  const target = clean(pipeline) as Record<string, unknown>;
  let doc: Document | null = null;
  if (original !== null && original.trim() !== '') {
    const parsed = parseDocument(original);
    // A document whose aliases cannot be expanded (an alias bomb) is written afresh, not edited in place.
    const value = parsed.errors.length === 0 && isMap(parsed.contents) ? documentValue(parsed) : null;
    if (value?.ok) {
      // The document's own values, not a second parse: parsing is most of the cost on a 5,000-task file.
      if (deepEqual(clean(value.value), target)) return original;
      doc = parsed;
    }
  }
  if (!doc) {
    doc = new Document();
    doc.contents = newNode(doc, target, 'pipeline') as YAMLMap;
    return doc.toString(STRINGIFY);
  }
  syncMap(doc, doc.contents as YAMLMap, target, 'pipeline');
  return doc.toString(STRINGIFY);
}

// No padding inside flow collections: `[extract]` stays as the user wrote it on lines an edit does not touch.
const STRINGIFY = {
  lineWidth: 0,
  minContentWidth: 0,
  indentSeq: true,
  flowCollectionPadding: false,
} as const;

type Context = 'pipeline' | 'task' | 'tasks' | 'other';

function orderFor(ctx: Context): readonly string[] {
  if (ctx === 'pipeline') return PIPELINE_KEY_ORDER;
  if (ctx === 'task') return TASK_KEY_ORDER;
  return [];
}

function childContext(ctx: Context, key: string): Context {
  if (ctx === 'pipeline' && key === 'tasks') return 'tasks';
  if (ctx === 'pipeline' && key === 'default_args') return 'task';
  return 'other';
}

/** Drops undefined fields, so `{ a: undefined }` and `{}` are the same pipeline. */
function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = clean(v);
    return out;
  }
  return value;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    return ka.every(
      (k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as never)[k], (b as never)[k]),
    );
  }
  return false;
}

function keyOf(pair: Pair): string | null {
  return isScalar(pair.key) ? String(pair.key.value) : null;
}

/** Orders an object's keys canonically (known keys first in the canonical order, then the rest as given). */
function canonicalEntries(value: Record<string, unknown>, ctx: Context): [string, unknown][] {
  const order = orderFor(ctx);
  const rank = (k: string) => {
    const i = order.indexOf(k);
    return i === -1 ? order.length : i;
  };
  return Object.entries(value).sort((a, b) => rank(a[0]) - rank(b[0]));
}

function newScalar(value: unknown): Scalar {
  const s = new Scalar(value);
  if (typeof value === 'string' && value.includes('\n')) s.type = Scalar.BLOCK_LITERAL;
  return s;
}

function hasMultiline(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\n');
  if (Array.isArray(value)) return value.some(hasMultiline);
  if (value && typeof value === 'object') return Object.values(value).some(hasMultiline);
  return false;
}

/** A new node for a value, keys in canonical order, multi-line text as a literal block. */
function newNode(doc: Document, value: unknown, ctx: Context, flow = false): Node {
  if (Array.isArray(value)) {
    const seq = new YAMLSeq();
    if (ctx !== 'tasks' && value.every((v) => v === null || typeof v !== 'object') && !hasMultiline(value))
      seq.flow = true;
    for (const v of value) seq.items.push(newNode(doc, v, ctx === 'tasks' ? 'task' : 'other', flow));
    return seq;
  }
  if (value && typeof value === 'object') {
    const map = new YAMLMap();
    map.flow = flow && !hasMultiline(value);
    for (const [k, v] of canonicalEntries(value as Record<string, unknown>, ctx)) {
      map.items.push(
        doc.createPair(k, newNode(doc, v, childContext(ctx, k), map.flow)) as Pair<unknown, unknown>,
      );
    }
    return map;
  }
  return newScalar(value);
}

function syncMap(doc: Document, map: YAMLMap, value: Record<string, unknown>, ctx: Context): void {
  // Remove what is gone.
  map.items = map.items.filter((pair) => {
    const k = keyOf(pair as Pair);
    return k === null || value[k] !== undefined;
  });
  const order = orderFor(ctx);
  for (const [k, v] of canonicalEntries(value, ctx)) {
    const pair = map.items.find((p) => keyOf(p as Pair) === k) as Pair | undefined;
    if (pair) {
      pair.value = syncValue(doc, pair.value as Node | null, v, childContext(ctx, k), map.flow ?? false);
      continue;
    }
    const created = doc.createPair(k, newNode(doc, v, childContext(ctx, k), map.flow ?? false)) as Pair<
      unknown,
      unknown
    >;
    // Insert after the last existing key that comes before it in the canonical order.
    const rank = order.indexOf(k);
    let at = map.items.length;
    if (rank !== -1) {
      at = 0;
      map.items.forEach((p, i) => {
        const r = order.indexOf(keyOf(p as Pair) ?? '');
        if (r !== -1 && r < rank) at = i + 1;
      });
    }
    map.items.splice(at, 0, created);
  }
}

function syncValue(
  doc: Document,
  node: Node | null,
  value: unknown,
  ctx: Context,
  parentFlow: boolean,
): Node {
  if (node && deepEqual(node.toJSON(), value)) return node;
  if (Array.isArray(value) && isSeq(node)) {
    if (ctx === 'tasks') syncTasks(doc, node, value);
    else {
      const old = node.items as Node[];
      node.items = value.map((v) => {
        const same = old.find((o) => isScalar(o) && deepEqual(o.toJSON(), v));
        return same ?? newNode(doc, v, 'other', node.flow ?? false);
      });
    }
    return node;
  }
  if (value && typeof value === 'object' && !Array.isArray(value) && isMap(node)) {
    syncMap(doc, node, value as Record<string, unknown>, ctx);
    return node;
  }
  if (isScalar(node) && (value === null || typeof value !== 'object') && typeof node.value === typeof value) {
    node.value = value;
    if (typeof value === 'string' && value.includes('\n') && node.type !== Scalar.BLOCK_FOLDED)
      node.type = Scalar.BLOCK_LITERAL;
    return node;
  }
  return newNode(doc, value, ctx, parentFlow);
}

/** Tasks are matched by id, so a moved or edited task keeps its comments and style. */
function syncTasks(doc: Document, seq: YAMLSeq, tasks: unknown[]): void {
  const old = seq.items as Node[];
  const byId = new Map<string, YAMLMap>();
  for (const item of old) {
    if (!isMap(item)) continue;
    const idPair = item.items.find((p) => keyOf(p as Pair) === 'id');
    if (idPair && isScalar(idPair.value)) byId.set(String(idPair.value.value), item);
  }
  // New tasks follow the style of the tasks already written (the flow maps, or blocks).
  const flowStyle = old.length > 0 && old.every((i) => isMap(i) && i.flow);
  seq.items = tasks.map((t) => {
    const id = (t as { id?: unknown }).id;
    const existing = typeof id === 'string' ? byId.get(id) : undefined;
    if (existing) {
      byId.delete(id as string);
      syncMap(doc, existing, t as Record<string, unknown>, 'task');
      if (existing.flow && hasMultiline(t)) existing.flow = false;
      return existing;
    }
    return newNode(doc, t, 'task', flowStyle);
  });
}
