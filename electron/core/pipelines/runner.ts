import { randomUUID } from 'node:crypto';
import { appendFileSync, createWriteStream, mkdirSync, statSync, type WriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { EventSink } from '../../../shared/api/client';
import { errorMessage, LakebenchError, toErrorData } from '../../../shared/errors';
import { downstreamOf, topologicalOrder } from '../../../shared/pipeline/graph';
import {
  FINISHED_TASK_STATES,
  effectiveTaskSettings,
  retryDelayMs,
  type EffectiveTaskSettings,
  type Pipeline,
  type PipelineRun,
  type RunState,
  type RunType,
  type Task,
  type TaskState,
  type TaskTry,
} from '../../../shared/pipeline/model';
import { renderTemplate, runContext, TemplateError } from '../../../shared/pipeline/template';
import { evaluateTriggerRule } from '../../../shared/pipeline/trigger-rules';
import type { Warehouse } from '../warehouse';
import type { Workspace } from '../workspace';
import { executeTask } from './executors';
import { isProcessAlive, killProcessGroupIfSame, processIdentity, reportError } from '../runtime';
import type { RunStore } from './store';

/** How often the runner proves it is alive; a runner silent for STALE_MS is considered dead. */
const HEARTBEAT_MS = 5_000;
const STALE_MS = 30_000;
const LOG_FLUSH_MS = 150;

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
  store: RunStore;
  events: EventSink;
  python: string;
  tracking?: RunTracking | null;
  /** Milliseconds to wait for a killed task's group to exit before SIGKILL. */
  killGraceMs?: number;
}

interface ActiveTi {
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

interface ActiveRun {
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

export interface CreateRunInput {
  pipeline: Pipeline;
  runType: RunType;
  logicalDate: Date;
  intervalStart: Date;
  intervalEnd: Date;
  params: Record<string, unknown>;
  backfillId?: string | null;
  taskSubset?: string[] | null;
}

const iso = (d: Date | number) => new Date(d).toISOString();

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Runs pipeline runs with Airflow's semantics: task instances move none -> scheduled -> queued -> running ->
 * success | failed | up_for_retry, and trigger rules settle skipped and upstream_failed. Every change is written
 * to the run store before it is announced, so a crash loses nothing that was reported.
 */
export class PipelineEngine {
  readonly runnerId = randomUUID();
  private readonly active = new Map<string, ActiveRun>();
  private readonly waiters = new Map<string, ((state: RunState) => void)[]>();
  private tickScheduled = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: EngineOptions) {}

  private get store(): RunStore {
    return this.options.store;
  }

  get engineDir(): string {
    return this.options.workspace.engineDir;
  }

  /** Registers this runner, recovers what a crashed runner left, and resumes unfinished runs. */
  start(): { recovered: number } {
    const now = iso(Date.now());
    for (const other of this.store.otherRunners(this.runnerId)) {
      const fresh = Date.now() - Date.parse(other.heartbeatAt) < STALE_MS;
      if (
        fresh &&
        other.hostname === os.hostname() &&
        isProcessAlive(other.pid) &&
        other.pid !== process.pid
      ) {
        throw new LakebenchError(
          'WORKSPACE_LOCKED',
          `Pipelines of this workspace are being run by another Lakebench (process ${other.pid})`,
        );
      }
      this.store.removeRunner(other.runnerId);
    }
    this.store.registerRunner(this.runnerId, process.pid, os.hostname(), now);
    const recovered = this.recoverOrphans();
    for (const row of this.store.activeRunRows()) this.load(row.run_id);
    this.heartbeatTimer = setInterval(
      () => this.store.heartbeat(this.runnerId, iso(Date.now())),
      HEARTBEAT_MS,
    );
    this.heartbeatTimer.unref();
    this.tick();
    return { recovered };
  }

  /**
   * Tries left queued or running by a runner that died (kill -9, power loss): their processes are killed, the
   * try fails, and the task instance is up for retry or failed as its retries say.
   */
  private recoverOrphans(): number {
    const orphans = this.store.orphanTries(this.runnerId);
    const now = Date.now();
    for (const o of orphans) {
      // The pid is killed only while it is still the try's process: after a crash the number may be reused.
      const killed = o.pid ? killProcessGroupIfSame(o.pid, o.pidIdentity, 'SIGKILL') : 'gone';
      const row = this.store.getRunRow(o.runId);
      if (!row) continue;
      const pipeline = JSON.parse(row.definition) as Pipeline;
      const task = pipeline.tasks.find((t) => t.id === o.taskId);
      const settings = task ? effectiveTaskSettings(pipeline, task) : null;
      const ti = this.store.taskInstances(o.runId).find((t) => t.taskId === o.taskId);
      const error = {
        code: 'TASK_ORPHANED',
        message: `the Lakebench process running try ${o.tryNumber} of ${o.taskId} stopped before it finished`,
        location: { task: o.taskId },
      };
      this.store.transaction(() => {
        this.store.updateTry(o.runId, o.taskId, o.tryNumber, {
          state: 'failed',
          ended_at: iso(now),
          error: JSON.stringify(error),
        });
        if (!ti) return;
        const retry = settings && ti.tryNumber < ti.maxTries;
        this.store.updateTaskInstance(o.runId, o.taskId, {
          state: retry ? 'up_for_retry' : 'failed',
          ended_at: iso(now),
          next_try_at: retry ? iso(now + retryDelayMs(settings, ti.tryNumber)) : null,
        });
      });
      this.appendLog(
        o.runId,
        o.taskId,
        o.tryNumber,
        `[lakebench] ${error.message}; marked failed on recovery` +
          (killed === 'other'
            ? `; process ${o.pid} was left running, as it is not the one the try started (the pid was reused or could not be checked)`
            : ''),
      );
    }
    return orphans.length;
  }

  private appendLog(runId: string, taskId: string, tryNumber: number, line: string): void {
    const t = this.store.getTry(runId, taskId, tryNumber, () => 0);
    if (!t) return;
    const file = path.join(this.engineDir, t.logFile);
    try {
      // Synchronous, so a failure is caught here (a stream's error would be thrown later, uncaught).
      mkdirSync(path.dirname(file), { recursive: true });
      appendFileSync(file, `${line}\n`);
    } catch (err) {
      // Only this note is lost; the state change is stored.
      process.stderr.write(`lakebench: could not add to the log ${file}: ${errorMessage(err)}\n`);
    }
  }

  /** Creates a run (queued) unless its pipeline already has one for that logical date. */
  createRun(input: CreateRunInput): string | null {
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

  private load(runId: string): ActiveRun | null {
    const row = this.store.getRunRow(runId);
    if (!row) return null;
    const run = this.store.getRun(runId) as PipelineRun;
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
    for (const ti of this.store.taskInstances(runId)) {
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
      this.store.addTaskInstance(runId, t.id, t.type, maxTries);
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
    const active: ActiveRun = {
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
    this.active.set(runId, active);
    return active;
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
    this.promoteRuns();
    let nextWake = Infinity;
    for (const a of this.active.values()) {
      if (a.run.state !== 'running') continue;
      nextWake = Math.min(nextWake, this.settle(a, now));
    }
    this.dispatch();
    for (const a of [...this.active.values()]) if (a.run.state === 'running') this.finishIfDone(a);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (nextWake !== Infinity) {
      this.retryTimer = setTimeout(() => this.tick(), Math.max(0, nextWake - Date.now()) + 5);
    }
  }

  /** Starts queued runs while max_active_runs allows; backfills have their own limit, so they never take the slots scheduled runs need. */
  private promoteRuns(): void {
    const byPipeline = new Map<string, ActiveRun[]>();
    for (const a of this.active.values()) {
      const list = byPipeline.get(a.run.pipelineId) ?? [];
      list.push(a);
      byPipeline.set(a.run.pipelineId, list);
    }
    for (const runs of byPipeline.values()) {
      const limit = runs[0].pipeline.max_active_runs ?? 16;
      const regular = runs.filter((a) => !a.run.backfillId);
      let running = regular.filter((a) => a.run.state === 'running').length;
      for (const a of regular
        .filter((r) => r.run.state === 'queued')
        .sort((x, y) => x.run.logicalDate.localeCompare(y.run.logicalDate))) {
        if (running >= limit) break;
        this.startRun(a);
        running++;
      }
      const byBackfill = new Map<string, ActiveRun[]>();
      for (const a of runs) {
        if (!a.run.backfillId) continue;
        const list = byBackfill.get(a.run.backfillId) ?? [];
        list.push(a);
        byBackfill.set(a.run.backfillId, list);
      }
      for (const [backfillId, list] of byBackfill) {
        const max = this.store.backfillLimit(backfillId);
        let n = list.filter((a) => a.run.state === 'running').length;
        for (const a of list
          .filter((r) => r.run.state === 'queued')
          .sort((x, y) => x.run.logicalDate.localeCompare(y.run.logicalDate))) {
          if (n >= max) break;
          this.startRun(a);
          n++;
        }
      }
    }
  }

  private startRun(a: ActiveRun): void {
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
  private settle(a: ActiveRun, now: number): number {
    let wake = Infinity;
    const changes: ActiveTi[] = [];
    a.lastPassWasFull = a.fullScan;
    let ids: string[];
    if (a.fullScan) {
      a.fullScan = false;
      ids = a.order;
      a.retrying.clear();
    } else {
      ids = [...new Set([...a.dirty, ...a.retrying])].sort(
        (x, y) => (a.rank.get(x) as number) - (a.rank.get(y) as number),
      );
    }
    a.dirty.clear();
    // Settling a task as skipped or upstream_failed can settle its downstream in the same pass.
    for (let round = 0; ids.length > 0 && round < 10_000; round++) {
      for (const id of ids) {
        const ti = a.tis.get(id) as ActiveTi;
        if (ti.state === 'up_for_retry') {
          if (ti.nextTryAt !== null && ti.nextTryAt > now) {
            a.retrying.add(id);
            wake = Math.min(wake, ti.nextTryAt);
            continue;
          }
          a.retrying.delete(id);
          ti.state = 'scheduled';
          changes.push(ti);
          continue;
        }
        a.retrying.delete(id);
        if (ti.state !== 'none') continue;
        const upstreamStates = (a.upstream.get(id) ?? []).map((u) => (a.tis.get(u) as ActiveTi).state);
        const decision = evaluateTriggerRule(
          (a.settings.get(id) as EffectiveTaskSettings).triggerRule,
          upstreamStates,
        );
        if (decision === 'wait') continue;
        if (decision === 'run') ti.state = 'scheduled';
        else {
          ti.state = decision === 'skip' ? 'skipped' : 'upstream_failed';
          ti.endedAt = iso(now);
          for (const d of a.downstream.get(id) ?? []) a.dirty.add(d);
        }
        changes.push(ti);
      }
      ids = [...a.dirty].sort((x, y) => (a.rank.get(x) as number) - (a.rank.get(y) as number));
      a.dirty.clear();
    }
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

  /** A task finished a try: its downstream tasks' rules (and its own retry) must be looked at again. */
  private changed(a: ActiveRun, ti: ActiveTi): void {
    if (ti.state === 'up_for_retry') a.retrying.add(ti.taskId);
    for (const d of a.downstream.get(ti.taskId) ?? []) a.dirty.add(d);
  }

  /** Starts scheduled task instances while each pipeline's max_active_tasks allows, scheduled runs first. */
  private dispatch(): void {
    const byPipeline = new Map<string, ActiveRun[]>();
    for (const a of this.active.values()) {
      if (a.run.state !== 'running') continue;
      const list = byPipeline.get(a.run.pipelineId) ?? [];
      list.push(a);
      byPipeline.set(a.run.pipelineId, list);
    }
    for (const runs of byPipeline.values()) {
      const limit = runs[0].pipeline.max_active_tasks ?? 16;
      let busy = 0;
      let backfillBusy = 0;
      for (const a of runs) {
        for (const ti of a.tis.values()) {
          if (ti.state === 'queued' || ti.state === 'running') {
            busy++;
            if (a.run.backfillId) backfillBusy++;
          }
        }
      }
      // Scheduled and manual runs first, oldest first; a backfill keeps one slot free for them.
      runs.sort(
        (x, y) =>
          Number(!!x.run.backfillId) - Number(!!y.run.backfillId) ||
          x.run.logicalDate.localeCompare(y.run.logicalDate),
      );
      const backfillLimit = limit > 1 ? limit - 1 : limit;
      for (const a of runs) {
        for (const id of a.order) {
          if (busy >= limit) break;
          const ti = a.tis.get(id) as ActiveTi;
          if (ti.state !== 'scheduled') continue;
          if (a.run.backfillId && backfillBusy >= backfillLimit) break;
          busy++;
          if (a.run.backfillId) backfillBusy++;
          this.startTry(a, ti);
        }
      }
    }
  }

  private finishIfDone(a: ActiveRun): void {
    let unfinished = 0;
    let progressing = 0;
    for (const ti of a.tis.values()) {
      if (FINISHED_TASK_STATES.includes(ti.state)) continue;
      unfinished++;
      if (ti.state !== 'none') progressing++;
    }
    if (unfinished > 0 && progressing > 0) return;
    if (unfinished > 0 && !a.lastPassWasFull) {
      // Before calling it a deadlock, look at every task once more.
      a.fullScan = true;
      this.tick();
      return;
    }
    const now = iso(Date.now());
    if (unfinished > 0) {
      // Nothing runs and nothing can: the rest waits for states that will never come (Airflow's deadlock).
      for (const ti of a.tis.values()) {
        if (ti.state !== 'none') continue;
        ti.state = 'upstream_failed';
        ti.endedAt = now;
        this.store.updateTaskInstance(a.run.runId, ti.taskId, { state: ti.state, ended_at: now });
        this.emitTask(a, ti, null);
      }
    }
    // As in Airflow, the leaves decide: the run failed if a leaf failed or could not run.
    let failed = a.run.cancelled;
    for (const [id, ti] of a.tis) {
      if ((a.downstreamCount.get(id) ?? 0) > 0) continue;
      if (ti.state === 'failed' || ti.state === 'upstream_failed') failed = true;
    }
    this.endRun(a, failed ? 'failed' : 'success');
  }

  private endRun(a: ActiveRun, state: RunState): void {
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

  private tryPaths(a: ActiveRun, taskId: string, tryNumber: number): { logFile: string; tryDir: string } {
    const base = path.join('pipelines', safeName(a.run.pipelineId), safeName(a.run.runId), safeName(taskId));
    return {
      logFile: path.join(base, `try-${tryNumber}.log`).split(path.sep).join('/'),
      tryDir: path.join(this.engineDir, base, `try-${tryNumber}`),
    };
  }

  private startTry(a: ActiveRun, ti: ActiveTi): void {
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
    const job = this.runTry(a, ti, ti.tryNumber, ti.abort, logFile, tryDir).finally(() => {
      this.running.delete(job);
    });
    this.running.add(job);
  }

  private async renderTask(
    a: ActiveRun,
    task: Task,
    tryNumber: number,
  ): Promise<{ task: Task; rendered: Record<string, string>; context: ReturnType<typeof runContext> }> {
    const outputs: Record<string, unknown> = {};
    for (const [id, ti] of a.tis) if (ti.state === 'success' && ti.output !== null) outputs[id] = ti.output;
    const context = runContext({
      runId: a.run.runId,
      logicalDate: new Date(a.run.logicalDate),
      dataIntervalStart: new Date(a.run.dataIntervalStart),
      dataIntervalEnd: new Date(a.run.dataIntervalEnd),
      params: a.run.params,
      outputs,
      pipelineId: a.run.pipelineId,
      taskId: task.id,
      tryNumber,
      workspace: this.options.workspace.root,
    });
    const rendered: Record<string, string> = {};
    const render = (field: string, text: string) => {
      try {
        const out = renderTemplate(text, context);
        rendered[field] = out;
        return out;
      } catch (err) {
        if (err instanceof TemplateError) {
          throw new LakebenchError('PIPELINE_INVALID', `task ${task.id}, ${field}: ${err.message}`, {
            task: task.id,
          });
        }
        throw err;
      }
    };
    const renderEnv = (env: Record<string, string> | undefined) =>
      env ? Object.fromEntries(Object.entries(env).map(([k, v]) => [k, render(`env.${k}`, v)])) : undefined;
    switch (task.type) {
      case 'sql': {
        let text = task.sql;
        if (text === undefined && task.file) {
          const file = this.options.workspace.resolve(task.file);
          text = await readFile(file, 'utf8').catch(() => {
            throw new LakebenchError('NOT_FOUND', `task ${task.id}: there is no SQL file ${task.file}`, {
              task: task.id,
              file: task.file,
            });
          });
        }
        return { task: { ...task, sql: render('sql', text ?? '') }, rendered, context };
      }
      case 'shell':
        return {
          task: {
            ...task,
            command: render('command', task.command),
            env: renderEnv(task.env),
            cwd: task.cwd !== undefined ? render('cwd', task.cwd) : undefined,
          },
          rendered,
          context,
        };
      case 'python':
        // Python code is not templated ({{ }} is Python syntax); it reads the context from LAKEBENCH_* variables.
        return {
          task: { ...task, args: task.args?.map((x, i) => render(`args.${i}`, x)), env: renderEnv(task.env) },
          rendered,
          context,
        };
      case 'notebook':
        return {
          task: {
            ...task,
            parameters: task.parameters
              ? Object.fromEntries(
                  Object.entries(task.parameters).map(([k, v]) => [
                    k,
                    typeof v === 'string' ? render(`parameters.${k}`, v) : v,
                  ]),
                )
              : undefined,
          },
          rendered,
          context,
        };
      default: {
        const never: never = task;
        return never;
      }
    }
  }

  private async runTry(
    a: ActiveRun,
    ti: ActiveTi,
    tryNumber: number,
    abort: AbortController,
    logFile: string,
    tryDir: string,
  ): Promise<void> {
    const runId = a.run.runId;
    const taskId = ti.taskId;
    const task = a.tasks.get(taskId) as Task;
    const settings = a.settings.get(taskId) as EffectiveTaskSettings;
    const logPath = path.join(this.engineDir, logFile);
    await mkdir(path.dirname(logPath), { recursive: true });
    const log: WriteStream = createWriteStream(logPath, { flags: 'a' });
    let pending: string[] = [];
    let flushTimer: NodeJS.Timeout | null = null;
    const flush = () => {
      flushTimer = null;
      if (!pending.length) return;
      const lines = pending;
      pending = [];
      this.options.events.emit('pipelines.onLog', { runId, taskId, tryNumber, lines });
    };
    const writeLine = (line: string) => {
      log.write(`${line}\n`);
      pending.push(line);
      if (!flushTimer) flushTimer = setTimeout(flush, LOG_FLUSH_MS);
    };
    let timeout: NodeJS.Timeout | null = null;
    let trackerTryId: string | null = null;
    try {
      const startedAt = iso(Date.now());
      ti.state = 'running';
      ti.startedAt = startedAt;
      this.store.transaction(() => {
        this.store.updateTaskInstance(runId, taskId, { state: 'running', started_at: startedAt });
        this.store.updateTry(runId, taskId, tryNumber, { state: 'running', started_at: startedAt });
      });
      this.emitTask(a, ti, tryNumber);
      writeLine(`[lakebench] ${taskId} try ${tryNumber} of ${ti.maxTries} started at ${startedAt}`);
      const { task: renderedTask, rendered, context } = await this.renderTask(a, task, tryNumber);
      this.store.updateTry(runId, taskId, tryNumber, { rendered: JSON.stringify(rendered) });
      // The try as rendered is worth showing while it runs, not only once it ended.
      this.emitTask(a, ti, tryNumber);
      if (settings.executionTimeoutMs !== null) {
        timeout = setTimeout(() => {
          abort.abort(
            new LakebenchError(
              'TASK_TIMEOUT',
              `task ${taskId} ran longer than its execution_timeout of ${settings.executionTimeoutMs} ms and was killed`,
              { task: taskId },
            ),
          );
        }, settings.executionTimeoutMs);
      }
      const tracking = this.options.tracking;
      if (tracking && a.trackerRunId) {
        // The try runs untracked when the tracker fails.
        trackerTryId = await tracking.startTry(a.trackerRunId, a.run, taskId, tryNumber).catch((err) => {
          reportError(`try ${tryNumber} of ${taskId} in ${runId} could not be tracked`, err);
          return null;
        });
        if (trackerTryId) this.store.updateTry(runId, taskId, tryNumber, { tracker_run_id: trackerTryId });
      }
      const env: Record<string, string> = {
        ...(tracking ? tracking.env() : {}),
        MLFLOW_EXPERIMENT_NAME: `pipeline:${a.run.pipelineId}`,
        ...(a.trackerRunId ? { MLFLOW_PARENT_RUN_ID: a.trackerRunId } : {}),
        ...(trackerTryId ? { MLFLOW_RUN_ID: trackerTryId } : {}),
        LAKEBENCH_WORKSPACE: this.options.workspace.root,
        LAKEBENCH_PIPELINE_ID: a.run.pipelineId,
        LAKEBENCH_RUN_ID: runId,
        LAKEBENCH_TASK_ID: taskId,
        LAKEBENCH_TRY_NUMBER: String(tryNumber),
        LAKEBENCH_DS: String(context.ds),
        LAKEBENCH_LOGICAL_DATE: String(context.logical_date),
        LAKEBENCH_DATA_INTERVAL_START: String(context.data_interval_start),
        LAKEBENCH_DATA_INTERVAL_END: String(context.data_interval_end),
        LAKEBENCH_PARAMS: JSON.stringify(a.run.params),
        LAKEBENCH_OUTPUTS: JSON.stringify(context.outputs),
      };
      const result = await executeTask({
        task: renderedTask,
        taskId,
        context,
        env,
        signal: abort.signal,
        log: writeLine,
        tryDir,
        workspace: this.options.workspace,
        warehouse: this.options.warehouse,
        python: this.options.python,
        onSpawn: (pid) =>
          this.store.updateTry(runId, taskId, tryNumber, { pid, pid_identity: processIdentity(pid) }),
      });
      if (abort.signal.aborted) throw abort.signal.reason;
      const endedAt = iso(Date.now());
      writeLine(
        `[lakebench] ${taskId} succeeded${result.output !== null ? `; output ${JSON.stringify(result.output)}` : ''}`,
      );
      ti.state = 'success';
      ti.endedAt = endedAt;
      ti.output = result.output;
      const executedNotebook = result.executedNotebook ? this.engineRelative(result.executedNotebook) : null;
      this.store.transaction(() => {
        this.store.updateTry(runId, taskId, tryNumber, {
          state: 'success',
          ended_at: endedAt,
          output: JSON.stringify(result.output),
          exit_code: result.exitCode,
          executed_notebook: executedNotebook,
        });
        this.store.updateTaskInstance(runId, taskId, {
          state: 'success',
          ended_at: endedAt,
          output: JSON.stringify(result.output),
        });
      });
      if (trackerTryId && tracking) {
        const metrics: Record<string, number> = {};
        const out = result.output as Record<string, unknown> | null;
        if (out && typeof out === 'object')
          for (const [k, v] of Object.entries(out)) if (typeof v === 'number') metrics[k] = v;
        void tracking
          .endTry(trackerTryId, 'success', metrics)
          .catch((err) => reportError(`the tracked try ${trackerTryId} could not be ended`, err));
      }
    } catch (err) {
      const endedAt = iso(Date.now());
      const stop = ti.stopReason;
      const data = toErrorData(abort.signal.aborted && abort.signal.reason ? abort.signal.reason : err);
      const { exitCode, executedNotebook } = err as { exitCode?: unknown; executedNotebook?: unknown };
      // How the try ended, whatever happens to the task next; a failed notebook keeps its executed copy.
      const failedTry = {
        state: 'failed' as const,
        ended_at: endedAt,
        error: JSON.stringify(data),
        exit_code: typeof exitCode === 'number' ? exitCode : null,
        executed_notebook:
          typeof executedNotebook === 'string' ? this.engineRelative(executedNotebook) : null,
      };
      writeLine(`[lakebench] ${taskId} try ${tryNumber} failed: ${data.message}`);
      if (trackerTryId && this.options.tracking)
        void this.options.tracking
          .endTry(trackerTryId, 'failed', {})
          .catch((err) => reportError(`the tracked try ${trackerTryId} could not be ended`, err));
      if (stop === 'closed') {
        // Lakebench is closing: the try ends, but it does not count against the task's retries; the task runs
        // again when the workspace opens next.
        ti.state = 'scheduled';
        ti.maxTries += 1;
        this.store.transaction(() => {
          this.store.updateTry(runId, taskId, tryNumber, failedTry);
          this.store.updateTaskInstance(runId, taskId, { state: 'scheduled', max_tries: ti.maxTries });
        });
      } else if (stop) {
        // Cancel, clear and mark set the task's state themselves; the try only records how it ended.
        this.store.updateTry(runId, taskId, tryNumber, failedTry);
        this.emitTask(a, ti, tryNumber);
      } else {
        const retry = tryNumber < ti.maxTries;
        ti.state = retry ? 'up_for_retry' : 'failed';
        ti.endedAt = endedAt;
        ti.nextTryAt = retry ? Date.now() + retryDelayMs(settings, tryNumber) : null;
        if (retry) writeLine(`[lakebench] up for retry at ${iso(ti.nextTryAt as number)}`);
        this.store.transaction(() => {
          this.store.updateTry(runId, taskId, tryNumber, failedTry);
          this.store.updateTaskInstance(runId, taskId, {
            state: ti.state,
            ended_at: endedAt,
            next_try_at: ti.nextTryAt ? iso(ti.nextTryAt) : null,
          });
        });
      }
    } finally {
      if (timeout) clearTimeout(timeout);
      if (flushTimer) clearTimeout(flushTimer);
      flush();
      await new Promise<void>((resolve) => log.end(resolve));
      ti.abort = null;
      this.changed(a, ti);
      if (!ti.stopReason) this.emitTask(a, ti, tryNumber);
      ti.stopReason = null;
      this.tick();
    }
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
      a = this.load(runId) as ActiveRun;
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
    const a = active ?? (this.load(runId) as ActiveRun);
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
      let failed = false;
      for (const [id, ti] of a.tis) {
        if ((a.downstreamCount.get(id) ?? 0) > 0) continue;
        if (ti.state === 'failed' || ti.state === 'upstream_failed') failed = true;
      }
      const runState: RunState = failed ? 'failed' : 'success';
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

  private emitTask(a: ActiveRun, ti: ActiveTi, tryNumber: number | null): void {
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

  /** A path under the engine folder as stored: relative, with forward slashes. */
  private engineRelative(file: string): string {
    return path.relative(this.engineDir, file).split(path.sep).join('/');
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
