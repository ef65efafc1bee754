import path from 'node:path';
import { topologicalOrder } from '../../../shared/pipeline/graph';
import {
  effectiveTaskSettings,
  type EffectiveTaskSettings,
  type Pipeline,
  type PipelineRun,
  type RunType,
  type Task,
  type TaskState,
} from '../../../shared/pipeline/model';
import type { PipelineRunStore } from './pipeline-run-store';

/**
 * The in-memory state of the active pipeline runs (queued or running), which the runner keeps beside the store:
 * the store has the same, written before anything is announced.
 */

export interface ActiveTi {
  taskId: string;
  state: TaskState;
  tryNumber: number;
  maxTries: number;
  nextTryAt: number | null;
  queuedAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  output: unknown;
  abort: AbortController | null;
  /** Why the running try was stopped by the user (it then must not be retried). */
  stopReason: 'cancelled' | 'cleared' | 'marked' | 'closed' | null;
}

export interface ActivePipelineRun {
  run: PipelineRun;
  pipeline: Pipeline;
  tasks: Map<string, Task>;
  settings: Map<string, EffectiveTaskSettings>;
  order: string[];
  /** Upstream ids within the run (a partial run only sees its own tasks). */
  upstream: Map<string, string[]>;
  downstreamCount: Map<string, number>;
  downstream: Map<string, string[]>;
  rank: Map<string, number>;
  tis: Map<string, ActiveTi>;
  trackerRunId: string | null;
  /**
   * Tasks whose trigger rule must be looked at again because an upstream task finished, and tasks waiting to
   * retry. Only they are evaluated on a pass, so a pass costs what changed, not the size of the DAG.
   */
  dirty: Set<string>;
  retrying: Set<string>;
  /** Look at every task on the next pass (after a load or a user action). */
  fullScan: boolean;
  lastPassWasFull: boolean;
}

export interface NewPipelineRunInput {
  pipeline: Pipeline;
  runType: RunType;
  logicalDate: Date;
  intervalStart: Date;
  intervalEnd: Date;
  params: Record<string, unknown>;
  backfillId?: string | null;
  taskSubset?: string[] | null;
}

export const iso = (d: Date | number) => new Date(d).toISOString();

export function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** A path under the engine folder as stored: relative, with forward slashes. */
export function engineRelative(engineDir: string, file: string): string {
  return path.relative(engineDir, file).split(path.sep).join('/');
}

/**
 * Reads a pipeline run into memory as the runner keeps it: its pipeline as snapshotted when the run was made
 * (limited to its task subset), the graph within the run, and its task instances. A task the snapshot has but
 * the store does not (added before a rerun) gets its instance now.
 */
export function loadActiveRun(store: PipelineRunStore, runId: string): ActivePipelineRun | null {
  const row = store.getRunRow(runId);
  if (!row) return null;
  const run = store.getRun(runId) as PipelineRun;
  const pipeline = JSON.parse(row.definition) as Pipeline;
  const subset = run.taskSubset ? new Set(run.taskSubset) : null;
  const included = pipeline.tasks.filter((t) => !subset || subset.has(t.id));
  const ids = new Set(included.map((t) => t.id));
  const upstream = new Map<string, string[]>();
  const downstreamCount = new Map<string, number>();
  const downstream = new Map<string, string[]>();
  for (const t of included) {
    const deps = [...new Set(t.depends_on ?? [])].filter((d) => ids.has(d));
    upstream.set(t.id, deps);
    for (const d of deps) {
      downstreamCount.set(d, (downstreamCount.get(d) ?? 0) + 1);
      const list = downstream.get(d) ?? [];
      list.push(t.id);
      downstream.set(d, list);
    }
  }
  const tis = new Map<string, ActiveTi>();
  for (const ti of store.taskInstances(runId)) {
    if (!ids.has(ti.taskId)) continue;
    tis.set(ti.taskId, {
      taskId: ti.taskId,
      state: ti.state,
      tryNumber: ti.tryNumber,
      maxTries: ti.maxTries,
      nextTryAt: ti.nextTryAt ? Date.parse(ti.nextTryAt) : null,
      queuedAt: ti.queuedAt,
      startedAt: ti.startedAt,
      endedAt: ti.endedAt,
      output: ti.output,
      abort: null,
      stopReason: null,
    });
  }
  // A task the snapshot has but the store does not (added before a rerun) gets its instance now.
  for (const t of included) {
    if (tis.has(t.id)) continue;
    const maxTries = effectiveTaskSettings(pipeline, t).retries + 1;
    store.addTaskInstance(runId, t.id, t.type, maxTries);
    tis.set(t.id, {
      taskId: t.id,
      state: 'none',
      tryNumber: 0,
      maxTries,
      nextTryAt: null,
      queuedAt: null,
      startedAt: null,
      endedAt: null,
      output: null,
      abort: null,
      stopReason: null,
    });
  }
  const order = topologicalOrder(included.map((t) => ({ id: t.id, depends_on: upstream.get(t.id) })));
  const active: ActivePipelineRun = {
    run,
    pipeline,
    tasks: new Map(included.map((t) => [t.id, t])),
    settings: new Map(included.map((t) => [t.id, effectiveTaskSettings(pipeline, t)])),
    order,
    upstream,
    downstreamCount,
    downstream,
    rank: new Map(order.map((id, i) => [id, i])),
    tis,
    trackerRunId: run.trackerRunId,
    dirty: new Set(),
    retrying: new Set(),
    fullScan: true,
    lastPassWasFull: false,
  };
  return active;
}
