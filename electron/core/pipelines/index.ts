import { existsSync, readFileSync } from 'node:fs';
import { open as openFile, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { EventBus, EventSink } from '../../../shared/api/client';
import type { RequestParsedArgs, RequestResult } from '../../../shared/api/contract';
import { LakebenchError } from '../../../shared/errors';
import type { PipelineListItem, PlannedRun } from '../../../shared/pipeline/contract';
import { topologicalOrder } from '../../../shared/pipeline/graph';
import type { Pipeline, PipelineRun, RunState, TaskInstance } from '../../../shared/pipeline/model';
import { parsePipelineYaml, resolveParams } from '../../../shared/pipeline/parse';
import {
  describeSchedule,
  interpretSchedule,
  intervalStartingAt,
  intervalsEndingBetween,
  intervalsStartingBetween,
  latestCompleteInterval,
  nextRunAt,
  parsePipelineDate,
} from '../../../shared/pipeline/schedule';
import type { Warehouse } from '../warehouse';
import type { Workspace } from '../workspace';
import { exportAirflow } from './airflow';
import { PipelineDefinitions, newPipelineYaml, type PipelineFile } from './definitions';
import { isProcessAlive, pythonExecutable, reportError } from '../runtime';
import { PipelineEngine, type RunTracking } from './runner';
import { RunStore } from './store';

const SCHEDULER_INTERVAL_MS = 15_000;
/** A catchup or backfill creates at most this many runs at once. */
const MAX_RUNS_PER_REQUEST = 5000;

export interface PipelinesOptions {
  tracking?: RunTracking | null;
}

/** MLflow variables for Python tasks, from the running server's `.lakebench/server.json`. */
export function trackingEnvFromServerJson(engineDir: string): Record<string, string> {
  const file = path.join(engineDir, 'server.json');
  if (!existsSync(file)) return {};
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as { port?: number; token?: string; pid?: number };
    if (typeof s.port !== 'number' || (typeof s.pid === 'number' && !isProcessAlive(s.pid))) return {};
    return {
      MLFLOW_TRACKING_URI: `http://127.0.0.1:${s.port}`,
      ...(s.token ? { MLFLOW_TRACKING_TOKEN: s.token } : {}),
    };
  } catch {
    return {};
  }
}

/**
 * The pipelines of an open workspace: their files, the run store, the runner and the scheduler. The app, the
 * server, the CLI and the tests use this one object.
 */
export class Pipelines {
  readonly definitions: PipelineDefinitions;
  readonly store: RunStore;
  readonly engine: PipelineEngine;
  private schedulerTimer: NodeJS.Timeout | null = null;
  private unsubscribe: () => void = () => undefined;

  private constructor(
    readonly workspace: Workspace,
    readonly warehouse: Warehouse,
    private readonly events: EventSink,
    options: PipelinesOptions,
  ) {
    this.definitions = new PipelineDefinitions(workspace);
    this.store = new RunStore(path.join(workspace.engineDir, 'pipelines.db'));
    const tracking: RunTracking | null = options.tracking ?? {
      startRun: async () => null,
      endRun: async () => undefined,
      startTry: async () => null,
      endTry: async () => undefined,
      env: () => trackingEnvFromServerJson(workspace.engineDir),
    };
    // Run events pass through here, so a @continuous pipeline starts its next run as soon as one ends.
    const forward: EventSink = {
      emit: (name, payload, to) => {
        events.emit(name, payload, to);
        if (name === 'pipelines.onRunChanged') this.runChanged(payload as PipelineRun);
      },
    };
    this.engine = new PipelineEngine({
      workspace,
      warehouse,
      store: this.store,
      events: forward,
      python: pythonExecutable(workspace.settings as Record<string, unknown>),
      tracking,
    });
  }

  /** Opens the store and resumes unfinished runs (orphaned tries of a crashed process are recovered first). */
  /**
   * Turns the workspace's file changes into `pipelines.onDefinitionsChanged`, so an open editor learns that its
   * file changed on disk.
   */
  private watchDefinitions(): void {
    const bus = this.events as EventSink & { subscribe?: EventBus['subscribe'] };
    if (!bus.subscribe) return;
    this.unsubscribe = bus.subscribe((name, payload) => {
      if (name !== 'workspace.onFilesChanged') return;
      const ids = new Set<string>();
      for (const p of (payload as { paths: string[] }).paths) {
        const m = /^pipelines\/([^/]+)\.(ya?ml|layout\.json)$/.exec(p);
        if (m) ids.add(m[1].replace(/\.layout$/, ''));
      }
      if (ids.size) this.events.emit('pipelines.onDefinitionsChanged', { ids: [...ids].sort() });
    });
  }

  static open(
    workspace: Workspace,
    warehouse: Warehouse,
    events: EventSink,
    options: PipelinesOptions = {},
  ): Pipelines {
    const p = new Pipelines(workspace, warehouse, events, options);
    try {
      p.engine.start();
      p.watchDefinitions();
    } catch (err) {
      p.store.close();
      throw err;
    }
    return p;
  }

  /**
   * A pipeline file for a look over every pipeline (listing, scheduling): one that vanished since the folder was
   * read is passed over, and one that cannot be read is told about and passed over, so the others still work.
   */
  private async readDefinition(id: string): Promise<PipelineFile | null> {
    try {
      return await this.definitions.read(id);
    } catch (err) {
      if ((err as { code?: string }).code !== 'NOT_FOUND')
        reportError(`pipeline ${id} could not be read`, err);
      return null;
    }
  }

  async close(): Promise<void> {
    this.unsubscribe();
    this.stopScheduler();
    await this.engine.close();
    this.store.close();
  }

  // ------------------------------------------------------------------------------------------------------
  // Scheduler
  // ------------------------------------------------------------------------------------------------------

  /** Starts the scheduler: catchup now, then a look every few seconds. */
  async startScheduler(): Promise<number> {
    const created = await this.scheduleDue();
    this.schedulerTimer = setInterval(
      () =>
        void this.scheduleDue().catch((err) => reportError('the scheduler failed a look for due runs', err)),
      SCHEDULER_INTERVAL_MS,
    );
    this.schedulerTimer.unref();
    return created;
  }

  private runChanged(run: PipelineRun): void {
    if (!this.schedulerTimer || (run.state !== 'success' && run.state !== 'failed')) return;
    setImmediate(() => {
      if (!this.schedulerTimer) return;
      void this.definitions
        .read(run.pipelineId)
        .then((def) => {
          if (
            def.pipeline &&
            this.schedulerTimer &&
            interpretSchedule(def.pipeline.schedule).kind === 'continuous'
          )
            this.scheduleOne(def.pipeline, new Date());
        })
        .catch((err) => reportError(`the next run of ${run.pipelineId} could not be started`, err));
    });
  }

  stopScheduler(): void {
    if (this.schedulerTimer) clearInterval(this.schedulerTimer);
    this.schedulerTimer = null;
  }

  /**
   * Creates the scheduled runs that are due at `now`: with catchup, every interval that ended since the last
   * scheduled run (or since start_date); without, only the latest one. Each logical date gets one run at most.
   */
  async scheduleDue(now = new Date()): Promise<number> {
    let created = 0;
    for (const id of await this.definitions.ids()) {
      const def = await this.readDefinition(id);
      if (!def?.pipeline) continue;
      created += this.scheduleOne(def.pipeline, now);
    }
    return created;
  }

  scheduleOne(pipeline: Pipeline, now: Date): number {
    const kind = interpretSchedule(pipeline.schedule);
    const params = resolveParams(pipeline, {});
    const tz = pipeline.timezone ?? 'UTC';
    let created = 0;
    const create = (start: Date, end: Date) => {
      const id = this.engine.createRun({
        pipeline,
        runType: 'scheduled',
        logicalDate: start,
        intervalStart: start,
        intervalEnd: end,
        params,
      });
      if (id) created++;
    };
    if (kind.kind === 'once') {
      if (this.store.hasScheduledRun(pipeline.id)) return 0;
      const start = pipeline.start_date ? parsePipelineDate(pipeline.start_date, tz) : now;
      if (start.getTime() <= now.getTime()) create(start, start);
      return created;
    }
    if (kind.kind === 'continuous') {
      if (this.engine.activeRunsOf(pipeline.id).length > 0) return 0;
      if (pipeline.start_date && parsePipelineDate(pipeline.start_date, tz).getTime() > now.getTime())
        return 0;
      create(now, now);
      return created;
    }
    if (kind.kind !== 'cron') return 0;
    const lastEnd = this.store.lastScheduledIntervalEnd(pipeline.id);
    if (pipeline.catchup) {
      const after = lastEnd ? new Date(lastEnd) : null;
      for (const i of intervalsEndingBetween(pipeline, after, now, MAX_RUNS_PER_REQUEST))
        create(i.start, i.end);
    } else {
      const latest = latestCompleteInterval(pipeline, now);
      if (latest && (!lastEnd || latest.end.getTime() > Date.parse(lastEnd)))
        create(latest.start, latest.end);
    }
    return created;
  }

  // ------------------------------------------------------------------------------------------------------
  // Runs
  // ------------------------------------------------------------------------------------------------------

  async trigger(
    id: string,
    paramsIn: Record<string, unknown>,
    logicalDate?: string,
  ): Promise<{ runId: string }> {
    const pipeline = await this.definitions.load(id);
    let params: Record<string, unknown>;
    try {
      params = resolveParams(pipeline, paramsIn);
    } catch (err) {
      throw new LakebenchError('PIPELINE_PARAM_INVALID', (err as Error).message, {
        file: this.definitions.fileOf(id),
      });
    }
    const tz = pipeline.timezone ?? 'UTC';
    let interval: { start: Date; end: Date };
    let date: Date;
    if (logicalDate) {
      date = parsePipelineDate(logicalDate, tz);
      interval = intervalStartingAt(pipeline, date);
    } else {
      date = new Date();
      // A manual run's data interval is the latest complete one, as Airflow's manual runs infer it.
      interval = latestCompleteInterval(
        { ...pipeline, start_date: undefined, end_date: undefined },
        date,
      ) ?? {
        start: date,
        end: date,
      };
    }
    const existing = this.store.runByDate(id, date.toISOString());
    if (existing) {
      throw new LakebenchError(
        'PIPELINE_RUN_EXISTS',
        `${id} has a run for ${date.toISOString()} already (${existing.runId}); clear its tasks to run it again`,
      );
    }
    const runId = this.engine.createRun({
      pipeline,
      runType: 'manual',
      logicalDate: date,
      intervalStart: interval.start,
      intervalEnd: interval.end,
      params,
    });
    if (!runId)
      throw new LakebenchError('PIPELINE_RUN_EXISTS', `${id} has a run for ${date.toISOString()} already`);
    return { runId };
  }

  /** Runs every task of an existing finished run again (the CLI's rerun of a date). */
  rerun(runId: string): void {
    const a = this.store.getRun(runId);
    if (!a) throw new LakebenchError('NOT_FOUND', `There is no run ${runId}`);
    const ids = this.store.taskInstances(runId).map((t) => t.taskId);
    if (ids.length) this.engine.clearTasks(runId, ids, false);
  }

  waitForRun(runId: string): Promise<RunState> {
    return this.engine.waitForRun(runId);
  }

  getRun(runId: string): { run: PipelineRun; taskInstances: TaskInstance[] } {
    const run = this.store.getRun(runId);
    if (!run) throw new LakebenchError('NOT_FOUND', `There is no run ${runId}`);
    const tries = this.store.tries(runId, (f) => this.engine.logBytes(f));
    const order = topologicalOrder(
      (JSON.parse(this.store.getRunRow(runId)?.definition ?? '{"tasks":[]}') as Pipeline).tasks,
    );
    const rank = new Map(order.map((id, i) => [id, i]));
    const taskInstances = this.store
      .taskInstances(runId)
      .sort((a, b) => (rank.get(a.taskId) ?? 1e9) - (rank.get(b.taskId) ?? 1e9))
      .map((ti) => ({ ...ti, tries: tries.get(ti.taskId) ?? [] }));
    return { run, taskInstances };
  }

  async listRuns(id: string, limit: number, before?: string): Promise<RequestResult<'pipelines.listRuns'>> {
    const runs = this.store
      .listRuns(id, limit, before)
      .map((r) => ({ ...r, tasks: this.store.taskInstances(r.runId) }));
    const def = await this.readDefinition(id);
    const taskIds = def?.pipeline ? topologicalOrder(def.pipeline.tasks) : [];
    const seen = new Set(taskIds);
    for (const r of runs)
      for (const t of r.tasks)
        if (!seen.has(t.taskId)) {
          seen.add(t.taskId);
          taskIds.push(t.taskId);
        }
    return { runs, taskIds };
  }

  // ------------------------------------------------------------------------------------------------------
  // Backfill
  // ------------------------------------------------------------------------------------------------------

  async planBackfill(
    args: RequestParsedArgs<'pipelines.planBackfill'>,
  ): Promise<{ pipeline: Pipeline; runs: PlannedRun[]; taskIds: string[] }> {
    const pipeline = await this.definitions.load(args.id);
    const tz = pipeline.timezone ?? 'UTC';
    const from = parsePipelineDate(args.from, tz);
    const to = parsePipelineDate(args.to, tz);
    if (to < from)
      throw new LakebenchError('INVALID_REQUEST', `--to (${args.to}) is before --from (${args.from})`);
    const kind = interpretSchedule(pipeline.schedule);
    if (kind.kind !== 'cron') {
      throw new LakebenchError(
        'INVALID_REQUEST',
        `${args.id} has no cron schedule, so it has no intervals to backfill`,
        {
          file: this.definitions.fileOf(args.id),
        },
      );
    }
    for (const t of args.taskIds ?? []) {
      if (!pipeline.tasks.some((x) => x.id === t)) {
        throw new LakebenchError('NOT_FOUND', `${args.id} has no task ${t}`, { task: t });
      }
    }
    const intervals = intervalsStartingBetween(pipeline, from, to, MAX_RUNS_PER_REQUEST + 1);
    if (intervals.length > MAX_RUNS_PER_REQUEST) {
      throw new LakebenchError(
        'INVALID_REQUEST',
        `the range has more than ${MAX_RUNS_PER_REQUEST} intervals; backfill a shorter range`,
      );
    }
    const order = topologicalOrder(pipeline.tasks);
    const chosen = args.taskIds ? order.filter((t) => args.taskIds?.includes(t)) : order;
    const runs: PlannedRun[] = intervals.map((i) => {
      const planned = {
        logicalDate: i.start.toISOString(),
        dataIntervalStart: i.start.toISOString(),
        dataIntervalEnd: i.end.toISOString(),
      };
      const existing = this.store.runByDate(args.id, i.start.toISOString());
      if (!existing) return { ...planned, action: 'create', existingRunId: null, taskIds: chosen };
      const busy = existing.state === 'running' || existing.state === 'queued';
      const skip = { ...planned, action: 'skip' as const, existingRunId: existing.runId, taskIds: [] };
      if (busy) return skip;
      if (args.rerunExisting) return { ...skip, action: 'rerun', taskIds: chosen };
      // As Airflow's backfill does with a DAG run that exists: the tasks it has no instance of run in it.
      const has = new Set(this.store.taskInstances(existing.runId).map((t) => t.taskId));
      const missing = chosen.filter((t) => !has.has(t));
      return missing.length ? { ...skip, action: 'fill', taskIds: missing } : skip;
    });
    return { pipeline, runs, taskIds: chosen };
  }

  async backfill(
    args: RequestParsedArgs<'pipelines.backfill'>,
  ): Promise<{ backfillId: string; runIds: string[] }> {
    const plan = await this.planBackfill(args);
    const backfillId = `backfill__${args.id}__${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;
    this.store.insertBackfill({
      backfillId,
      pipelineId: args.id,
      from: args.from,
      to: args.to,
      maxActiveRuns: args.maxActiveRuns,
      taskSubset: args.taskIds ?? null,
      now: new Date().toISOString(),
    });
    const params = resolveParams(plan.pipeline, {});
    const runIds: string[] = [];
    for (const r of plan.runs) {
      if (r.action === 'create') {
        const id = this.engine.createRun({
          pipeline: plan.pipeline,
          runType: 'backfill',
          logicalDate: new Date(r.logicalDate),
          intervalStart: new Date(r.dataIntervalStart),
          intervalEnd: new Date(r.dataIntervalEnd),
          params,
          backfillId,
          taskSubset: args.taskIds ?? null,
        });
        if (id) runIds.push(id);
      } else if ((r.action === 'rerun' || r.action === 'fill') && r.existingRunId) {
        this.runInExistingRun(r.existingRunId, plan.pipeline, r.taskIds, backfillId);
        runIds.push(r.existingRunId);
      }
    }
    return { backfillId, runIds };
  }

  /**
   * Runs tasks again (or for the first time) in a run that exists. The run takes the pipeline as it is now (e.g.
   * with a task just added), includes those tasks if it was limited to others, and joins the backfill, so the
   * backfill's limit holds for it and it never takes the slots scheduled and manual runs need.
   */
  private runInExistingRun(runId: string, pipeline: Pipeline, taskIds: string[], backfillId: string): void {
    const run = this.store.getRun(runId);
    if (!run) throw new LakebenchError('NOT_FOUND', `There is no run ${runId}`);
    const union = new Set([...(run.taskSubset ?? []), ...taskIds]);
    const subset =
      run.taskSubset && pipeline.tasks.some((t) => !union.has(t.id))
        ? topologicalOrder(pipeline.tasks).filter((t) => union.has(t))
        : null;
    this.store.updateRun(runId, {
      // Its duration is the new run's, not the time since it first started.
      started_at: null,
      definition: JSON.stringify(pipeline),
      task_subset: subset ? JSON.stringify(subset) : null,
      backfill_id: backfillId,
    });
    this.engine.clearTasks(runId, taskIds, false);
  }

  cancelBackfill(backfillId: string): { cancelled: number } {
    let cancelled = 0;
    for (const runId of this.engine.activeRunIds()) {
      const run = this.store.getRun(runId);
      if (run?.backfillId === backfillId) {
        this.engine.cancelRun(runId);
        cancelled++;
      }
    }
    return { cancelled };
  }

  // ------------------------------------------------------------------------------------------------------
  // Definitions and logs
  // ------------------------------------------------------------------------------------------------------

  async list(): Promise<PipelineListItem[]> {
    const out: PipelineListItem[] = [];
    const now = new Date();
    for (const id of await this.definitions.ids()) {
      const def = await this.readDefinition(id);
      if (!def) continue;
      const raw = def.pipeline ?? (parsePipelineYaml(def.yaml).pipeline as Pipeline | null);
      const last = this.store.lastRun(id);
      let next: Date | null = null;
      if (def.pipeline) {
        try {
          next = nextRunAt(def.pipeline, now);
        } catch {
          next = null;
        }
      }
      out.push({
        id,
        file: def.file,
        description: raw?.description ?? null,
        schedule: raw?.schedule ?? null,
        scheduleText: describeSchedule(raw?.schedule),
        timezone: raw?.timezone ?? 'UTC',
        nextRunAt: next ? next.toISOString() : null,
        lastRun: last
          ? { runId: last.runId, state: last.state, logicalDate: last.logicalDate, endedAt: last.endedAt }
          : null,
        taskCount: raw?.tasks?.length ?? 0,
        problems: def.problems.length,
        mtimeMs: def.mtimeMs,
      });
    }
    return out;
  }

  async create(
    id: string,
    description?: string,
    yaml?: string,
  ): Promise<{ id: string; file: string; mtimeMs: number }> {
    return this.definitions.create(id, yaml ?? newPipelineYaml(id, description));
  }

  async delete(id: string, deleteRuns: boolean): Promise<Record<string, never>> {
    for (const run of this.engine.activeRunsOf(id)) this.engine.cancelRun(run.runId);
    await this.definitions.delete(id);
    if (deleteRuns) this.store.deleteRuns(id);
    return {};
  }

  async exportAirflow(id: string, airflow: 2 | 3): Promise<{ python: string; fileName: string }> {
    const pipeline = await this.definitions.load(id);
    return {
      python: exportAirflow(pipeline, { airflow }),
      fileName: `${id.replace(/[^A-Za-z0-9_]/g, '_')}.py`,
    };
  }

  private logFileOf(runId: string, taskId: string, tryNumber: number): { file: string; complete: boolean } {
    const t = this.store.getTry(runId, taskId, tryNumber, () => 0);
    if (!t)
      throw new LakebenchError('NOT_FOUND', `run ${runId} has no try ${tryNumber} of ${taskId}`, {
        task: taskId,
      });
    return {
      file: path.join(this.workspace.engineDir, t.logFile),
      complete: t.state === 'success' || t.state === 'failed',
    };
  }

  async readLog(args: RequestParsedArgs<'pipelines.readLog'>): Promise<RequestResult<'pipelines.readLog'>> {
    const { file, complete } = this.logFileOf(args.runId, args.taskId, args.tryNumber);
    // A try that has not written a line yet has no log file: an empty log.
    const size = (await stat(file).catch(() => null))?.size ?? 0;
    if (args.offset >= size) return { text: '', nextOffset: size, size, complete };
    const handle = await openFile(file, 'r');
    try {
      const length = Math.min(args.maxBytes, size - args.offset);
      const buf = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buf, 0, length, args.offset);
      // Stop at the last whole UTF-8 character, so a tail never splits one.
      let end = bytesRead;
      if (args.offset + end < size) {
        while (end > 0 && (buf[end - 1] & 0xc0) === 0x80) end--;
        if (end > 0 && buf[end - 1] >= 0xc0) end--;
      }
      return { text: buf.subarray(0, end).toString('utf8'), nextOffset: args.offset + end, size, complete };
    } finally {
      await handle.close();
    }
  }

  async searchLog(
    args: RequestParsedArgs<'pipelines.searchLog'>,
  ): Promise<RequestResult<'pipelines.searchLog'>> {
    let matcher: (line: string) => boolean;
    if (args.regex) {
      let re: RegExp;
      try {
        re = new RegExp(args.query, args.caseSensitive ? '' : 'i');
      } catch (err) {
        throw new LakebenchError(
          'INVALID_REQUEST',
          `the search is not a valid regular expression: ${(err as Error).message}`,
        );
      }
      matcher = (l) => re.test(l);
    } else {
      const q = args.caseSensitive ? args.query : args.query.toLowerCase();
      matcher = (l) => (args.caseSensitive ? l : l.toLowerCase()).includes(q);
    }
    const tries = this.store
      .triesOf(args.runId, args.taskId, () => 0)
      .filter((t) => args.tryNumber === undefined || t.tryNumber === args.tryNumber);
    if (!tries.length)
      throw new LakebenchError('NOT_FOUND', `run ${args.runId} has no such try of ${args.taskId}`, {
        task: args.taskId,
      });
    const matches: RequestResult<'pipelines.searchLog'>['matches'] = [];
    let total = 0;
    for (const t of tries) {
      // A try that never wrote a line has no log file, and so no matches.
      const text = await readFile(path.join(this.workspace.engineDir, t.logFile), 'utf8').catch(() => '');
      const lines = text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      for (let i = 0; i < lines.length; i++) {
        if (!matcher(lines[i])) continue;
        // Past the limit the matches are only counted, so the user learns how many there are.
        if (total++ >= args.limit) continue;
        matches.push({
          tryNumber: t.tryNumber,
          line: i + 1,
          text: lines[i],
          before: lines.slice(Math.max(0, i - args.context), i),
          after: lines.slice(i + 1, i + 1 + args.context),
        });
      }
    }
    return { matches, total, truncated: total > matches.length };
  }
}
