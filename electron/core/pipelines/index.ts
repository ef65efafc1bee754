import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { EventBus, EventSink } from '../../../shared/api/client';
import type { RequestParsedArgs, RequestResult } from '../../../shared/api/contract';
import { LakebenchError } from '../../../shared/errors';
import type { PipelineListItem, PlannedRun } from '../../../shared/pipeline/contract';
import { topologicalOrder } from '../../../shared/pipeline/graph';
import type {
  NodePosition,
  Pipeline,
  PipelineProblem,
  PipelineRun,
  RunState,
  Task,
  TaskInstance,
} from '../../../shared/pipeline/model';
import { parsePipelineYaml, type ParsedPipeline } from '../../../shared/pipeline/parse';
import { describeSchedule, nextRunAt } from '../../../shared/pipeline/schedule';
import { isProcessAlive, pythonExecutable, reportError } from '../runtime';
import type { Warehouse } from '../warehouse';
import type { Workspace } from '../workspace';
import { exportAirflow } from './airflow';
import { executeTask } from './executors';
import { Backfills } from './backfill';
import { PipelineDefinitions, newPipelineYaml, type PipelineFile } from './definitions';
import type { LogsService } from '../logs';
import { PipelineEngine, type RunTracking } from './runner';
import { PipelineScheduler } from './scheduler';
import { PipelineRunStore } from './pipeline-run-store';
import { ManualRuns } from './manual-runs';
import { TaskLogs } from './task-logs';

export type { RunTracking } from './runner';
export type { PipelineFile } from './definitions';

/** A pipeline file as the editor opens it: its text, the pipeline when valid, its problems and node positions. */
export interface PipelineDocument extends ParsedPipeline {
  id: string;
  file: string;
  yaml: string;
  positions: Record<string, NodePosition>;
  mtimeMs: number;
}

/**
 * The pipelines service: definitions (the YAML files), pipeline runs with their task instances and tries, the
 * scheduler and backfills. The API handlers, the CLI and the tests use this interface; the run store, the
 * runner and the scheduler behind it are the service's own.
 */
export interface PipelinesService {
  list(): Promise<PipelineListItem[]>;
  get(id: string): Promise<PipelineDocument>;
  validate(yaml: string, id?: string): ParsedPipeline;
  save(
    id: string,
    yaml: string,
    baseMtimeMs: number | null,
    force?: boolean,
  ): Promise<{ file: string; mtimeMs: number; problems: PipelineProblem[] }>;
  savePositions(id: string, positions: Record<string, NodePosition>): Promise<void>;
  create(
    id: string,
    description?: string,
    yaml?: string,
  ): Promise<{ id: string; file: string; mtimeMs: number }>;
  delete(id: string, deleteRuns: boolean): Promise<Record<string, never>>;
  exportAirflow(id: string, airflow: 2 | 3): Promise<{ python: string; fileName: string }>;

  trigger(id: string, params: Record<string, unknown>, logicalDate?: string): Promise<{ runId: string }>;
  runForDate(
    id: string,
    logicalDate: string | undefined,
    params: Record<string, string>,
    taskIds: string[],
  ): Promise<{ runId: string; action: 'created' | 'resumed' | 'rerun' }>;
  rerun(runId: string): void;
  waitForRun(runId: string): Promise<RunState>;
  getRun(runId: string): { run: PipelineRun; taskInstances: TaskInstance[] };
  listRuns(id: string, limit: number, before?: string): Promise<RequestResult<'pipelines.listRuns'>>;
  cancelRun(runId: string): { cancelled: boolean };
  clearTasks(runId: string, taskIds: string[], downstream: boolean): { cleared: string[] };
  markTasks(
    runId: string,
    taskIds: string[],
    state: 'success' | 'failed',
    downstream: boolean,
  ): { marked: string[] };
  readLog(args: RequestParsedArgs<'pipelines.readLog'>): Promise<RequestResult<'pipelines.readLog'>>;
  searchLog(args: RequestParsedArgs<'pipelines.searchLog'>): Promise<RequestResult<'pipelines.searchLog'>>;

  planBackfill(
    args: RequestParsedArgs<'pipelines.planBackfill'>,
  ): Promise<{ pipeline: Pipeline; runs: PlannedRun[]; taskIds: string[] }>;
  backfill(args: RequestParsedArgs<'pipelines.backfill'>): Promise<{ backfillId: string; runIds: string[] }>;
  cancelBackfill(backfillId: string): { cancelled: number };

  startScheduler(): Promise<number>;
  stopScheduler(): void;
  scheduleDue(now?: Date): Promise<number>;
  close(): Promise<void>;
}

export interface PipelinesOptions {
  tracking?: RunTracking | null;
  /** The logs service: every try's lines and the runner's events are indexed there too. */
  logs?: LogsService | null;
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
    // A server.json being written or left broken names no server: Python tasks then run untracked.
    return {};
  }
}

/** What `runNotebook` needs: the workspace's files and warehouse, and where its lines go. */
export interface HeadlessNotebookRun {
  workspace: Workspace;
  warehouse: Warehouse;
  /** Workspace-relative `.ipynb`. */
  notebook: string;
  parameters: Record<string, string | number | boolean | null>;
  /** Engine-state folder of this run: the executed notebook is written here. */
  runDir: string;
  log: (line: string) => void;
  signal?: AbortSignal;
}

/**
 * Runs a notebook headless, papermill-style, with the engine of pipeline notebook tasks (`lakebench
 * run-notebook`): SQL cells in the warehouse, Python cells in a fresh kernel, parameters injected. Resolves with
 * the executed notebook's path; a failed cell rejects with its error (which names the cell and carries
 * `executedNotebook`).
 */
export async function runNotebook(run: HeadlessNotebookRun): Promise<{ executedNotebook: string }> {
  const now = new Date();
  const result = await executeTask({
    task: { id: 'notebook', type: 'notebook', notebook: run.notebook, parameters: run.parameters } as Task,
    taskId: 'notebook',
    context: { ds: now.toISOString().slice(0, 10), params: {}, outputs: {} },
    env: {
      ...trackingEnvFromServerJson(run.workspace.engineDir),
      LAKEBENCH_WORKSPACE: run.workspace.root,
    },
    signal: run.signal ?? new AbortController().signal,
    log: run.log,
    tryDir: run.runDir,
    workspace: run.workspace,
    warehouse: run.warehouse,
    python: pythonExecutable(run.workspace.settings as Record<string, unknown>),
  });
  return { executedNotebook: result.executedNotebook as string };
}

/**
 * The problems of every pipeline file of a workspace, in file order, with how many files there are: what
 * `lakebench validate` checks. It reads the files only (no run store, no runner).
 */
export async function workspacePipelineProblems(
  workspace: Workspace,
): Promise<{ pipelines: number; problems: PipelineProblem[] }> {
  const defs = new PipelineDefinitions(workspace);
  const ids = await defs.ids();
  const problems: PipelineProblem[] = [];
  for (const id of ids) problems.push(...(await defs.read(id)).problems);
  return { pipelines: ids.length, problems };
}

/** A pipeline of a workspace as an Airflow DAG file, from its files alone (`lakebench export-airflow`). */
export async function airflowDagOf(workspace: Workspace, id: string, airflow: 2 | 3): Promise<string> {
  return exportAirflow(await new PipelineDefinitions(workspace).load(id), { airflow });
}

/**
 * The pipelines of an open workspace: their files, the run store, the runner and the scheduler. The app, the
 * server, the CLI and the tests use this one object.
 */
export class Pipelines implements PipelinesService {
  private readonly definitions: PipelineDefinitions;
  private readonly store: PipelineRunStore;
  private readonly engine: PipelineEngine;
  private readonly scheduler: PipelineScheduler;
  private readonly backfills: Backfills;
  private readonly logs: TaskLogs;
  private readonly manualRuns: ManualRuns;
  private unsubscribe: () => void = () => undefined;
  private gapFill: Promise<void> = Promise.resolve();

  private constructor(
    workspace: Workspace,
    warehouse: Warehouse,
    private readonly events: EventSink,
    options: PipelinesOptions,
  ) {
    this.definitions = new PipelineDefinitions(workspace);
    this.store = new PipelineRunStore(path.join(workspace.engineDir, 'pipelines.db'));
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
        if (name === 'pipelines.onRunChanged') this.scheduler.runChanged(payload as PipelineRun);
      },
    };
    this.engine = new PipelineEngine({
      workspace,
      warehouse,
      store: this.store,
      events: forward,
      python: pythonExecutable(workspace.settings as Record<string, unknown>),
      tracking,
      logs: options.logs ?? null,
    });
    this.scheduler = new PipelineScheduler(
      this.definitions,
      this.store,
      this.engine,
      (id) => this.readDefinition(id),
      options.logs ?? null,
    );
    this.backfills = new Backfills(this.definitions, this.store, this.engine);
    this.logs = new TaskLogs(this.store, workspace.engineDir);
    this.manualRuns = new ManualRuns(this.definitions, this.store, this.engine);
  }

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

  /** Opens the store and resumes unfinished runs (orphaned tries of a crashed process are recovered first). */
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
    const logs = options.logs;
    if (logs)
      p.gapFill = p
        .fillLogGaps(logs, workspace.engineDir)
        .catch((err: unknown) => reportError('the logs of unfinished runs could not be indexed', err));
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
    this.scheduler.stop();
    await this.engine.close();
    await this.gapFill;
    this.store.close();
  }

  /**
   * Indexes the lines of unfinished runs' tries that their raw logs hold and the logs service lacks: those a
   * crash kept from reaching the index (recovery has run, so an orphaned try counts as ended).
   */
  private async fillLogGaps(logs: LogsService, engineDir: string): Promise<void> {
    for (const run of this.store.activeRunRows()) {
      for (const [taskId, tries] of this.store.tries(run.run_id, () => 0)) {
        for (const t of tries) {
          const file = path.join(engineDir, t.logFile);
          if (!existsSync(file)) continue;
          const source = {
            kind: 'pipeline' as const,
            pipelineId: run.pipeline_id,
            runId: run.run_id,
            taskId,
            tryNumber: t.tryNumber,
          };
          await logs.fillFromRawLog(file, source, {
            complete: t.state === 'success' || t.state === 'failed',
          });
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------------------------
  // Scheduler
  // ------------------------------------------------------------------------------------------------------

  /** Starts the scheduler: catchup now, then a look every few seconds. */
  startScheduler(): Promise<number> {
    return this.scheduler.start();
  }

  stopScheduler(): void {
    this.scheduler.stop();
  }

  /** Creates the scheduled runs that are due at `now`; returns how many. */
  scheduleDue(now = new Date()): Promise<number> {
    return this.scheduler.scheduleDue(now);
  }

  // ------------------------------------------------------------------------------------------------------
  // Runs
  // ------------------------------------------------------------------------------------------------------

  trigger(id: string, params: Record<string, unknown>, logicalDate?: string): Promise<{ runId: string }> {
    return this.manualRuns.trigger(id, params, logicalDate);
  }

  /** Runs every task of an existing finished run again (the CLI's rerun of a date). */
  rerun(runId: string): void {
    this.manualRuns.rerun(runId);
  }

  /** The command line's run of a date (see ManualRuns.runForDate). */
  runForDate(
    id: string,
    logicalDate: string | undefined,
    params: Record<string, string>,
    taskIds: string[],
  ): Promise<{ runId: string; action: 'created' | 'resumed' | 'rerun' }> {
    return this.manualRuns.runForDate(id, logicalDate, params, taskIds);
  }

  cancelRun(runId: string): { cancelled: boolean } {
    return this.engine.cancelRun(runId);
  }

  clearTasks(runId: string, taskIds: string[], downstream: boolean): { cleared: string[] } {
    return this.engine.clearTasks(runId, taskIds, downstream);
  }

  markTasks(
    runId: string,
    taskIds: string[],
    state: 'success' | 'failed',
    downstream: boolean,
  ): { marked: string[] } {
    return this.engine.markTasks(runId, taskIds, state, downstream);
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

  planBackfill(
    args: RequestParsedArgs<'pipelines.planBackfill'>,
  ): Promise<{ pipeline: Pipeline; runs: PlannedRun[]; taskIds: string[] }> {
    return this.backfills.plan(args);
  }

  backfill(args: RequestParsedArgs<'pipelines.backfill'>): Promise<{ backfillId: string; runIds: string[] }> {
    return this.backfills.start(args);
  }

  cancelBackfill(backfillId: string): { cancelled: number } {
    return this.backfills.cancel(backfillId);
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

  async get(id: string): Promise<PipelineDocument> {
    const def = await this.definitions.read(id);
    return {
      id: def.id,
      file: def.file,
      yaml: def.yaml,
      pipeline: def.pipeline,
      problems: def.problems,
      sources: def.sources,
      positions: await this.definitions.positions(id),
      mtimeMs: def.mtimeMs,
    };
  }

  validate(yaml: string, id?: string): ParsedPipeline {
    const file = id ? this.definitions.fileOf(id) : undefined;
    return parsePipelineYaml(yaml, { file, expectedId: id });
  }

  save(
    id: string,
    yaml: string,
    baseMtimeMs: number | null,
    force = false,
  ): Promise<{ file: string; mtimeMs: number; problems: PipelineProblem[] }> {
    return this.definitions.save(id, yaml, baseMtimeMs, force);
  }

  savePositions(id: string, positions: Record<string, NodePosition>): Promise<void> {
    return this.definitions.savePositions(id, positions);
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

  readLog(args: RequestParsedArgs<'pipelines.readLog'>): Promise<RequestResult<'pipelines.readLog'>> {
    return this.logs.read(args);
  }

  searchLog(args: RequestParsedArgs<'pipelines.searchLog'>): Promise<RequestResult<'pipelines.searchLog'>> {
    return this.logs.search(args);
  }
}

/** Pipeline runs recorded in the run tracker, as the core wires them. */
export { trackerTracking } from './tracking';
