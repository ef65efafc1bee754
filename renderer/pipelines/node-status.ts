import { useEffect, useState, useSyncExternalStore } from 'react';
import type { PipelineProblem, PipelineRunSummary, TaskInstanceSummary } from '../../shared/pipeline/model';
import { usePipelineEditor } from './store';
import { useRuns, type RunsState } from './runs-store';

/**
 * What each node shows besides its task: its problems and its state in the coloured run. A running pipeline of
 * 5,000 tasks sends hundreds of task events a second; each changes the runs store, so nodes do not subscribe to it
 * themselves. One subscription here publishes the coloured run at most once per frame and wakes only the nodes
 * whose task instance changed.
 */

const schedule = (f: () => void): unknown =>
  typeof requestAnimationFrame === 'function' ? requestAnimationFrame(f) : setTimeout(f, 16);

/** A run's task instances by task id, built once per run object (a task event replaces one run object). */
const runIndex = new WeakMap<PipelineRunSummary, Map<string, TaskInstanceSummary>>();

export function instancesOf(run: PipelineRunSummary): Map<string, TaskInstanceSummary> {
  let index = runIndex.get(run);
  if (!index) {
    index = new Map(run.tasks.map((t) => [t.taskId, t]));
    runIndex.set(run, index);
  }
  return index;
}

/** The run the graph is coloured by: the selected run, while the Graph tab is shown. */
export function colouredRun(runs: RunsState, tab: string): PipelineRunSummary | null {
  if (tab !== 'graph' || !runs.selectedRunId) return null;
  return runs.runs.find((r) => r.runId === runs.selectedRunId) ?? null;
}

/** The task ids whose instance differs between two runs' indexes (every id of both when the run changed). */
export function changedTasks(
  before: ReadonlyMap<string, TaskInstanceSummary> | null,
  after: ReadonlyMap<string, TaskInstanceSummary> | null,
): Set<string> {
  const out = new Set<string>();
  if (before === after) return out;
  for (const [id, ti] of after ?? []) if (before?.get(id) !== ti) out.add(id);
  for (const id of before?.keys() ?? []) if (!after?.has(id)) out.add(id);
  return out;
}

/** Per-task subscriptions to the coloured run, published once per frame. */
export class TaskStatusFeed {
  private index: Map<string, TaskInstanceSummary> | null = null;
  private run: PipelineRunSummary | null = null;
  private readonly listeners = new Map<string, Set<() => void>>();
  private pending = false;

  constructor(
    private readonly read: () => PipelineRunSummary | null,
    private readonly later: (f: () => void) => unknown = schedule,
  ) {}

  get(taskId: string): TaskInstanceSummary | undefined {
    return this.index?.get(taskId);
  }

  subscribe(taskId: string, listener: () => void): () => void {
    let set = this.listeners.get(taskId);
    if (!set) {
      set = new Set();
      this.listeners.set(taskId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (!set.size) this.listeners.delete(taskId);
    };
  }

  /** Something changed: publish on the next frame (many events in one frame publish once). */
  changed(): void {
    if (this.pending) return;
    this.pending = true;
    this.later(() => {
      this.pending = false;
      this.publish();
    });
  }

  /** Reads the coloured run now and wakes the tasks whose instance changed. */
  publish(): void {
    const run = this.read();
    if (run === this.run) return;
    const index = run ? instancesOf(run) : null;
    const changed = changedTasks(this.index, index);
    this.run = run;
    this.index = index;
    for (const id of changed) for (const l of this.listeners.get(id) ?? []) l();
  }
}

const feed = new TaskStatusFeed(() => colouredRun(useRuns.getState(), usePipelineEditor.getState().tab));
let feeding = false;

function startFeed(): void {
  if (feeding) return;
  feeding = true;
  feed.publish();
  useRuns.subscribe(() => feed.changed());
  usePipelineEditor.subscribe((s, prev) => {
    if (s.tab !== prev.tab) feed.changed();
  });
}

/** The coloured run's instance of a task, when the graph is coloured by a run. */
export function useTaskRunInstance(id: string): TaskInstanceSummary | undefined {
  startFeed();
  return useSyncExternalStore(
    (listener) => feed.subscribe(id, listener),
    () => feed.get(id),
  );
}

/** The coloured run's state of a task, outside React (the minimap's colours). */
export function runStateOf(id: string): TaskInstanceSummary['state'] | undefined {
  startFeed();
  return feed.get(id)?.state;
}

/**
 * A value from the runs store, updated at most once per frame: for views that draw many runs (the Grid, the run
 * picker), which would otherwise re-render on every task event. `selector` must be a stable function.
 */
export function useRunsPerFrame<T>(selector: (s: RunsState) => T): T {
  const [value, setValue] = useState(() => selector(useRuns.getState()));
  useEffect(() => {
    let live = true;
    let pending = false;
    const flush = () => {
      pending = false;
      if (live) setValue(selector(useRuns.getState()));
    };
    flush();
    const off = useRuns.subscribe(() => {
      if (pending) return;
      pending = true;
      schedule(flush);
    });
    return () => {
      live = false;
      off();
    };
  }, [selector]);
  return value;
}

const problemIndex = new WeakMap<readonly PipelineProblem[], Map<string, PipelineProblem[]>>();

/** Problems of a task, from an index built once per problems list (not 5,000 scans per change). */
function problemsOf(problems: readonly PipelineProblem[], id: string): PipelineProblem[] | undefined {
  let index = problemIndex.get(problems);
  if (!index) {
    index = new Map();
    for (const p of problems) {
      if (!p.task) continue;
      const list = index.get(p.task) ?? [];
      list.push(p);
      index.set(p.task, list);
    }
    problemIndex.set(problems, index);
  }
  return index.get(id);
}

export function useTaskProblems(id: string): PipelineProblem[] | undefined {
  return usePipelineEditor((s) => problemsOf(s.problems, id));
}
