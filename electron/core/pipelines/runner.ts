import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { EventSink } from '../../../shared/api/client';
import { LakebenchError } from '../../../shared/errors';
import { downstreamOf } from '../../../shared/pipeline/graph';
import {
  FINISHED_TASK_STATES,
  effectiveTaskSettings,
  type EffectiveTaskSettings,
  type Pipeline,
  type PipelineRun,
  type RunState,
  type Task,
  type TaskTry,
} from '../../../shared/pipeline/model';
import type { LogSink } from '../logs';
import { reportError } from '../runtime';
import type { Warehouse } from '../warehouse';
import type { Workspace } from '../workspace';
import { claimWorkspace, recoverOrphanTries } from './recovery';
import {
  iso,
  loadActiveRun,
  safeName,
  type ActivePipelineRun,
  type ActiveTi,
  type NewPipelineRunInput,
} from './pipeline-run-state';
import type { PipelineRunStore } from './pipeline-run-store';
import {
  leavesFailed,
  markChanged,
  runCompletion,
  runsToStart,
  settleTaskInstances,
  triesToStart,
} from './task-scheduling';
import { runTry, type TryHost } from './try-execution';

export type { NewPipelineRunInput } from './pipeline-run-state';

/** How often the runner proves it is alive (see recovery.ts for when a silent one counts as dead). */
const HEARTBEAT_MS = 5_000;

/** Hooks into the run tracker: a pipeline run is a parent run, each try a nested run. */
export interface RunTracking {
  startRun(run: PipelineRun, pipeline: Pipeline): Promise<string | null>;
  endRun(trackerRunId: string, state: RunState): Promise<void>;
  startTry(parentRunId: string, run: PipelineRun, taskId: string, tryNumber: number): Promise<string | null>;
  endTry(trackerRunId: string, state: 'success' | 'failed', metrics: Record<string, number>): Promise<void>;
  /** Environment for a Python task (MLFLOW_TRACKING_URI and friends). */
  env(): Record<string, string>;
}

export interface EngineOptions {
  workspace: Workspace;
  warehouse: Warehouse;
  store: PipelineRunStore;
  events: EventSink;
  python: string;
  tracking?: RunTracking | null;
  /** Where each try's lines go besides its raw log (the logs service); none: only the raw log. */
  logs?: LogSink | null;
  /** Milliseconds to wait for a killed task's group to exit before SIGKILL. */
  killGraceMs?: number;
}

/**
 * Runs pipeline runs with Airflow's semantics: task instances move none -> scheduled -> queued -> running ->
 * success | failed | up_for_retry, and trigger rules settle skipped and upstream_failed. Every change is written
 * to the run store before it is announced, so a crash loses nothing that was reported.
 */
export class PipelineEngine {
  readonly runnerId = randomUUID();
  private readonly active = new Map<string, ActivePipelineRun>();
  private readonly waiters = new Map<string, ((state: RunState) => void)[]>();
  private tickScheduled = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  /** What each try gets from the runner. */
  private readonly tryHost: TryHost;

  constructor(private readonly options: EngineOptions) {
    this.tryHost = {
      options,
      store: options.store,
      engineDir: options.workspace.engineDir,
      emitTask: (a, ti, tryNumber) => this.emitTask(a, ti, tryNumber),
      changed: (a, ti) => markChanged(a, ti),
      tick: () => this.tick(),
    };
  }

  private get store(): PipelineRunStore {
    return this.options.store;
  }

  get engineDir(): string {
    return this.options.workspace.engineDir;
  }

  /** Registers this runner, recovers what a crashed runner left, and resumes unfinished runs. */
  start(): { recovered: number } {
    claimWorkspace(this.store, this.runnerId, iso(Date.now()));
    const recovered = recoverOrphanTries(this.store, this.runnerId, this.engineDir);
    for (const row of this.store.activeRunRows()) this.load(row.run_id);
    this.heartbeatTimer = setInterval(
      () => this.store.heartbeat(this.runnerId, iso(Date.now())),
      HEARTBEAT_MS,
    );
    this.heartbeatTimer.unref();
    this.tick();
    return { recovered };
  }

  private load(runId: string): ActivePipelineRun | null {
    const active = loadActiveRun(this.store, runId);
    if (active) this.active.set(runId, active);
    return active;
  }

  /** Creates a run (queued) unless its pipeline already has one for that logical date. */
  createRun(input: NewPipelineRunInput): string | null {
    const { pipeline } = input;
    const runId = `${pipeline.id}__${input.runType}__${iso(input.logicalDate)}`;
    const subset = input.taskSubset ?? null;
    const tasks = pipeline.tasks.filter((t) => !subset || subset.includes(t.id));
    const created = this.store.createRun(
      {
        runId,
        pipelineId: pipeline.id,
        runType: input.runType,
        logicalDate: iso(input.logicalDate),
        intervalStart: iso(input.intervalStart),
        intervalEnd: iso(input.intervalEnd),
        params: input.params,
        backfillId: input.backfillId ?? null,
        taskSubset: subset,
        definition: JSON.stringify(pipeline),
        tasks: tasks.map((t) => ({
          taskId: t.id,
          taskType: t.type,
          maxTries: effectiveTaskSettings(pipeline, t).retries + 1,
        })),
      },
      iso(Date.now()),
    );
    if (!created) return null;
    const active = this.load(runId);
    if (active) this.emitRun(active.run);
    this.tick();
    return runId;
  }

  /** Resolves with the run's final state. */
  waitForRun(runId: string): Promise<RunState> {
    const run = this.store.getRun(runId);
    if (!run) return Promise.reject(new LakebenchError('NOT_FOUND', `There is no run ${runId}`));
    if (!this.active.has(runId) && (run.state === 'success' || run.state === 'failed'))
      return Promise.resolve(run.state);
    return new Promise((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
  }

  /** Runs still active (queued or running). */
  activeRunIds(): string[] {
    return [...this.active.keys()];
  }

  activeRunsOf(pipelineId: string): PipelineRun[] {
    return [...this.active.values()].filter((a) => a.run.pipelineId === pipelineId).map((a) => a.run);
  }

  // ------------------------------------------------------------------------------------------------------
  // The loop
  // ------------------------------------------------------------------------------------------------------

  /** Asks for one pass of the loop soon; many requests in one turn make one pass. */
  tick(): void {
    if (this.tickScheduled || this.closed) return;
    this.tickScheduled = true;
    setImmediate(() => {
      this.tickScheduled = false;
      if (this.closed) return;
      try {
        this.pass();
      } catch (err) {
        // A pass that failed is retried by the next tick; the stack tells where it broke.
        reportError('the pipeline runner failed a pass', (err as Error).stack ?? err);
      }
    });
  }

  private pass(): void {
    const now = Date.now();
    for (const a of runsToStart(this.active.values(), (id) => this.store.backfillLimit(id))) this.startRun(a);
    let nextWake = Infinity;
    for (const a of this.active.values()) {
      if (a.run.state !== 'running') continue;
      nextWake = Math.min(nextWake, this.settle(a, now));
    }
    for (const [a, ti] of triesToStart(this.active.values())) this.startTry(a, ti);
    for (const a of [...this.active.values()]) if (a.run.state === 'running') this.finishIfDone(a);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (nextWake !== Infinity) {
      this.retryTimer = setTimeout(() => this.tick(), Math.max(0, nextWake - Date.now()) + 5);
    }
  }

  private startRun(a: ActivePipelineRun): void {
    const startedAt = a.run.startedAt ?? iso(Date.now());
    this.store.updateRun(a.run.runId, { state: 'running', started_at: startedAt, ended_at: null });
    a.run = { ...a.run, state: 'running', startedAt, endedAt: null, durationMs: null };
    this.emitRun(a.run);
    const tracking = this.options.tracking;
    if (tracking && !a.trackerRunId) {
      void tracking
        .startRun(a.run, a.pipeline)
        .then((id) => {
          if (!id) return;
          a.trackerRunId = id;
          a.run = { ...a.run, trackerRunId: id };
          this.store.updateRun(a.run.runId, { tracker_run_id: id });
        })
        // The run goes on untracked; the tracker's failure is told, not hidden.
        .catch((err) => reportError(`run ${a.run.runId} could not be tracked`, err));
    }
  }

  /** Applies trigger rules and retry times; returns when it must look again (a retry's time), or Infinity. */
  private settle(a: ActivePipelineRun, now: number): number {
    const { wake, changes } = settleTaskInstances(a, now);
    if (changes.length) {
      this.store.transaction(() => {
        for (const ti of changes) {
          this.store.updateTaskInstance(a.run.runId, ti.taskId, {
            state: ti.state,
            ended_at: ti.endedAt,
            next_try_at: ti.state === 'scheduled' ? null : ti.nextTryAt ? iso(ti.nextTryAt) : null,
          });
        }
      });
      for (const ti of changes) this.emitTask(a, ti, null);
    }
    return wake;
  }

  private finishIfDone(a: ActivePipelineRun): void {
    const completion = runCompletion(a);
    if (completion.kind === 'running') return;
    if (completion.kind === 'look-again') {
      // Before calling it a deadlock, look at every task once more.
      a.fullScan = true;
      this.tick();
      return;
    }
    const now = iso(Date.now());
    // Nothing runs and nothing can: the rest waits for states that will never come (Airflow's deadlock).
    for (const ti of completion.deadlocked) {
      ti.state = 'upstream_failed';
      ti.endedAt = now;
      this.store.updateTaskInstance(a.run.runId, ti.taskId, { state: ti.state, ended_at: now });
      this.emitTask(a, ti, null);
    }
    this.endRun(a, a.run.cancelled || leavesFailed(a) ? 'failed' : 'success');
  }

  private endRun(a: ActivePipelineRun, state: RunState): void {
    const endedAt = iso(Date.now());
    this.store.updateRun(a.run.runId, { state, ended_at: endedAt });
    a.run = {
      ...a.run,
      state,
      endedAt,
      durationMs: a.run.startedAt ? Date.parse(endedAt) - Date.parse(a.run.startedAt) : null,
    };
    this.active.delete(a.run.runId);
    this.emitRun(a.run);
    if (a.trackerRunId && this.options.tracking)
      void this.options.tracking
        .endRun(a.trackerRunId, state)
        .catch((err) => reportError(`the tracked run of ${a.run.runId} could not be ended`, err));
    for (const resolve of this.waiters.get(a.run.runId) ?? []) resolve(state);
    this.waiters.delete(a.run.runId);
    // A finished run frees a slot for a queued one.
    this.tick();
  }

  // ------------------------------------------------------------------------------------------------------
  // One try
  // ------------------------------------------------------------------------------------------------------

  private tryPaths(
    a: ActivePipelineRun,
    taskId: string,
    tryNumber: number,
  ): { logFile: string; tryDir: string } {
    const base = path.join('pipelines', safeName(a.run.pipelineId), safeName(a.run.runId), safeName(taskId));
    return {
      logFile: path.join(base, `try-${tryNumber}.log`).split(path.sep).join('/'),
      tryDir: path.join(this.engineDir, base, `try-${tryNumber}`),
    };
  }

  private startTry(a: ActivePipelineRun, ti: ActiveTi): void {
    const now = iso(Date.now());
    ti.tryNumber++;
    ti.state = 'queued';
    ti.queuedAt = now;
    ti.startedAt = null;
    ti.endedAt = null;
    ti.nextTryAt = null;
    ti.stopReason = null;
    ti.abort = new AbortController();
    const { logFile, tryDir } = this.tryPaths(a, ti.taskId, ti.tryNumber);
    this.store.transaction(() => {
      this.store.updateTaskInstance(a.run.runId, ti.taskId, {
        state: 'queued',
        try_number: ti.tryNumber,
        queued_at: now,
        started_at: null,
        ended_at: null,
        next_try_at: null,
      });
      this.store.insertTry({
        runId: a.run.runId,
        taskId: ti.taskId,
        tryNumber: ti.tryNumber,
        state: 'queued',
        queuedAt: now,
        logFile,
        runnerId: this.runnerId,
      });
    });
    this.emitTask(a, ti, ti.tryNumber);
    const job = runTry(this.tryHost, a, ti, ti.tryNumber, ti.abort, logFile, tryDir).finally(() => {
      this.running.delete(job);
    });
    this.running.add(job);
  }

  // ------------------------------------------------------------------------------------------------------
  // What the user does to runs
  // ------------------------------------------------------------------------------------------------------

  private requireRun(runId: string): PipelineRun {
    const run = this.store.getRun(runId);
    if (!run) throw new LakebenchError('NOT_FOUND', `There is no run ${runId}`);
    return run;
  }

  /** Stops a running try for a user action; its task's state is then set by that action. */
  private stopTry(ti: ActiveTi, reason: 'cancelled' | 'cleared' | 'marked' | 'closed'): void {
    if (!ti.abort || (ti.state !== 'running' && ti.state !== 'queued')) return;
    ti.stopReason = reason;
    ti.abort.abort(
      new LakebenchError('TASK_CANCELLED', `the try was stopped: ${reason}`, { task: ti.taskId }),
    );
  }

  cancelRun(runId: string): { cancelled: boolean } {
    this.requireRun(runId);
    const a = this.active.get(runId);
    if (!a) return { cancelled: false };
    const now = iso(Date.now());
    a.run = { ...a.run, cancelled: true };
    this.store.updateRun(runId, { cancelled: 1 });
    if (a.run.state === 'queued') {
      this.store.updateRun(runId, { state: 'running', started_at: now });
      a.run = { ...a.run, state: 'running', startedAt: now };
    }
    a.fullScan = true;
    this.store.transaction(() => {
      for (const ti of a.tis.values()) {
        if (FINISHED_TASK_STATES.includes(ti.state)) continue;
        const wasRunning = ti.state === 'running' || ti.state === 'queued';
        this.stopTry(ti, 'cancelled');
        ti.state = wasRunning ? 'failed' : 'skipped';
        ti.endedAt = now;
        ti.nextTryAt = null;
        this.store.updateTaskInstance(runId, ti.taskId, {
          state: ti.state,
          ended_at: now,
          next_try_at: null,
        });
        this.emitTask(a, ti, null);
      }
    });
    this.finishIfDone(a);
    return { cancelled: true };
  }

  clearTasks(runId: string, taskIds: string[], downstream: boolean): { cleared: string[] } {
    const run = this.requireRun(runId);
    let a = this.active.get(runId);
    if (!a) {
      a = this.load(runId) as ActivePipelineRun;
      this.active.delete(runId);
    }
    for (const id of taskIds) {
      if (!a.tis.has(id))
        throw new LakebenchError('NOT_FOUND', `run ${runId} has no task ${id}`, { task: id });
    }
    const graph = [...a.tasks.values()].map((t) => ({ id: t.id, depends_on: a.upstream.get(t.id) }));
    const ids = new Set(taskIds);
    if (downstream) for (const d of downstreamOf(graph, taskIds)) ids.add(d);
    const cleared = a.order.filter((id) => ids.has(id));
    this.store.transaction(() => {
      for (const id of cleared) {
        const ti = a.tis.get(id) as ActiveTi;
        this.stopTry(ti, 'cleared');
        ti.state = 'none';
        ti.endedAt = null;
        ti.startedAt = null;
        ti.queuedAt = null;
        ti.nextTryAt = null;
        ti.output = null;
        // As in Airflow, a cleared task gets its full retries again.
        ti.maxTries = ti.tryNumber + (a.settings.get(id) as EffectiveTaskSettings).retries + 1;
        this.store.updateTaskInstance(runId, id, {
          state: 'none',
          ended_at: null,
          started_at: null,
          queued_at: null,
          next_try_at: null,
          output: null,
          max_tries: ti.maxTries,
        });
      }
      // As Airflow does, a cleared run is queued afresh: its start is when it runs again, so its duration
      // is the rerun's, while every earlier try keeps its own times.
      this.store.updateRun(runId, { state: 'queued', started_at: null, ended_at: null, cancelled: 0 });
    });
    a.run = {
      ...run,
      state: 'queued',
      startedAt: null,
      endedAt: null,
      durationMs: null,
      cancelled: false,
    };
    a.fullScan = true;
    this.active.set(runId, a);
    this.emitRun(a.run);
    for (const id of cleared) this.emitTask(a, a.tis.get(id) as ActiveTi, null);
    this.tick();
    return { cleared };
  }

  markTasks(
    runId: string,
    taskIds: string[],
    state: 'success' | 'failed',
    downstream: boolean,
  ): { marked: string[] } {
    this.requireRun(runId);
    const active = this.active.get(runId);
    const a = active ?? (this.load(runId) as ActivePipelineRun);
    if (!active) this.active.delete(runId);
    for (const id of taskIds) {
      if (!a.tis.has(id))
        throw new LakebenchError('NOT_FOUND', `run ${runId} has no task ${id}`, { task: id });
    }
    const graph = [...a.tasks.values()].map((t) => ({ id: t.id, depends_on: a.upstream.get(t.id) }));
    const ids = new Set(taskIds);
    if (downstream) for (const d of downstreamOf(graph, taskIds)) ids.add(d);
    const marked = a.order.filter((id) => ids.has(id));
    const now = iso(Date.now());
    this.store.transaction(() => {
      for (const id of marked) {
        const ti = a.tis.get(id) as ActiveTi;
        this.stopTry(ti, 'marked');
        ti.state = state;
        ti.endedAt = now;
        ti.nextTryAt = null;
        this.store.updateTaskInstance(runId, id, { state, ended_at: now, next_try_at: null });
      }
    });
    for (const id of marked) this.emitTask(a, a.tis.get(id) as ActiveTi, null);
    a.fullScan = true;
    if (active) this.tick();
    else {
      // A finished run's state follows its leaves again.
      const runState: RunState = leavesFailed(a) ? 'failed' : 'success';
      this.store.updateRun(runId, { state: runState });
      this.emitRun({ ...a.run, state: runState });
    }
    return { marked };
  }

  // ------------------------------------------------------------------------------------------------------
  // Events
  // ------------------------------------------------------------------------------------------------------

  private emitRun(run: PipelineRun): void {
    this.options.events.emit('pipelines.onRunChanged', run);
  }

  private emitTask(a: ActivePipelineRun, ti: ActiveTi, tryNumber: number | null): void {
    const task = a.tasks.get(ti.taskId) as Task;
    let tryRecord: TaskTry | null = null;
    if (tryNumber !== null) {
      tryRecord = this.store.getTry(a.run.runId, ti.taskId, tryNumber, (f) => this.logBytes(f));
    }
    this.options.events.emit('pipelines.onTaskChanged', {
      pipelineId: a.run.pipelineId,
      taskInstance: {
        runId: a.run.runId,
        taskId: ti.taskId,
        taskType: task.type,
        state: ti.state,
        tryNumber: ti.tryNumber,
        maxTries: ti.maxTries,
        nextTryAt: ti.nextTryAt ? iso(ti.nextTryAt) : null,
        queuedAt: ti.queuedAt,
        startedAt: ti.startedAt,
        endedAt: ti.endedAt,
        durationMs: ti.startedAt && ti.endedAt ? Date.parse(ti.endedAt) - Date.parse(ti.startedAt) : null,
        output: ti.output ?? null,
      },
      try: tryRecord,
    });
  }

  logBytes(file: string): number {
    try {
      return statSync(path.join(this.engineDir, file)).size;
    } catch {
      return 0;
    }
  }

  /** Stops the loop; running tries are killed, and their tasks run again (without using a retry) on the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    for (const a of this.active.values()) {
      for (const ti of a.tis.values()) {
        if (ti.abort) {
          ti.stopReason = 'closed';
          ti.abort.abort(
            new LakebenchError('TASK_CANCELLED', 'Lakebench closed the workspace while the task ran', {
              task: ti.taskId,
            }),
          );
        }
      }
    }
    await Promise.allSettled([...this.running]);
    this.store.removeRunner(this.runnerId);
  }
}
