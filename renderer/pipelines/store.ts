import type { Edge, NodeChange, EdgeChange, XYPosition } from '@xyflow/react';
import { applyNodeChanges } from '@xyflow/react';
import { isSeq, parseDocument } from 'yaml';
import { create } from 'zustand';
import type { PipelineListItem } from '../../shared/pipeline/contract';
import { parsePipelineYaml } from '../../shared/pipeline/parse';
import type { NodePosition, Pipeline, PipelineProblem, TaskType } from '../../shared/pipeline/model';
import { writePipelineYaml } from '../../shared/pipeline/write';
import { toErrorData } from '../../shared/errors';
import { client } from '../api';
import { notify, reportError } from '../state/toasts';
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
  toPipeline,
  type Clipboard,
  type DraftTask,
  type PipelineHeader,
  type TaskFlowNode,
  withDependencies,
} from './graph-model';
import { emptyHistory, record, redo, undo, type History } from './history';
import { BACKGROUND_LAYOUT_TASKS, fillMissingPositions, gridPositions, type LayoutPhase } from './layout';
import { cancelLayouts, layoutSoon } from './layout-async';

/** What undo and redo restore. */
export interface GraphSnapshot {
  header: PipelineHeader;
  tasks: DraftTask[];
  positions: Record<string, NodePosition>;
  /** The text then, so undoing back to it gives its exact bytes (comments, quoting, spacing). */
  yaml: string;
}

export type EditorTab = 'graph' | 'yaml' | 'grid' | 'gantt' | 'runs';

export interface PipelineEditorState {
  list: PipelineListItem[];
  listLoaded: boolean;
  /** The open pipeline. */
  id: string | null;
  file: string;
  status: 'idle' | 'loading' | 'ready' | 'error';
  loadError: string | null;
  tab: EditorTab;
  /** The YAML as the editor holds it (what the YAML tab shows and what is saved). */
  yaml: string;
  savedYaml: string;
  mtimeMs: number | null;
  saving: boolean;
  /** The graph changed and its YAML is not written yet (debounced). */
  graphPending: boolean;
  /** The file changed on disk while it had unsaved edits: the user chooses reload or overwrite. */
  conflict: boolean;
  problems: PipelineProblem[];
  /** The valid pipeline (null while the file has problems). */
  pipeline: Pipeline | null;
  /** Why the graph cannot be edited right now (a YAML syntax error...), or null. */
  blocked: string | null;
  header: PipelineHeader;
  tasks: DraftTask[];
  positions: Record<string, NodePosition>;
  nodes: TaskFlowNode[];
  edges: Edge[];
  history: History<GraphSnapshot>;
  /** The task whose form is open. */
  formTaskId: string | null;
  /** Why the edge being drawn (or just refused) is not allowed. */
  refusal: string | null;
  /** Asks the canvas to fit the view (incremented). */
  fitRequest: number;
  /** A layout running in the background (large pipelines): how many tasks, dagre's phase, since when. */
  layout: { tasks: number; phase: LayoutPhase | 'starting'; startedAt: number } | null;
}

const COMMIT_MS = 300;
const POSITIONS_MS = 600;

const initial = {
  list: [] as PipelineListItem[],
  listLoaded: false,
  id: null,
  file: '',
  status: 'idle' as const,
  loadError: null,
  tab: 'graph' as EditorTab,
  yaml: '',
  savedYaml: '',
  mtimeMs: null,
  saving: false,
  graphPending: false,
  conflict: false,
  problems: [] as PipelineProblem[],
  pipeline: null,
  blocked: null,
  header: { id: '' } as PipelineHeader,
  tasks: [] as DraftTask[],
  positions: {} as Record<string, NodePosition>,
  nodes: [] as TaskFlowNode[],
  edges: [] as Edge[],
  history: emptyHistory<GraphSnapshot>(),
  formTaskId: null,
  refusal: null,
  fitRequest: 0,
  layout: null,
};

export const usePipelineEditor = create<PipelineEditorState>(() => ({ ...initial }));

const get = () => usePipelineEditor.getState();
const set = (patch: Partial<PipelineEditorState>) => usePipelineEditor.setState(patch);

let commitTimer: ReturnType<typeof setTimeout> | null = null;
let positionsTimer: ReturnType<typeof setTimeout> | null = null;
let saveAgain = false;
let recheckDisk = false;
let clipboard: Clipboard | null = null;

export function isDirty(s: PipelineEditorState = get()): boolean {
  return s.graphPending || s.yaml !== s.savedYaml;
}

function validate(yaml: string, id: string, file: string) {
  return parsePipelineYaml(yaml, { file, expectedId: id });
}

// ------------------------------------------------------------------------------------------------------
// The list
// ------------------------------------------------------------------------------------------------------

export async function refreshList(): Promise<void> {
  try {
    const list = await client.call('pipelines.list', {});
    set({ list, listLoaded: true });
  } catch (err) {
    set({ listLoaded: true });
    reportError('Could not list the pipelines', err);
  }
}

export async function createPipeline(id: string): Promise<void> {
  try {
    const yaml = writePipelineYaml(null, {
      id,
      schedule: null,
      tasks: [],
    } as Pipeline);
    await client.call('pipelines.create', { id, yaml });
    await refreshList();
    await openPipeline(id);
  } catch (err) {
    reportError(`Could not create the pipeline ${id}`, err);
  }
}

export async function deletePipeline(id: string): Promise<void> {
  try {
    await client.call('pipelines.delete', { id, deleteRuns: false });
    if (get().id === id) {
      if (commitTimer) clearTimeout(commitTimer);
      set({ ...initial, list: get().list, listLoaded: true });
    }
    await refreshList();
  } catch (err) {
    reportError(`Could not delete the pipeline ${id}`, err);
  }
}

// ------------------------------------------------------------------------------------------------------
// Opening, saving, conflicts
// ------------------------------------------------------------------------------------------------------

export async function openPipeline(id: string): Promise<void> {
  if (get().id && get().id !== id) await flush();
  if (commitTimer) clearTimeout(commitTimer);
  if (get().layout) cancelLayout();
  set({ id, status: 'loading', loadError: null, conflict: false, formTaskId: null, refusal: null });
  try {
    const r = await client.call('pipelines.get', { id });
    if (get().id !== id) return;
    loadText(r.yaml, r.file, r.mtimeMs, r.positions, { pipeline: r.pipeline, problems: r.problems });
    set({ fitRequest: get().fitRequest + 1 });
  } catch (err) {
    if (get().id !== id) return;
    set({ status: 'error', loadError: toErrorData(err).message });
  }
}

/** What the host found when it read the file, so a large file is not parsed twice on open. */
interface HostParse {
  pipeline: Pipeline | null;
  problems: PipelineProblem[];
}

/** A valid pipeline is its own editor graph (no second parse of the text). */
function fromPipeline(p: Pipeline): ReturnType<typeof readEditorGraph> {
  const { tasks, ...header } = p;
  return { graph: { header, tasks }, blocked: null };
}

function loadText(
  yaml: string,
  file: string,
  mtimeMs: number,
  positions: Record<string, NodePosition>,
  host?: HostParse,
): void {
  const s = get();
  const id = s.id as string;
  const parsed = host ?? validate(yaml, id, file);
  const read = parsed.pipeline ? fromPipeline(parsed.pipeline) : readEditorGraph(yaml);
  const tasks = read.graph?.tasks ?? [];
  const missing = tasks.some((t) => !positions[t.id]);
  const large = tasks.length > BACKGROUND_LAYOUT_TASKS;
  const filled = missing && large ? gridPositions(tasks, positions) : fillMissingPositions(tasks, positions);
  if (missing && large) void placeMissing(id, tasks, positions);
  else if (s.layout) cancelLayout();
  set({
    status: 'ready',
    file,
    yaml,
    savedYaml: yaml,
    mtimeMs,
    conflict: false,
    graphPending: false,
    problems: parsed.problems,
    pipeline: parsed.pipeline,
    blocked: read.blocked,
    header: read.graph?.header ?? ({ id } as PipelineHeader),
    tasks,
    positions: filled,
    nodes: toNodes(tasks, filled),
    edges: toEdges(tasks),
    history: emptyHistory(),
  });
}

/** Writes pending graph edits into the YAML and saves now. */
export async function flush(): Promise<void> {
  if (commitTimer) {
    clearTimeout(commitTimer);
    commitTimer = null;
  }
  if (get().graphPending) commitGraph();
  await save();
}

/**
 * A new pipeline's `tasks: []` is a flow sequence, and tasks added to it would all be written on one line.
 * Dropping the empty list lets the writer start a block list, one task per line, as a reviewer reads best.
 */
function blockTasksBase(text: string, taskCount: number): string {
  if (taskCount === 0) return text;
  const doc = parseDocument(text);
  const node = doc.get('tasks', true);
  if (doc.errors.length || !isSeq(node) || !node.flow || node.items.length > 0) return text;
  doc.delete('tasks');
  return doc.toString({ lineWidth: 0 });
}

function commitGraph(): void {
  const s = get();
  if (!s.id || s.blocked) return;
  const pipeline = toPipeline({ header: s.header, tasks: s.tasks });
  // Back to what is on disk (an undo, a deleted new task): the file's own bytes, not a re-rendering of them.
  const asSaved = writePipelineYaml(s.savedYaml, pipeline);
  const yaml =
    asSaved === s.savedYaml ? asSaved : writePipelineYaml(blockTasksBase(s.yaml, s.tasks.length), pipeline);
  const parsed = validate(yaml, s.id, s.file);
  set({ yaml, graphPending: false, problems: parsed.problems, pipeline: parsed.pipeline });
}

function scheduleCommit(): void {
  if (commitTimer) clearTimeout(commitTimer);
  commitTimer = setTimeout(() => {
    commitTimer = null;
    if (get().graphPending) commitGraph();
    void save();
  }, COMMIT_MS);
}

export async function save(options: { force?: boolean } = {}): Promise<void> {
  const s = get();
  if (!s.id || s.status !== 'ready') return;
  if (s.conflict && !options.force) return;
  if (s.saving) {
    saveAgain = true;
    return;
  }
  if (s.yaml === s.savedYaml && !options.force) return;
  const { id, yaml } = s;
  set({ saving: true });
  try {
    const r = await client.call('pipelines.save', {
      id,
      yaml,
      baseMtimeMs: s.mtimeMs,
      force: options.force ?? false,
    });
    if (get().id !== id) return;
    set({
      savedYaml: yaml,
      mtimeMs: r.mtimeMs,
      conflict: false,
      problems: get().yaml === yaml ? r.problems : get().problems,
    });
    void refreshList();
  } catch (err) {
    if (get().id !== id) return;
    const data = toErrorData(err);
    if (data.code === 'PIPELINE_CHANGED_ON_DISK') set({ conflict: true });
    else reportError(`Could not save ${s.file || id}`, err);
  } finally {
    if (get().id === id) set({ saving: false });
    if (saveAgain) {
      saveAgain = false;
      void save();
    }
    if (recheckDisk) {
      recheckDisk = false;
      void checkDisk();
    }
  }
}

/**
 * A pipeline file changed on disk: reload it when nothing is pending here, ask the user otherwise. Resolves to
 * whether its text may have changed (false when only its layout file did, as when the editor saved positions), so
 * callers reload what follows the tasks (the Grid's rows) only then.
 */
export async function checkDisk(): Promise<boolean> {
  const s = get();
  if (!s.id || s.status !== 'ready') return false;
  if (s.saving) {
    recheckDisk = true;
    return true;
  }
  const id = s.id;
  let r;
  try {
    r = await client.call('pipelines.get', { id });
  } catch {
    return false; // deleted: the list shows it gone
  }
  const now = get();
  if (now.id !== id) return false;
  if (now.saving) return true;
  if (r.mtimeMs === now.mtimeMs || r.yaml === now.yaml) {
    if (r.mtimeMs !== now.mtimeMs) set({ mtimeMs: r.mtimeMs, savedYaml: r.yaml });
    return false;
  }
  if (isDirty(now)) {
    set({ conflict: true });
    return true;
  }
  loadText(r.yaml, r.file, r.mtimeMs, { ...now.positions, ...r.positions });
  notify('Reloaded from disk', `${r.file} changed on disk and was reloaded.`);
  return true;
}

export async function reloadFromDisk(): Promise<void> {
  const id = get().id;
  if (!id) return;
  if (commitTimer) clearTimeout(commitTimer);
  try {
    const r = await client.call('pipelines.get', { id });
    loadText(r.yaml, r.file, r.mtimeMs, r.positions);
  } catch (err) {
    reportError(`Could not reload ${id}`, err);
  }
}

export async function overwriteDisk(): Promise<void> {
  if (get().graphPending) commitGraph();
  await save({ force: true });
}

function schedulePositionsSave(): void {
  if (positionsTimer) clearTimeout(positionsTimer);
  positionsTimer = setTimeout(() => {
    positionsTimer = null;
    const { id, positions, tasks } = get();
    if (!id) return;
    const keep = Object.fromEntries(tasks.filter((t) => positions[t.id]).map((t) => [t.id, positions[t.id]]));
    client
      .call('pipelines.savePositions', { id, positions: keep })
      .catch((err) => reportError('Could not save the layout', err));
  }, POSITIONS_MS);
}

// ------------------------------------------------------------------------------------------------------
// Graph edits: each one is an undo step, updates the canvas at once, and is written and saved debounced.
// ------------------------------------------------------------------------------------------------------

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
  clipboard = copyTasks(s.tasks, ids, s.positions);
  return ids.size;
}

export function paste(): number {
  const s = get();
  if (!clipboard || s.blocked) return 0;
  const r = pasteTasks(s.tasks, clipboard, { x: 40, y: 40 });
  // Pasting again shifts the next copy further.
  clipboard = {
    ...clipboard,
    positions: Object.fromEntries(
      Object.entries(clipboard.positions).map(([k, p]) => [k, { x: p.x + 40, y: p.y + 40 }]),
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

/** Runs a layout, showing its progress while it runs in the background; null when cancelled. */
async function runLayout(tasks: readonly DraftTask[]): Promise<Record<string, NodePosition> | null> {
  if (tasks.length <= BACKGROUND_LAYOUT_TASKS) return layoutSoon(tasks);
  if (get().layout) cancelLayouts();
  const startedAt = Date.now();
  set({ layout: { tasks: tasks.length, phase: 'starting', startedAt } });
  try {
    return await layoutSoon(tasks, (phase) => {
      if (get().layout?.startedAt === startedAt) set({ layout: { tasks: tasks.length, phase, startedAt } });
    });
  } finally {
    if (get().layout?.startedAt === startedAt) set({ layout: null });
  }
}

/** Stops the background layout; the tasks keep the places they have. */
export function cancelLayout(): void {
  cancelLayouts();
  set({ layout: null });
}

export async function autoLayout(): Promise<void> {
  const s = get();
  const positions = await runLayout(s.tasks);
  if (!positions) return;
  if (get().id !== s.id || get().tasks !== s.tasks) return; // edited meanwhile: the user arranges again
  applyGraph({ positions });
  set({ fitRequest: get().fitRequest + 1 });
}

/** A large pipeline opened without positions: shown in a grid at once, laid out when the worker answers. */
async function placeMissing(
  id: string,
  tasks: DraftTask[],
  known: Record<string, NodePosition>,
): Promise<void> {
  const laid = await runLayout(tasks);
  const s = get();
  if (!laid || s.id !== id) return;
  const positions = { ...s.positions };
  for (const t of s.tasks) if (!known[t.id] && laid[t.id]) positions[t.id] = laid[t.id];
  set({ positions, nodes: toNodes(s.tasks, positions, s.nodes), fitRequest: s.fitRequest + 1 });
  schedulePositionsSave();
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
  if (commitTimer) clearTimeout(commitTimer);
  commitTimer = setTimeout(() => {
    commitTimer = null;
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

/** Test hook: reset between unit tests. */
export function resetEditor(): void {
  if (commitTimer) clearTimeout(commitTimer);
  if (positionsTimer) clearTimeout(positionsTimer);
  commitTimer = null;
  positionsTimer = null;
  clipboard = null;
  cancelLayouts();
  set({ ...initial });
}
