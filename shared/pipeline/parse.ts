import { LineCounter, isMap, isScalar, isSeq, parseDocument, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { findCycle, formatCycle } from './graph';
import {
  PipelineSchema,
  paramType,
  type Pipeline,
  type PipelineProblem,
  type ProblemCode,
  type TaskSource,
} from './model';
import { interpretSchedule, isValidTimezone, parsePipelineDate } from './schedule';

export interface ParsedPipeline {
  /** The pipeline when it has no problems; null otherwise. */
  pipeline: Pipeline | null;
  problems: PipelineProblem[];
  /** Where each task's item starts in the text. */
  sources: Record<string, TaskSource>;
}

type Range = [number, number, number?];

class ProblemList {
  readonly problems: PipelineProblem[] = [];
  constructor(
    private readonly lines: LineCounter,
    private readonly file: string | undefined,
    private readonly textLength: number,
  ) {}

  add(
    code: ProblemCode,
    message: string,
    range: Range | null | undefined,
    path: string,
    task?: string,
  ): void {
    const offset = Math.min(range?.[0] ?? 0, this.textLength);
    const endOffset = Math.min(range?.[1] ?? offset, this.textLength);
    const pos = this.lines.linePos(offset);
    this.problems.push({
      code,
      message,
      ...(this.file ? { file: this.file } : {}),
      line: pos.line,
      column: pos.col,
      offset,
      endOffset,
      ...(task ? { task } : {}),
      path,
    });
  }
}

function nodeAt(doc: Document, path: readonly (string | number)[]): Node | null {
  let node: unknown = doc.contents;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      node = pair?.value ?? null;
    } else if (isSeq(node) && typeof key === 'number') node = node.items[key] ?? null;
    else return null;
    if (node === null) return null;
  }
  return (node as Node | null) ?? null;
}

/** The key node of a field (to point at `foo:` for an unknown field). */
function keyAt(doc: Document, path: readonly (string | number)[], key: string): Node | null {
  const parent = nodeAt(doc, path);
  if (!isMap(parent)) return null;
  const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  return (pair?.key as Node | undefined) ?? null;
}

/** The deepest node along a path that exists (a missing field is reported at its parent). */
function nearestRange(doc: Document, path: readonly (string | number)[]): Range | null {
  for (let n = path.length; n >= 0; n--) {
    const node = nodeAt(doc, path.slice(0, n));
    if (node?.range) return node.range as Range;
  }
  return null;
}

function taskIdAt(raw: unknown, path: readonly PropertyKey[]): string | undefined {
  if (path[0] !== 'tasks' || typeof path[1] !== 'number') return undefined;
  const tasks = (raw as { tasks?: unknown } | null)?.tasks;
  const t = Array.isArray(tasks) ? (tasks[path[1]] as { id?: unknown } | undefined) : undefined;
  return typeof t?.id === 'string' ? t.id : `#${path[1] + 1}`;
}

function describePath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

function zodMessage(issue: z.core.$ZodIssue, raw: unknown): string {
  const field = issue.path.length ? String(issue.path[issue.path.length - 1]) : '';
  if (issue.code === 'invalid_union' && field === '' && issue.path[0] === 'tasks') {
    return 'a task needs a type: sql, notebook, python or shell';
  }
  if (issue.code === 'invalid_union' && issue.path[0] === 'tasks' && issue.path.length >= 2) {
    const t = (raw as { tasks: { type?: unknown }[] }).tasks[issue.path[1] as number];
    return t && typeof t === 'object' && 'type' in t
      ? `unknown task type ${JSON.stringify(t.type)}: use sql, notebook, python or shell`
      : 'a task needs a type: sql, notebook, python or shell';
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return `${field || 'a value'} is required`;
  return field && !/^\d+$/.test(field) ? `${field}: ${issue.message}` : issue.message;
}

/** How many aliases a pipeline file may expand; more is an alias bomb (a few lines that expand to billions). */
export const MAX_ALIAS_COUNT = 1000;

/**
 * A parsed document's value, or why it has none. The YAML library refuses to expand a document whose aliases
 * would explode (and throws); that becomes the file's problem, pointed at its first alias, never a crash.
 */
export function documentValue(
  doc: Document,
): { ok: true; value: unknown } | { ok: false; message: string; range: Range | null } {
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (err) {
    let range: Range | null = null;
    visit(doc, {
      Alias(_key, node) {
        range = (node.range as Range | undefined) ?? null;
        return visit.BREAK;
      },
    });
    const excessive = err instanceof Error && /alias/i.test(err.message);
    const message = excessive
      ? `its aliases expand past ${MAX_ALIAS_COUNT} copies (an alias bomb); write the values out or use fewer aliases`
      : `the YAML cannot be read: ${err instanceof Error ? err.message : String(err)}`;
    return { ok: false, message, range: range ?? (doc.contents?.range as Range | undefined) ?? null };
  }
}

/**
 * Parses and validates a pipeline file. Every problem carries its line and column (and the task it belongs
 * to), so the YAML tab, the graph and `lakebench validate` can point at it. Never throws.
 */
export function parsePipelineYaml(
  text: string,
  options: { file?: string; expectedId?: string } = {},
): ParsedPipeline {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const list = new ProblemList(lines, options.file, text.length);
  const sources: Record<string, TaskSource> = {};
  for (const e of doc.errors) {
    const message = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    list.add('PIPELINE_YAML_SYNTAX', message, [e.pos[0], e.pos[1]], '');
  }
  if (doc.errors.length) return { pipeline: null, problems: list.problems, sources };
  const value = documentValue(doc);
  if (!value.ok) {
    list.add('PIPELINE_INVALID', value.message, value.range, '');
    return { pipeline: null, problems: list.problems, sources };
  }
  const raw: unknown = value.value;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    list.add('PIPELINE_INVALID', 'a pipeline file is a mapping with id and tasks', doc.contents?.range, '');
    return { pipeline: null, problems: list.problems, sources };
  }

  // Where each task is, for the editor (recorded even when the file has problems).
  const tasksNode = nodeAt(doc, ['tasks']);
  if (isSeq(tasksNode)) {
    tasksNode.items.forEach((item, i) => {
      const t = (raw as { tasks: unknown[] }).tasks?.[i] as { id?: unknown } | undefined;
      const range = (item as Node).range;
      if (typeof t?.id === 'string' && range && !sources[t.id]) {
        const pos = lines.linePos(range[0]);
        sources[t.id] = { line: pos.line, column: pos.col, offset: range[0], endOffset: range[1] };
      }
    });
  }

  const parsed = PipelineSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      const task = taskIdAt(raw, path);
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const where = keyAt(doc, path, key)?.range ?? nearestRange(doc, path);
          const inTask = task ? ` of task ${task}` : path.length ? ` in ${describePath(path)}` : '';
          list.add(
            'PIPELINE_UNKNOWN_FIELD',
            `unknown field "${key}"${inTask}`,
            where,
            describePath([...path, key]),
            task,
          );
        }
        continue;
      }
      list.add('PIPELINE_INVALID', zodMessage(issue, raw), nearestRange(doc, path), describePath(path), task);
    }
  }

  checkSemantics(doc, raw as Record<string, unknown>, list, options.expectedId);
  list.problems.sort((a, b) => a.offset - b.offset);
  return {
    pipeline: list.problems.length === 0 && parsed.success ? parsed.data : null,
    problems: list.problems,
    sources,
  };
}

/** Checks the schema cannot express: ids, dependencies, cycles, schedule, dates, params. Works on raw data. */
function checkSemantics(
  doc: Document,
  raw: Record<string, unknown>,
  list: ProblemList,
  expectedId: string | undefined,
): void {
  const range = (path: (string | number)[]) => nearestRange(doc, path);
  if (expectedId !== undefined && typeof raw.id === 'string' && raw.id !== expectedId) {
    list.add(
      'PIPELINE_ID_MISMATCH',
      `the id is "${raw.id}" but the file is ${expectedId}.yaml: the id and the file name must match`,
      range(['id']),
      'id',
    );
  }

  const timezone = typeof raw.timezone === 'string' ? raw.timezone : 'UTC';
  if (typeof raw.timezone === 'string' && !isValidTimezone(raw.timezone)) {
    list.add(
      'PIPELINE_INVALID',
      `unknown timezone "${raw.timezone}" (use a name like Europe/Paris or UTC)`,
      range(['timezone']),
      'timezone',
    );
  }
  if (typeof raw.schedule === 'string') {
    try {
      const kind = interpretSchedule(raw.schedule);
      if (kind.kind === 'continuous' && raw.max_active_runs !== undefined && raw.max_active_runs !== 1) {
        list.add(
          'PIPELINE_BAD_SCHEDULE',
          '@continuous needs max_active_runs: 1',
          range(['max_active_runs']),
          'max_active_runs',
        );
      }
    } catch (err) {
      list.add('PIPELINE_BAD_SCHEDULE', (err as Error).message, range(['schedule']), 'schedule');
    }
  }
  const dates: Record<string, Date> = {};
  for (const key of ['start_date', 'end_date'] as const) {
    const v = raw[key];
    if (typeof v !== 'string') continue;
    try {
      dates[key] = parsePipelineDate(v, isValidTimezone(timezone) ? timezone : 'UTC');
    } catch (err) {
      list.add('PIPELINE_INVALID', `${key}: ${(err as Error).message}`, range([key]), key);
    }
  }
  if (dates.start_date && dates.end_date && dates.end_date < dates.start_date) {
    list.add('PIPELINE_INVALID', 'end_date is before start_date', range(['end_date']), 'end_date');
  }

  const params = raw.params;
  if (params && typeof params === 'object' && !Array.isArray(params)) {
    for (const [name, p] of Object.entries(params as Record<string, unknown>)) {
      if (!p || typeof p !== 'object' || Array.isArray(p)) continue;
      const spec = p as { type?: unknown; default?: unknown; enum?: unknown };
      if (typeof spec.type !== 'string' || spec.default === undefined || spec.default === null) continue;
      const problem = checkParamValue(spec as never, spec.default);
      if (problem)
        list.add(
          'PIPELINE_INVALID',
          `param ${name}: default ${problem}`,
          range(['params', name, 'default']),
          `params.${name}.default`,
        );
    }
  }

  const tasks = Array.isArray(raw.tasks) ? raw.tasks : [];
  const ids = new Map<string, number>();
  const graph: { id: string; depends_on: string[] }[] = [];
  tasks.forEach((t: unknown, i) => {
    if (!t || typeof t !== 'object') return;
    const task = t as Record<string, unknown>;
    if (typeof task.id !== 'string') return;
    const id = task.id;
    if (ids.has(id)) {
      list.add(
        'PIPELINE_DUPLICATE_TASK',
        `task id "${id}" is used twice (first by task #${(ids.get(id) as number) + 1})`,
        range(['tasks', i, 'id']),
        `tasks.${i}.id`,
        id,
      );
      return;
    }
    ids.set(id, i);
    const deps = Array.isArray(task.depends_on)
      ? task.depends_on.filter((d): d is string => typeof d === 'string')
      : [];
    graph.push({ id, depends_on: deps });

    const exactlyOne = (keys: string[]) => {
      const present = keys.filter((k) => task[k] !== undefined);
      if (present.length === 1) return;
      list.add(
        'PIPELINE_INVALID',
        present.length === 0
          ? `task ${id} needs ${keys.map((k) => `"${k}"`).join(' or ')}`
          : `task ${id} has both ${present.map((k) => `"${k}"`).join(' and ')}: keep one`,
        range(['tasks', i]),
        `tasks.${i}`,
        id,
      );
    };
    if (task.type === 'sql') exactlyOne(['sql', 'file']);
    if (task.type === 'python') exactlyOne(['code', 'script']);
  });
  // Dependencies, once every id is known.
  tasks.forEach((t: unknown, i) => {
    const task = t as Record<string, unknown> | null;
    if (!task || typeof task.id !== 'string' || !Array.isArray(task.depends_on)) return;
    const seen = new Set<string>();
    task.depends_on.forEach((dep: unknown, j) => {
      if (typeof dep !== 'string') return;
      const where = range(['tasks', i, 'depends_on', j]);
      if (seen.has(dep)) {
        list.add(
          'PIPELINE_INVALID',
          `task ${task.id} lists "${dep}" twice in depends_on`,
          where,
          `tasks.${i}.depends_on.${j}`,
          task.id as string,
        );
      }
      seen.add(dep);
      if (!ids.has(dep)) {
        list.add(
          'PIPELINE_UNKNOWN_DEPENDENCY',
          `task ${task.id} depends on "${dep}", which is not a task of this pipeline`,
          where,
          `tasks.${i}.depends_on.${j}`,
          task.id as string,
        );
      }
    });
  });
  const cycle = findCycle(graph);
  if (cycle) {
    // Point at the dependency that closes the cycle: the first task's entry in the second's depends_on.
    const [a, b] = cycle;
    const bi = ids.get(b) as number;
    const bTask = tasks[bi] as { depends_on: string[] };
    const j = bTask.depends_on.indexOf(a);
    list.add(
      'PIPELINE_CYCLE',
      `tasks ${formatCycle(cycle)} form a cycle`,
      range(['tasks', bi, 'depends_on', j]),
      `tasks.${bi}.depends_on.${j}`,
      b,
    );
  }
}

/** Why a value does not fit a param's spec, or null when it does. */
export function checkParamValue(
  spec: { type: string; enum?: unknown[]; minimum?: number; maximum?: number },
  value: unknown,
): string | null {
  if (value === null) return null;
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') return `${JSON.stringify(value)} is not a string`;
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return `${JSON.stringify(value)} is not true or false`;
      break;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value))
        return `${JSON.stringify(value)} is not an integer`;
      break;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value))
        return `${JSON.stringify(value)} is not a number`;
      break;
  }
  if (spec.enum && !spec.enum.some((e) => e === value))
    return `${JSON.stringify(value)} is not one of ${spec.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  if (typeof value === 'number' && spec.minimum !== undefined && value < spec.minimum)
    return `${value} is below the minimum ${spec.minimum}`;
  if (typeof value === 'number' && spec.maximum !== undefined && value > spec.maximum)
    return `${value} is above the maximum ${spec.maximum}`;
  return null;
}

/**
 * The params of a run: the pipeline's defaults with overrides applied, each checked against its type. Text
 * overrides (from the CLI's --param k=v) are converted to the param's type. Throws an Error naming the param.
 */
export function resolveParams(
  pipeline: Pipeline,
  overrides: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const specs = pipeline.params ?? {};
  for (const name of Object.keys(overrides)) {
    if (!(name in specs)) {
      const known = Object.keys(specs);
      throw new Error(
        `unknown param "${name}"${known.length ? ` (this pipeline has ${known.join(', ')})` : ' (this pipeline has no params)'}`,
      );
    }
  }
  for (const [name, p] of Object.entries(specs)) {
    const spec = p !== null && typeof p === 'object' ? p : { type: paramType(p), default: p };
    let value: unknown = name in overrides ? overrides[name] : (spec.default ?? null);
    if (typeof value === 'string' && name in overrides && spec.type !== 'string')
      value = convertText(value, spec.type);
    const problem = checkParamValue(spec, value);
    if (problem) throw new Error(`param ${name}: ${problem}`);
    out[name] = value;
  }
  return out;
}

function convertText(text: string, type: string): unknown {
  if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  if (type === 'integer' || type === 'number') {
    const n = Number(text);
    return text.trim() !== '' && Number.isFinite(n) ? n : text;
  }
  return text;
}
