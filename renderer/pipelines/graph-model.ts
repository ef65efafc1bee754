import type { Edge, Node, NodeHandle, Position, XYPosition } from '@xyflow/react';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { downstreamMap, formatCycle, wouldCreateCycle } from '../../shared/pipeline/graph';
import { documentValue } from '../../shared/pipeline/parse';
import {
  ID_PATTERN,
  TASK_TYPES,
  type NodePosition,
  type Pipeline,
  type Task,
  type TaskType,
} from '../../shared/pipeline/model';

/**
 * The editor's view of a pipeline: the file's header (everything but `tasks`) and its tasks in file order, as
 * React Flow nodes. Edges are derived from `depends_on`, which stays the one truth about dependencies.
 */

/** A task as the editor holds it; a task read from a file with problems may miss fields its type needs. */
export type DraftTask = Task;
export type PipelineHeader = Omit<Pipeline, 'tasks'>;

export interface TaskNodeData extends Record<string, unknown> {
  task: DraftTask;
}
export type SqlTaskNode = Node<TaskNodeData, 'sql'>;
export type NotebookTaskNode = Node<TaskNodeData, 'notebook'>;
export type PythonTaskNode = Node<TaskNodeData, 'python'>;
export type ShellTaskNode = Node<TaskNodeData, 'shell'>;
export type TaskFlowNode = SqlTaskNode | NotebookTaskNode | PythonTaskNode | ShellTaskNode;

export const NODE_WIDTH = 188;
export const NODE_HEIGHT = 54;
/** The handles' box (.task-handle): centred on the node's left and right edges. */
const HANDLE = 10;

/**
 * Every node's size and handles, declared rather than measured (a node's size is fixed by .task-node): React
 * Flow draws every node that has not been measured yet, even off screen, so without this a 5,000-task pipeline
 * mounts all 5,000 nodes on open before it culls them to the few in view, and its fitView waits until every
 * node has been measured, which off-screen nodes never are. A drawn node is still measured, and that wins.
 */
const NODE_SIZE = { width: NODE_WIDTH, height: NODE_HEIGHT };
const NODE_HANDLES: NodeHandle[] = [
  {
    type: 'target',
    position: 'left' as Position,
    x: -HANDLE / 2,
    y: (NODE_HEIGHT - HANDLE) / 2,
    width: HANDLE,
    height: HANDLE,
  },
  {
    type: 'source',
    position: 'right' as Position,
    x: NODE_WIDTH - HANDLE / 2,
    y: (NODE_HEIGHT - HANDLE) / 2,
    width: HANDLE,
    height: HANDLE,
  },
];

export interface EditorGraph {
  header: PipelineHeader;
  tasks: DraftTask[];
}

/** Why the graph cannot be edited (the YAML tab still can), or null. */
export type ReadResult = { graph: EditorGraph; blocked: null } | { graph: null; blocked: string };

/**
 * Reads YAML text into the editor's graph even when the pipeline has problems (an unknown dependency, a missing
 * command), so they can be shown and fixed on the canvas. Refuses only what the graph could not write back
 * without losing the user's text: a syntax error, tasks without ids, or an id used twice.
 */
export function readEditorGraph(text: string): ReadResult {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length)
    return { graph: null, blocked: `the YAML does not parse: ${firstLine(doc.errors[0].message)}` };
  if (!isMap(doc.contents)) return { graph: null, blocked: 'the file is not a mapping with id and tasks' };
  const tasksNode = doc.get('tasks', true);
  if (
    tasksNode !== undefined &&
    tasksNode !== null &&
    !isSeq(tasksNode) &&
    !(isScalar(tasksNode) && tasksNode.value === null)
  )
    return { graph: null, blocked: 'tasks is not a list' };
  const value = documentValue(doc);
  if (!value.ok) return { graph: null, blocked: value.message };
  const raw = value.value as Record<string, unknown>;
  const rawTasks = Array.isArray(raw.tasks) ? (raw.tasks as unknown[]) : [];
  const seen = new Set<string>();
  for (const [i, t] of rawTasks.entries()) {
    if (!t || typeof t !== 'object' || Array.isArray(t))
      return { graph: null, blocked: `task #${i + 1} is not a mapping` };
    const id = (t as { id?: unknown }).id;
    if (typeof id !== 'string') return { graph: null, blocked: `task #${i + 1} has no id` };
    if (seen.has(id)) return { graph: null, blocked: `task id "${id}" is used twice` };
    seen.add(id);
  }
  const { tasks: _tasks, ...header } = raw;
  return {
    graph: { header: header as PipelineHeader, tasks: rawTasks as DraftTask[] },
    blocked: null,
  };
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

/** The pipeline the canonical writer gets: the header's keys as they were, then tasks. */
export function toPipeline(graph: EditorGraph): Pipeline {
  return { ...graph.header, tasks: graph.tasks } as Pipeline;
}

export function isTaskType(t: unknown): t is TaskType {
  return typeof t === 'string' && (TASK_TYPES as readonly string[]).includes(t);
}

/** The node type of a task (a task with an unknown type is drawn as shell and its problem shown on it). */
export function nodeTypeOf(task: DraftTask): TaskType {
  return isTaskType(task.type) ? task.type : 'shell';
}

export function toNodes(
  tasks: readonly DraftTask[],
  positions: Readonly<Record<string, NodePosition>>,
  previous: readonly TaskFlowNode[] = [],
): TaskFlowNode[] {
  const prev = new Map(previous.map((n) => [n.id, n]));
  return tasks.map((task, i) => {
    const old = prev.get(task.id);
    const position = positions[task.id] ?? old?.position ?? { x: (i % 6) * 220, y: Math.floor(i / 6) * 90 };
    if (old && old.data.task === task && old.position === position) return old;
    return {
      id: task.id,
      type: nodeTypeOf(task),
      position,
      data: { task },
      selected: old?.selected ?? false,
      width: NODE_WIDTH,
      height: NODE_HEIGHT,
      handles: NODE_HANDLES,
      measured: old?.measured ?? NODE_SIZE,
    } as TaskFlowNode;
  });
}

export function edgeId(from: string, to: string): string {
  return `${from}->${to}`;
}

/** Edges from dependencies; a dependency on an unknown task has no edge (its problem shows on the node). */
export function toEdges(tasks: readonly DraftTask[], previous: readonly Edge[] = []): Edge[] {
  const ids = new Set(tasks.map((t) => t.id));
  const prev = new Map(previous.map((e) => [e.id, e]));
  const out: Edge[] = [];
  for (const t of tasks) {
    for (const dep of t.depends_on ?? []) {
      if (!ids.has(dep)) continue;
      const id = edgeId(dep, t.id);
      out.push(prev.get(id) ?? { id, source: dep, target: t.id });
    }
  }
  return out;
}

/**
 * Downstream adjacency per tasks array: an edge being drawn is checked against every handle it passes, and the
 * tasks only change when an edit lands, so 5,000 tasks are indexed once per edit, not once per check.
 */
const downstreamIndex = new WeakMap<readonly DraftTask[], Map<string, string[]>>();

function downstreamOf(tasks: readonly DraftTask[]): Map<string, string[]> {
  let down = downstreamIndex.get(tasks);
  if (!down) {
    down = downstreamMap(tasks);
    downstreamIndex.set(tasks, down);
  }
  return down;
}

/** The cycle an edge `from -> to` would close, as a sentence; null when the edge is fine. */
export function cycleReason(tasks: readonly DraftTask[], from: string, to: string): string | null {
  const cycle = wouldCreateCycle(tasks, from, to, downstreamOf(tasks));
  if (!cycle) return null;
  if (from === to) return `a task cannot depend on itself (${from})`;
  return `${to} cannot depend on ${from}: tasks ${formatCycle(cycle)} would form a cycle`;
}

/** The task with these dependencies; a task with none has no `depends_on` key. */
export function withDependencies(t: DraftTask, deps: string[]): DraftTask {
  const { depends_on: _old, ...rest } = t;
  return (deps.length ? { ...rest, depends_on: deps } : rest) as DraftTask;
}

/** Adds `to depends_on from`; unchanged when the edge exists. */
export function addDependency(tasks: readonly DraftTask[], from: string, to: string): DraftTask[] {
  return tasks.map((t) => {
    if (t.id !== to || (t.depends_on ?? []).includes(from)) return t;
    return { ...t, depends_on: [...(t.depends_on ?? []), from] };
  });
}

/** Removes dependencies; a task left with none loses its `depends_on` key. */
export function removeDependencies(
  tasks: readonly DraftTask[],
  edges: readonly { source: string; target: string }[],
): DraftTask[] {
  const gone = new Set(edges.map((e) => edgeId(e.source, e.target)));
  return tasks.map((t) => {
    const deps = t.depends_on ?? [];
    const kept = deps.filter((d) => !gone.has(edgeId(d, t.id)));
    if (kept.length === deps.length) return t;
    return withDependencies(t, kept);
  });
}

/** Removes tasks and every dependency on them. */
export function removeTasks(tasks: readonly DraftTask[], ids: ReadonlySet<string>): DraftTask[] {
  return tasks
    .filter((t) => !ids.has(t.id))
    .map((t) => {
      const deps = t.depends_on ?? [];
      if (!deps.some((d) => ids.has(d))) return t;
      return withDependencies(
        t,
        deps.filter((d) => !ids.has(d)),
      );
    });
}

/** Renames a task, and every dependency on it. */
export function renameTask(tasks: readonly DraftTask[], from: string, to: string): DraftTask[] {
  return tasks.map((t) => {
    let next = t;
    if (t.id === from) next = { ...next, id: to };
    if ((t.depends_on ?? []).includes(from))
      next = { ...next, depends_on: (next.depends_on ?? []).map((d) => (d === from ? to : d)) };
    return next;
  });
}

/** Why a new id cannot be used, or null. */
export function taskIdProblem(tasks: readonly DraftTask[], id: string, self?: string): string | null {
  if (!ID_PATTERN.test(id)) return 'a task id uses letters, digits, _ . and - (not first . or -)';
  if (id !== self && tasks.some((t) => t.id === id)) return `a task "${id}" exists already`;
  return null;
}

/** The first free id `base`, `base_2`, `base_3`... */
export function freeTaskId(taken: ReadonlySet<string>, base: string): string {
  if (!taken.has(base)) return base;
  const stem = base.replace(/_\d+$/, '');
  for (let i = 2; ; i++) if (!taken.has(`${stem}_${i}`)) return `${stem}_${i}`;
}

/** A new task of a type, with the settings its type needs so it validates as soon as it is filled in. */
export function newTask(type: TaskType, id: string): DraftTask {
  switch (type) {
    case 'sql':
      return { id, type, sql: 'SELECT 1' };
    case 'notebook':
      return { id, type, notebook: '' };
    case 'python':
      return { id, type, code: "print('hello')" };
    case 'shell':
      return { id, type, command: 'echo hello' };
    default: {
      const never: never = type;
      return never;
    }
  }
}

export interface Clipboard {
  tasks: DraftTask[];
  positions: Record<string, NodePosition>;
}

/** Copies tasks; dependencies on tasks outside the copy are dropped (they would point at nothing new). */
export function copyTasks(
  tasks: readonly DraftTask[],
  ids: ReadonlySet<string>,
  positions: Readonly<Record<string, NodePosition>>,
): Clipboard {
  const picked = tasks.filter((t) => ids.has(t.id));
  return {
    tasks: picked.map((t) => structuredClone(t)),
    positions: Object.fromEntries(picked.map((t) => [t.id, positions[t.id] ?? { x: 0, y: 0 }])),
  };
}

/**
 * Pastes copied tasks under fresh ids (`extract` becomes `extract_2`), with the copies' dependencies among
 * themselves renamed and their positions shifted, so a paste never changes an existing task.
 */
export function pasteTasks(
  tasks: readonly DraftTask[],
  clip: Clipboard,
  offset: XYPosition,
): { tasks: DraftTask[]; added: DraftTask[]; positions: Record<string, NodePosition> } {
  const taken = new Set(tasks.map((t) => t.id));
  const rename = new Map<string, string>();
  for (const t of clip.tasks) {
    const id = freeTaskId(taken, t.id);
    taken.add(id);
    rename.set(t.id, id);
  }
  const positions: Record<string, NodePosition> = {};
  const added = clip.tasks.map((t) => {
    const id = rename.get(t.id) as string;
    const p = clip.positions[t.id] ?? { x: 0, y: 0 };
    positions[id] = { x: p.x + offset.x, y: p.y + offset.y };
    const deps = (t.depends_on ?? []).filter((d) => rename.has(d)).map((d) => rename.get(d) as string);
    const copy = { ...structuredClone(t), id } as DraftTask;
    if (deps.length) copy.depends_on = deps;
    else delete copy.depends_on;
    return copy;
  });
  return { tasks: [...tasks, ...added], added, positions };
}

/** One line that says what a task does, for the node's second line. */
export function taskSummary(task: DraftTask): string {
  const first = (s: string | undefined) =>
    (s ?? '')
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? '';
  switch (task.type) {
    case 'sql':
      return task.file ? task.file : first(task.sql);
    case 'notebook':
      return task.notebook || 'no notebook chosen';
    case 'python':
      return task.script ? task.script : first(task.code);
    case 'shell':
      return first(task.command);
    default:
      return String((task as { type?: unknown }).type ?? 'no type');
  }
}
