import type { NodeChange, EdgeChange, XYPosition } from '@xyflow/react';
import { applyNodeChanges } from '@xyflow/react';
import type { PipelineProblem, TaskType } from '../../../shared/pipeline/model';
import {
  addDependency,
  copyTasks,
  cycleReason,
  freeTaskId,
  newTask,
  pasteTasks,
  readEditorGraph,
  removeDependencies,
  removeTasks,
  renameTask,
  toEdges,
  toNodes,
  type DraftTask,
  type TaskFlowNode,
  withDependencies,
} from '../graph-model';
import { record, redo, undo, type History } from '../history';
import { fillMissingPositions } from '../layout';

import {
  COMMIT_MS,
  get,
  session,
  set,
  validate,
  type GraphSnapshot,
  type PipelineEditorState,
  type EditorTab,
} from './state';
import { commitGraph, save, scheduleCommit, schedulePositionsSave } from './document';
import { runLayout } from './layout-progress';

/** Graph edits: each one is an undo step, updates the canvas at once, and is written and saved debounced. */

function snapshot(s: PipelineEditorState): GraphSnapshot {
  return { header: s.header, tasks: s.tasks, positions: s.positions, yaml: s.yaml };
}

function applyGraph(
  next: Partial<GraphSnapshot>,
  mergeKey: string | null = null,
  extra: Partial<PipelineEditorState> = {},
): void {
  const s = get();
  if (s.blocked || s.status !== 'ready') return;
  const history = record(s.history, snapshot(s), mergeKey, Date.now());
  const tasks = next.tasks ?? s.tasks;
  const positions = next.positions ?? s.positions;
  const tasksChanged = tasks !== s.tasks || (next.header !== undefined && next.header !== s.header);
  set({
    history,
    header: next.header ?? s.header,
    tasks,
    positions,
    nodes: toNodes(tasks, positions, s.nodes),
    edges: tasks !== s.tasks ? toEdges(tasks, s.edges) : s.edges,
    graphPending: s.graphPending || tasksChanged,
    ...extra,
  });
  if (positions !== s.positions) schedulePositionsSave();
  if (tasksChanged) scheduleCommit();
}

function restore(state: GraphSnapshot, history: History<GraphSnapshot>): void {
  const s = get();
  const ids = new Set(state.tasks.map((t) => t.id));
  set({
    history,
    header: state.header,
    tasks: state.tasks,
    positions: state.positions,
    yaml: state.yaml,
    nodes: toNodes(state.tasks, state.positions, s.nodes),
    edges: toEdges(state.tasks, s.edges),
    graphPending: true,
    formTaskId: s.formTaskId && ids.has(s.formTaskId) ? s.formTaskId : null,
  });
  schedulePositionsSave();
  scheduleCommit();
}

export function undoEdit(): void {
  const s = get();
  if (s.blocked) return;
  const r = undo(s.history, snapshot(s));
  if (r) restore(r.state, r.history);
}

export function redoEdit(): void {
  const s = get();
  if (s.blocked) return;
  const r = redo(s.history, snapshot(s));
  if (r) restore(r.state, r.history);
}

export function addTaskAt(type: TaskType, position: XYPosition): string | null {
  const s = get();
  if (s.blocked) return null;
  const id = freeTaskId(
    new Set(s.tasks.map((t) => t.id)),
    type === 'sql' ? 'query' : type === 'shell' ? 'command' : type,
  );
  applyGraph(
    {
      tasks: [...s.tasks, newTask(type, id)],
      positions: { ...s.positions, [id]: { x: Math.round(position.x), y: Math.round(position.y) } },
    },
    null,
    { formTaskId: id },
  );
  set({
    nodes: get().nodes.map((n) =>
      n.id === id ? { ...n, selected: true } : n.selected ? { ...n, selected: false } : n,
    ),
  });
  return id;
}

/** Whether an edge may be drawn; a refused one sets the reason the canvas shows. */
export function checkConnection(source: string, target: string): boolean {
  const reason = cycleReason(get().tasks, source, target);
  if (reason !== get().refusal) set({ refusal: reason });
  return reason === null;
}

export function connect(source: string, target: string): void {
  const s = get();
  if (cycleReason(s.tasks, source, target)) return;
  const tasks = addDependency(s.tasks, source, target);
  if (tasks.some((t, i) => t !== s.tasks[i])) applyGraph({ tasks });
}

export function clearRefusal(): void {
  if (get().refusal) set({ refusal: null });
}

export function onNodesChange(changes: NodeChange<TaskFlowNode>[]): void {
  const s = get();
  // Deletions arrive whole through onDelete (one undo step for tasks and edges together).
  changes = changes.filter((c) => c.type !== 'remove');
  if (!changes.length) return;
  const nodes = applyNodeChanges(changes, s.nodes);
  const moved = changes.filter((c) => c.type === 'position' && c.position);
  const patch: Partial<PipelineEditorState> = { nodes };
  const selectedIds = nodes.filter((n) => n.selected).map((n) => n.id);
  if (changes.some((c) => c.type === 'select'))
    patch.formTaskId = selectedIds.length === 1 ? selectedIds[0] : null;
  if (moved.length === 0) {
    set(patch);
    return;
  }
  // A drag records one undo step when it ends; while dragging only the canvas moves.
  const dragging = moved.some((c) => c.type === 'position' && c.dragging);
  if (dragging) {
    set(patch);
    return;
  }
  const movedIds = new Set(changes.flatMap((c) => (c.type === 'position' ? [c.id] : [])));
  const positions = { ...s.positions };
  for (const n of nodes)
    if (movedIds.has(n.id)) positions[n.id] = { x: Math.round(n.position.x), y: Math.round(n.position.y) };
  set({ nodes });
  applyGraph({ positions }, null, patch.formTaskId !== undefined ? { formTaskId: patch.formTaskId } : {});
}

export function onEdgesChange(changes: EdgeChange[]): void {
  const s = get();
  const selected = changes.filter((c) => c.type === 'select');
  if (!selected.length) return;
  const sel = new Map(selected.map((c) => [c.id, (c as { selected: boolean }).selected]));
  set({ edges: s.edges.map((e) => (sel.has(e.id) ? { ...e, selected: sel.get(e.id) } : e)) });
}

/** Tasks and edges deleted on the canvas (Delete key): one edit, one undo step. */
export function onDelete({
  nodes,
  edges,
}: {
  nodes: { id: string }[];
  edges: { source: string; target: string }[];
}): void {
  const s = get();
  const ids = new Set(nodes.map((n) => n.id));
  const positions = { ...s.positions };
  for (const id of ids) delete positions[id];
  const tasks = removeDependencies(
    removeTasks(s.tasks, ids),
    edges.filter((e) => !ids.has(e.source) && !ids.has(e.target)),
  );
  applyGraph({ tasks, positions }, null, {
    formTaskId: s.formTaskId && ids.has(s.formTaskId) ? null : s.formTaskId,
  });
}

export function deleteTasks(ids: ReadonlySet<string>): void {
  const s = get();
  const positions = { ...s.positions };
  for (const id of ids) delete positions[id];
  applyGraph({ tasks: removeTasks(s.tasks, ids), positions }, null, {
    formTaskId: s.formTaskId && ids.has(s.formTaskId) ? null : s.formTaskId,
  });
}

export function deleteSelection(): void {
  const s = get();
  const nodes = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
  const edges = s.edges.filter((e) => e.selected && !nodes.has(e.source) && !nodes.has(e.target));
  if (nodes.size) deleteTasks(nodes);
  if (edges.length) applyGraph({ tasks: removeDependencies(get().tasks, edges) });
}

export function copySelection(): number {
  const s = get();
  const ids = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
  if (!ids.size) return 0;
  session.clipboard = copyTasks(s.tasks, ids, s.positions);
  return ids.size;
}

export function paste(): number {
  const s = get();
  if (!session.clipboard || s.blocked) return 0;
  const r = pasteTasks(s.tasks, session.clipboard, { x: 40, y: 40 });
  // Pasting again shifts the next copy further.
  session.clipboard = {
    ...session.clipboard,
    positions: Object.fromEntries(
      Object.entries(session.clipboard.positions).map(([k, p]) => [k, { x: p.x + 40, y: p.y + 40 }]),
    ),
  };
  applyGraph({ tasks: r.tasks, positions: { ...s.positions, ...r.positions } });
  const added = new Set(r.added.map((t) => t.id));
  set({
    nodes: get().nodes.map((n) => ({ ...n, selected: added.has(n.id) })),
    formTaskId: r.added.length === 1 ? r.added[0].id : null,
  });
  return r.added.length;
}

export function selectAll(): void {
  set({ nodes: get().nodes.map((n) => (n.selected ? n : { ...n, selected: true })), formTaskId: null });
}

export async function autoLayout(): Promise<void> {
  const s = get();
  const positions = await runLayout(s.tasks);
  if (!positions) return;
  if (get().id !== s.id || get().tasks !== s.tasks) return; // edited meanwhile: the user arranges again
  applyGraph({ positions });
  set({ fitRequest: get().fitRequest + 1 });
}

/** Replaces one task (from the side form); `mergeKey` joins keystrokes in one field into one undo step. */
export function updateTask(id: string, change: (t: DraftTask) => DraftTask, mergeKey: string): void {
  const s = get();
  applyGraph({ tasks: s.tasks.map((t) => (t.id === id ? change(t) : t)) }, `${id}:${mergeKey}`);
}

export function renameTaskTo(from: string, to: string): void {
  const s = get();
  const positions = { ...s.positions, [to]: s.positions[from] };
  delete positions[from];
  applyGraph({ tasks: renameTask(s.tasks, from, to), positions }, null, { formTaskId: to });
}

export function setDependencies(id: string, deps: string[]): void {
  const s = get();
  applyGraph({
    tasks: s.tasks.map((t) => (t.id === id ? withDependencies(t, deps) : t)),
  });
}

export function setFormTask(id: string | null): void {
  set({ formTaskId: id });
}

export function setTab(tab: EditorTab): void {
  if (get().graphPending) commitGraph();
  set({ tab, refusal: null });
}

/** The YAML tab's text changed: re-validate, update the graph, save (debounced). */
export function setYamlText(yaml: string): void {
  const s = get();
  if (!s.id || yaml === s.yaml) return;
  if (s.graphPending) commitGraph();
  const parsed = validate(yaml, s.id, s.file);
  const read = readEditorGraph(yaml);
  const patch: Partial<PipelineEditorState> = {
    yaml,
    problems: parsed.problems,
    pipeline: parsed.pipeline,
    blocked: read.blocked,
  };
  if (read.graph) {
    const history = record(get().history, snapshot(get()), 'yaml', Date.now());
    const positions = fillMissingPositions(read.graph.tasks, get().positions);
    Object.assign(patch, {
      history,
      header: read.graph.header,
      tasks: read.graph.tasks,
      positions,
      nodes: toNodes(read.graph.tasks, positions, get().nodes),
      edges: toEdges(read.graph.tasks, get().edges),
      graphPending: false,
    });
  }
  set(patch);
  if (session.commitTimer) clearTimeout(session.commitTimer);
  session.commitTimer = setTimeout(() => {
    session.commitTimer = null;
    void save();
  }, COMMIT_MS);
}

/** Problems of each task, for the nodes. */
export function problemsByTask(problems: readonly PipelineProblem[]): Map<string, PipelineProblem[]> {
  const out = new Map<string, PipelineProblem[]>();
  for (const p of problems) {
    if (!p.task) continue;
    const list = out.get(p.task) ?? [];
    list.push(p);
    out.set(p.task, list);
  }
  return out;
}
