import { create } from 'zustand';
import type {
  PipelineRun,
  PipelineRunSummary,
  TaskInstance,
  TaskInstanceSummary,
  TaskTry,
} from '../../shared/pipeline/model';
import { client } from '../api';
import { reportError } from '../state/toasts';
import { addMissingTasks, applyRunChange, applyTaskChange } from './run-views';

/** The runs of the open pipeline, kept current by events (never by polling the whole state). */
export interface RunsState {
  pipelineId: string | null;
  runs: PipelineRunSummary[];
  taskIds: string[];
  loading: boolean;
  /** The run the Graph is coloured by and the Gantt shows. */
  selectedRunId: string | null;
  /** The run with every try, for the Gantt and the try details. */
  detail: { run: PipelineRun; taskInstances: TaskInstance[] } | null;
  /** The square whose details are open. */
  square: { runId: string; taskId: string } | null;
}

export const useRuns = create<RunsState>(() => ({
  pipelineId: null,
  runs: [],
  taskIds: [],
  loading: false,
  selectedRunId: null,
  detail: null,
  square: null,
}));

const get = () => useRuns.getState();
const set = (patch: Partial<RunsState>) => useRuns.setState(patch);

export async function loadRuns(pipelineId: string): Promise<void> {
  const switched = get().pipelineId !== pipelineId;
  set({
    pipelineId,
    loading: true,
    ...(switched ? { runs: [], taskIds: [], selectedRunId: null, detail: null, square: null } : {}),
  });
  try {
    const r = await client.call('pipelines.listRuns', { id: pipelineId, limit: 50 });
    if (get().pipelineId !== pipelineId) return;
    const selected = get().selectedRunId;
    set({
      runs: r.runs,
      taskIds: r.taskIds,
      loading: false,
      selectedRunId:
        selected && r.runs.some((x) => x.runId === selected) ? selected : (r.runs[0]?.runId ?? null),
    });
    const sel = get().selectedRunId;
    if (sel) void loadDetail(sel);
  } catch (err) {
    set({ loading: false });
    reportError(`Could not list the runs of ${pipelineId}`, err);
  }
}

export async function loadDetail(runId: string): Promise<void> {
  try {
    const r = await client.call('pipelines.getRun', { runId });
    if (get().selectedRunId === runId || get().square?.runId === runId) set({ detail: r });
  } catch (err) {
    reportError(`Could not read the run ${runId}`, err);
  }
}

export function selectRun(runId: string | null): void {
  set({ selectedRunId: runId, detail: get().detail?.run.runId === runId ? get().detail : null });
  if (runId) void loadDetail(runId);
}

export function openSquare(runId: string, taskId: string): void {
  const runChanged = get().selectedRunId !== runId;
  set({ square: { runId, taskId }, selectedRunId: runId, ...(runChanged ? { detail: null } : {}) });
  // Read again even when the run is loaded: a try stores what it rendered without an event of its own.
  void loadDetail(runId);
}

export function closeSquare(): void {
  set({ square: null });
}

/** The task instance of the open square, with its tries. */
export function squareInstance(s: RunsState): TaskInstance | null {
  if (!s.square || !s.detail || s.detail.run.runId !== s.square.runId) return null;
  return s.detail.taskInstances.find((t) => t.taskId === s.square?.taskId) ?? null;
}

function mergeInstance(list: TaskInstance[], ti: TaskInstanceSummary, tr: TaskTry | null): TaskInstance[] {
  const i = list.findIndex((t) => t.taskId === ti.taskId);
  const old = list[i];
  let tries = old?.tries ?? [];
  if (tr) {
    const j = tries.findIndex((x) => x.tryNumber === tr.tryNumber);
    tries =
      j < 0
        ? [...tries, tr].sort((a, b) => a.tryNumber - b.tryNumber)
        : tries.map((x, k) => (k === j ? tr : x));
  }
  // Cleared instances start over: drop tries beyond the instance's latest.
  if (ti.tryNumber < tries.length) tries = tries.filter((x) => x.tryNumber <= ti.tryNumber);
  const next: TaskInstance = { ...ti, tries };
  if (i < 0) return [...list, next];
  const out = [...list];
  out[i] = next;
  return out;
}

let fillTimer: ReturnType<typeof setTimeout> | null = null;

/**
 * A run that was just created sends no event for tasks that have no state yet; one listing a moment later shows
 * them (as "no state", not as tasks the run does not have). One listing serves a whole backfill's new runs.
 */
const newRuns = new Set<string>();

/**
 * A run that appeared by events has only the tasks those events named: its other tasks are read once, for
 * that run alone (a pipeline of 5,000 tasks with 25 runs would otherwise list every run's squares again).
 */
function fillNewRunsSoon(pipelineId: string, runId: string): void {
  newRuns.add(runId);
  if (fillTimer) return;
  fillTimer = setTimeout(() => {
    fillTimer = null;
    const ids = [...newRuns];
    newRuns.clear();
    for (const id of ids) {
      client
        .call('pipelines.getRun', { runId: id })
        .then((r) => {
          if (get().pipelineId !== pipelineId) return;
          const tasks = r.taskInstances.map(({ tries: _tries, ...summary }) => summary);
          const runs = addMissingTasks(get().runs, [{ ...r.run, tasks }]);
          if (runs) set({ runs });
        })
        .catch(() => undefined); // Events keep the squares that change; the next load lists the rest.
    }
  }, 300);
}

let installed = false;

/** Wires the pipeline events to this store; once. */
export function installRunEvents(): void {
  if (installed) return;
  installed = true;
  client.on('pipelines.onRunChanged', (run) => {
    const s = get();
    if (run.pipelineId !== s.pipelineId) return;
    if (!s.runs.some((r) => r.runId === run.runId)) fillNewRunsSoon(run.pipelineId, run.runId);
    const runs = applyRunChange(s.runs, run);
    const patch: Partial<RunsState> = { runs };
    if (!s.selectedRunId) patch.selectedRunId = run.runId;
    if (s.detail && s.detail.run.runId === run.runId) patch.detail = { ...s.detail, run };
    set(patch);
    if (!s.selectedRunId) void loadDetail(run.runId);
  });
  client.on('pipelines.onTaskChanged', ({ pipelineId, taskInstance, try: tr }) => {
    const s = get();
    if (pipelineId !== s.pipelineId) return;
    const patch: Partial<RunsState> = {};
    const runs = applyTaskChange(s.runs, taskInstance);
    if (runs) patch.runs = runs;
    if (!s.taskIds.includes(taskInstance.taskId)) patch.taskIds = [...s.taskIds, taskInstance.taskId];
    if (s.detail && s.detail.run.runId === taskInstance.runId)
      patch.detail = { ...s.detail, taskInstances: mergeInstance(s.detail.taskInstances, taskInstance, tr) };
    set(patch);
  });
}
