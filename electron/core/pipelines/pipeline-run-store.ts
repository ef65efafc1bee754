import type Database from 'better-sqlite3';
import type {
  PipelineRun,
  RunState,
  RunType,
  TaskInstanceSummary,
  TaskState,
  TaskTry,
  TaskType,
  TryState,
} from '../../../shared/pipeline/model';
import { openDatabase } from '../sqlite';

/**
 * `.lakebench/pipelines.db`: every run, task instance and try. A run is unique per pipeline and logical date, so
 * a scheduler that starts twice (or a crash between steps) cannot create a run twice.
 */

const MIGRATIONS: string[] = [
  `CREATE TABLE runs (
     run_id TEXT PRIMARY KEY,
     pipeline_id TEXT NOT NULL,
     run_type TEXT NOT NULL,
     state TEXT NOT NULL,
     logical_date TEXT NOT NULL,
     interval_start TEXT NOT NULL,
     interval_end TEXT NOT NULL,
     queued_at TEXT NOT NULL,
     started_at TEXT,
     ended_at TEXT,
     params TEXT NOT NULL,
     cancelled INTEGER NOT NULL DEFAULT 0,
     backfill_id TEXT,
     task_subset TEXT,
     tracker_run_id TEXT,
     definition TEXT NOT NULL,
     UNIQUE (pipeline_id, logical_date)
   );
   CREATE INDEX runs_by_pipeline ON runs (pipeline_id, logical_date DESC);
   CREATE INDEX runs_active ON runs (state) WHERE state IN ('queued', 'running');
   CREATE TABLE task_instances (
     run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
     task_id TEXT NOT NULL,
     task_type TEXT NOT NULL,
     state TEXT NOT NULL,
     try_number INTEGER NOT NULL DEFAULT 0,
     max_tries INTEGER NOT NULL,
     next_try_at TEXT,
     queued_at TEXT,
     started_at TEXT,
     ended_at TEXT,
     output TEXT,
     PRIMARY KEY (run_id, task_id)
   );
   CREATE TABLE tries (
     run_id TEXT NOT NULL,
     task_id TEXT NOT NULL,
     try_number INTEGER NOT NULL,
     state TEXT NOT NULL,
     queued_at TEXT,
     started_at TEXT,
     ended_at TEXT,
     rendered TEXT NOT NULL DEFAULT '{}',
     output TEXT,
     exit_code INTEGER,
     error TEXT,
     log_file TEXT NOT NULL,
     executed_notebook TEXT,
     tracker_run_id TEXT,
     runner_id TEXT,
     pid INTEGER,
     PRIMARY KEY (run_id, task_id, try_number),
     FOREIGN KEY (run_id, task_id) REFERENCES task_instances (run_id, task_id) ON DELETE CASCADE
   );
   CREATE TABLE runners (
     runner_id TEXT PRIMARY KEY,
     pid INTEGER NOT NULL,
     hostname TEXT NOT NULL,
     started_at TEXT NOT NULL,
     heartbeat_at TEXT NOT NULL
   );
   CREATE TABLE backfills (
     backfill_id TEXT PRIMARY KEY,
     pipeline_id TEXT NOT NULL,
     from_date TEXT NOT NULL,
     to_date TEXT NOT NULL,
     max_active_runs INTEGER NOT NULL,
     task_subset TEXT,
     created_at TEXT NOT NULL
   );`,
  // Who the try's process was (pid plus start time), so recovery never kills a process that reused the pid.
  // Rows from before have none, and their processes are not killed on recovery.
  `ALTER TABLE tries ADD COLUMN pid_identity TEXT;`,
];

interface RunRow {
  run_id: string;
  pipeline_id: string;
  run_type: string;
  state: string;
  logical_date: string;
  interval_start: string;
  interval_end: string;
  queued_at: string;
  started_at: string | null;
  ended_at: string | null;
  params: string;
  cancelled: number;
  backfill_id: string | null;
  task_subset: string | null;
  tracker_run_id: string | null;
  definition: string;
}

interface TaskInstanceRow {
  run_id: string;
  task_id: string;
  task_type: string;
  state: string;
  try_number: number;
  max_tries: number;
  next_try_at: string | null;
  queued_at: string | null;
  started_at: string | null;
  ended_at: string | null;
  output: string | null;
}

interface TryRow {
  run_id: string;
  task_id: string;
  try_number: number;
  state: string;
  queued_at: string | null;
  started_at: string | null;
  ended_at: string | null;
  rendered: string;
  output: string | null;
  exit_code: number | null;
  error: string | null;
  log_file: string;
  executed_notebook: string | null;
  tracker_run_id: string | null;
  runner_id: string | null;
  pid: number | null;
  pid_identity: string | null;
}

function duration(start: string | null, end: string | null): number | null {
  return start && end ? Date.parse(end) - Date.parse(start) : null;
}

function parseJson(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

export function runFromRow(r: RunRow): PipelineRun {
  return {
    runId: r.run_id,
    pipelineId: r.pipeline_id,
    runType: r.run_type as RunType,
    state: r.state as RunState,
    logicalDate: r.logical_date,
    dataIntervalStart: r.interval_start,
    dataIntervalEnd: r.interval_end,
    queuedAt: r.queued_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    durationMs: duration(r.started_at, r.ended_at),
    params: JSON.parse(r.params) as Record<string, unknown>,
    cancelled: r.cancelled === 1,
    backfillId: r.backfill_id,
    taskSubset: r.task_subset ? (JSON.parse(r.task_subset) as string[]) : null,
    trackerRunId: r.tracker_run_id,
  };
}

function tiFromRow(r: TaskInstanceRow): TaskInstanceSummary {
  return {
    runId: r.run_id,
    taskId: r.task_id,
    taskType: r.task_type as TaskType,
    state: r.state as TaskState,
    tryNumber: r.try_number,
    maxTries: r.max_tries,
    nextTryAt: r.next_try_at,
    queuedAt: r.queued_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    durationMs: duration(r.started_at, r.ended_at),
    output: parseJson(r.output),
  };
}

function tryFromRow(r: TryRow, logBytes: (file: string) => number): TaskTry {
  return {
    tryNumber: r.try_number,
    state: r.state as TryState,
    queuedAt: r.queued_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    durationMs: duration(r.started_at, r.ended_at),
    rendered: JSON.parse(r.rendered) as Record<string, string>,
    output: parseJson(r.output),
    exitCode: r.exit_code,
    error: parseJson(r.error) as TaskTry['error'],
    logFile: r.log_file,
    logBytes: logBytes(r.log_file),
    executedNotebook: r.executed_notebook,
    trackerRunId: r.tracker_run_id,
  };
}

export interface NewPipelineRun {
  runId: string;
  pipelineId: string;
  runType: RunType;
  logicalDate: string;
  intervalStart: string;
  intervalEnd: string;
  params: Record<string, unknown>;
  backfillId: string | null;
  taskSubset: string[] | null;
  definition: string;
  tasks: { taskId: string; taskType: TaskType; maxTries: number }[];
}

export interface OrphanTry {
  runId: string;
  taskId: string;
  tryNumber: number;
  pid: number | null;
  /** processIdentity() of the pid when it was spawned; null when it could not be told. */
  pidIdentity: string | null;
  runnerId: string | null;
}

export class PipelineRunStore {
  readonly db: Database.Database;
  private readonly stmts;
  /** Prepared statements by text: the updates build their SET list per call, from a handful of shapes. */
  private readonly prepared = new Map<string, Database.Statement>();

  constructor(file: string) {
    this.db = openDatabase(file);
    // A run, a task's state and a try are acknowledged to clients (and to other runners after a crash) once
    // written; with NORMAL a power loss may take back the last commits under WAL, so every commit is synced.
    this.db.pragma('synchronous = FULL');
    this.migrate();
    const db = this.db;
    this.stmts = {
      run: db.prepare<[string], RunRow>('SELECT * FROM runs WHERE run_id = ?'),
      runByDate: db.prepare<[string, string], RunRow>(
        'SELECT * FROM runs WHERE pipeline_id = ? AND logical_date = ?',
      ),
      insertRun: db.prepare(
        `INSERT INTO runs (run_id, pipeline_id, run_type, state, logical_date, interval_start, interval_end,
           queued_at, params, backfill_id, task_subset, definition)
         VALUES (@runId, @pipelineId, @runType, 'queued', @logicalDate, @intervalStart, @intervalEnd,
           @queuedAt, @params, @backfillId, @taskSubset, @definition)
         ON CONFLICT (pipeline_id, logical_date) DO NOTHING`,
      ),
      insertTi: db.prepare(
        `INSERT INTO task_instances (run_id, task_id, task_type, state, max_tries) VALUES (?, ?, ?, 'none', ?)`,
      ),
      tis: db.prepare<[string], TaskInstanceRow>('SELECT * FROM task_instances WHERE run_id = ?'),
      tries: db.prepare<[string], TryRow>(
        'SELECT * FROM tries WHERE run_id = ? ORDER BY task_id, try_number',
      ),
      triesOf: db.prepare<[string, string], TryRow>(
        'SELECT * FROM tries WHERE run_id = ? AND task_id = ? ORDER BY try_number',
      ),
      tryOf: db.prepare<[string, string, number], TryRow>(
        'SELECT * FROM tries WHERE run_id = ? AND task_id = ? AND try_number = ?',
      ),
      activeRuns: db.prepare<[], RunRow>(
        `SELECT * FROM runs WHERE state IN ('queued', 'running') ORDER BY logical_date`,
      ),
    };
  }

  private prep(sql: string): Database.Statement {
    let stmt = this.prepared.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.prepared.set(sql, stmt);
    }
    return stmt;
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const row = this.db.prepare('SELECT version FROM schema_version').get() as
      { version: number } | undefined;
    let version = row?.version ?? 0;
    if (!row) this.db.prepare('INSERT INTO schema_version (version) VALUES (0)').run();
    while (version < MIGRATIONS.length) {
      const next = version + 1;
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[next - 1]);
        this.db.prepare('UPDATE schema_version SET version = ?').run(next);
      })();
      version = next;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Creates a run and its task instances; returns false (and writes nothing) when the date has a run. */
  createRun(run: NewPipelineRun, now: string): boolean {
    return this.db.transaction(() => {
      const res = this.stmts.insertRun.run({
        ...run,
        queuedAt: now,
        params: JSON.stringify(run.params),
        taskSubset: run.taskSubset ? JSON.stringify(run.taskSubset) : null,
      });
      if (res.changes === 0) return false;
      for (const t of run.tasks) this.stmts.insertTi.run(run.runId, t.taskId, t.taskType, t.maxTries);
      return true;
    })();
  }

  getRunRow(runId: string): RunRow | undefined {
    return this.stmts.run.get(runId);
  }

  getRun(runId: string): PipelineRun | null {
    const r = this.stmts.run.get(runId);
    return r ? runFromRow(r) : null;
  }

  runByDate(pipelineId: string, logicalDate: string): PipelineRun | null {
    const r = this.stmts.runByDate.get(pipelineId, logicalDate);
    return r ? runFromRow(r) : null;
  }

  activeRunRows(): RunRow[] {
    return this.stmts.activeRuns.all();
  }

  taskInstances(runId: string): TaskInstanceSummary[] {
    return this.stmts.tis.all(runId).map(tiFromRow);
  }

  tries(runId: string, logBytes: (file: string) => number): Map<string, TaskTry[]> {
    const out = new Map<string, TaskTry[]>();
    for (const row of this.stmts.tries.all(runId)) {
      const list = out.get(row.task_id) ?? [];
      list.push(tryFromRow(row, logBytes));
      out.set(row.task_id, list);
    }
    return out;
  }

  getTry(
    runId: string,
    taskId: string,
    tryNumber: number,
    logBytes: (file: string) => number,
  ): TaskTry | null {
    const r = this.stmts.tryOf.get(runId, taskId, tryNumber);
    return r ? tryFromRow(r, logBytes) : null;
  }

  triesOf(runId: string, taskId: string, logBytes: (file: string) => number): TaskTry[] {
    return this.stmts.triesOf.all(runId, taskId).map((r) => tryFromRow(r, logBytes));
  }

  updateRun(
    runId: string,
    fields: Partial<{
      state: RunState;
      started_at: string | null;
      ended_at: string | null;
      cancelled: number;
      tracker_run_id: string | null;
      definition: string;
      task_subset: string | null;
      backfill_id: string | null;
    }>,
  ): void {
    const keys = Object.keys(fields);
    if (!keys.length) return;
    this.prep(`UPDATE runs SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE run_id = @runId`).run({
      ...fields,
      runId,
    });
  }

  updateTaskInstance(
    runId: string,
    taskId: string,
    fields: Partial<{
      state: TaskState;
      try_number: number;
      max_tries: number;
      next_try_at: string | null;
      queued_at: string | null;
      started_at: string | null;
      ended_at: string | null;
      output: string | null;
    }>,
  ): void {
    const keys = Object.keys(fields);
    if (!keys.length) return;
    this.prep(
      `UPDATE task_instances SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE run_id = @runId AND task_id = @taskId`,
    ).run({ ...fields, runId, taskId });
  }

  addTaskInstance(runId: string, taskId: string, taskType: TaskType, maxTries: number): void {
    this.prep(
      `INSERT INTO task_instances (run_id, task_id, task_type, state, max_tries) VALUES (?, ?, ?, 'none', ?)
         ON CONFLICT (run_id, task_id) DO NOTHING`,
    ).run(runId, taskId, taskType, maxTries);
  }

  insertTry(row: {
    runId: string;
    taskId: string;
    tryNumber: number;
    state: TryState;
    queuedAt: string;
    logFile: string;
    runnerId: string;
  }): void {
    this.prep(
      `INSERT INTO tries (run_id, task_id, try_number, state, queued_at, log_file, runner_id)
         VALUES (@runId, @taskId, @tryNumber, @state, @queuedAt, @logFile, @runnerId)
         ON CONFLICT (run_id, task_id, try_number) DO UPDATE SET state = excluded.state,
           queued_at = excluded.queued_at, runner_id = excluded.runner_id`,
    ).run(row);
  }

  updateTry(
    runId: string,
    taskId: string,
    tryNumber: number,
    fields: Partial<{
      state: TryState;
      started_at: string | null;
      ended_at: string | null;
      rendered: string;
      output: string | null;
      exit_code: number | null;
      error: string | null;
      executed_notebook: string | null;
      tracker_run_id: string | null;
      pid: number | null;
      pid_identity: string | null;
    }>,
  ): void {
    const keys = Object.keys(fields);
    if (!keys.length) return;
    this.prep(
      `UPDATE tries SET ${keys.map((k) => `${k} = @${k}`).join(', ')}
         WHERE run_id = @runId AND task_id = @taskId AND try_number = @tryNumber`,
    ).run({ ...fields, runId, taskId, tryNumber });
  }

  listRuns(pipelineId: string, limit: number, before?: string): PipelineRun[] {
    const rows = before
      ? (this.prep(
          'SELECT * FROM runs WHERE pipeline_id = ? AND logical_date < ? ORDER BY logical_date DESC LIMIT ?',
        ).all(pipelineId, before, limit) as RunRow[])
      : (this.prep('SELECT * FROM runs WHERE pipeline_id = ? ORDER BY logical_date DESC LIMIT ?').all(
          pipelineId,
          limit,
        ) as RunRow[]);
    return rows.map(runFromRow);
  }

  lastRun(pipelineId: string): PipelineRun | null {
    const r = this.prep('SELECT * FROM runs WHERE pipeline_id = ? ORDER BY queued_at DESC LIMIT 1').get(
      pipelineId,
    ) as RunRow | undefined;
    return r ? runFromRow(r) : null;
  }

  /** The end of the latest scheduled run's data interval (where the scheduler goes on from). */
  lastScheduledIntervalEnd(pipelineId: string): string | null {
    const r = this.prep(
      `SELECT MAX(interval_end) AS e FROM runs WHERE pipeline_id = ? AND run_type = 'scheduled'`,
    ).get(pipelineId) as { e: string | null };
    return r.e;
  }

  hasScheduledRun(pipelineId: string): boolean {
    return !!this.prep(`SELECT 1 FROM runs WHERE pipeline_id = ? AND run_type = 'scheduled' LIMIT 1`).get(
      pipelineId,
    );
  }

  deleteRuns(pipelineId: string): void {
    this.prep('DELETE FROM runs WHERE pipeline_id = ?').run(pipelineId);
  }

  /** Tries that were queued or running under another runner: what a crash left behind. */
  orphanTries(ownRunnerId: string): OrphanTry[] {
    return (
      this.db
        .prepare(
          `SELECT run_id, task_id, try_number, pid, pid_identity, runner_id FROM tries
           WHERE state IN ('queued', 'running') AND (runner_id IS NULL OR runner_id != ?)`,
        )
        .all(ownRunnerId) as {
        run_id: string;
        task_id: string;
        try_number: number;
        pid: number | null;
        pid_identity: string | null;
        runner_id: string | null;
      }[]
    ).map((r) => ({
      runId: r.run_id,
      taskId: r.task_id,
      tryNumber: r.try_number,
      pid: r.pid,
      pidIdentity: r.pid_identity,
      runnerId: r.runner_id,
    }));
  }

  registerRunner(runnerId: string, pid: number, hostname: string, now: string): void {
    this.prep(
      'INSERT INTO runners (runner_id, pid, hostname, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)',
    ).run(runnerId, pid, hostname, now, now);
  }

  heartbeat(runnerId: string, now: string): void {
    this.prep('UPDATE runners SET heartbeat_at = ? WHERE runner_id = ?').run(now, runnerId);
  }

  otherRunners(runnerId: string): { runnerId: string; pid: number; hostname: string; heartbeatAt: string }[] {
    return (
      this.prep('SELECT * FROM runners WHERE runner_id != ?').all(runnerId) as {
        runner_id: string;
        pid: number;
        hostname: string;
        heartbeat_at: string;
      }[]
    ).map((r) => ({ runnerId: r.runner_id, pid: r.pid, hostname: r.hostname, heartbeatAt: r.heartbeat_at }));
  }

  removeRunner(runnerId: string): void {
    this.prep('DELETE FROM runners WHERE runner_id = ?').run(runnerId);
  }

  insertBackfill(b: {
    backfillId: string;
    pipelineId: string;
    from: string;
    to: string;
    maxActiveRuns: number;
    taskSubset: string[] | null;
    now: string;
  }): void {
    this.prep(
      `INSERT INTO backfills (backfill_id, pipeline_id, from_date, to_date, max_active_runs, task_subset, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      b.backfillId,
      b.pipelineId,
      b.from,
      b.to,
      b.maxActiveRuns,
      b.taskSubset ? JSON.stringify(b.taskSubset) : null,
      b.now,
    );
  }

  backfillLimit(backfillId: string): number {
    const r = this.prep('SELECT max_active_runs FROM backfills WHERE backfill_id = ?').get(backfillId) as
      { max_active_runs: number } | undefined;
    return r?.max_active_runs ?? 1;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
