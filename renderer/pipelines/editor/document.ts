import { isSeq, parseDocument } from 'yaml';
import type { NodePosition, Pipeline, PipelineProblem } from '../../../shared/pipeline/model';
import { writePipelineYaml } from '../../../shared/pipeline/write';
import { toErrorData } from '../../../shared/errors';
import { client } from '../../api';
import { notify, reportError } from '../../state/toasts';
import {
  readEditorGraph,
  toEdges,
  toNodes,
  toPipeline,
  type DraftTask,
  type PipelineHeader,
} from '../graph-model';
import { emptyHistory } from '../history';
import { BACKGROUND_LAYOUT_TASKS, fillMissingPositions, gridPositions } from '../layout';
import { COMMIT_MS, POSITIONS_MS, get, initial, isDirty, session, set, validate } from './state';
import { cancelLayout, runLayout } from './layout-progress';

/** The open pipeline's file: opening, saving (debounced), conflicts with the disk, and the list of pipelines. */

let saveAgain = false;
let recheckDisk = false;

/** What the host found when it read the file, so a large file is not parsed twice on open. */
interface HostParse {
  pipeline: Pipeline | null;
  problems: PipelineProblem[];
}

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
      if (session.commitTimer) clearTimeout(session.commitTimer);
      set({ ...initial, list: get().list, listLoaded: true });
    }
    await refreshList();
  } catch (err) {
    reportError(`Could not delete the pipeline ${id}`, err);
  }
}

export async function openPipeline(id: string): Promise<void> {
  if (get().id && get().id !== id) await flush();
  if (session.commitTimer) clearTimeout(session.commitTimer);
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
  if (session.commitTimer) {
    clearTimeout(session.commitTimer);
    session.commitTimer = null;
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

export function commitGraph(): void {
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

export function scheduleCommit(): void {
  if (session.commitTimer) clearTimeout(session.commitTimer);
  session.commitTimer = setTimeout(() => {
    session.commitTimer = null;
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
  if (session.commitTimer) clearTimeout(session.commitTimer);
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

export function schedulePositionsSave(): void {
  if (session.positionsTimer) clearTimeout(session.positionsTimer);
  session.positionsTimer = setTimeout(() => {
    session.positionsTimer = null;
    const { id, positions, tasks } = get();
    if (!id) return;
    const keep = Object.fromEntries(tasks.filter((t) => positions[t.id]).map((t) => [t.id, positions[t.id]]));
    client
      .call('pipelines.savePositions', { id, positions: keep })
      .catch((err) => reportError('Could not save the layout', err));
  }, POSITIONS_MS);
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
