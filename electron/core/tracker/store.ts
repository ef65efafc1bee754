import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { LakebenchError } from '../../../shared/errors';
import {
  TAG,
  type Experiment,
  type MetricSeries,
  type MetricXAxis,
  type Run,
  type RunKeys,
  type RunStatus,
  type RunViewType,
  RUN_STATUSES,
} from '../../../shared/tracker/model';
import { listRunKeys, searchRunIds, type SearchRunsInput } from './run-search';

export type { SearchRunsInput } from './run-search';

import { getRuns, readRuns, type TrackedRunRow } from './run-reader';
import * as metricReads from './metric-reads';
import type { RunSelect } from '../../../shared/tracker/contract';
import { migrate } from './schema';
import { openDatabase } from '../sqlite';
import {
  LIMITS,
  checkEntityName,
  checkName,
  checkParamValue,
  checkTagValue,
  invalid,
  metricInteger,
  metricValue,
} from './validate';

/** A batch's checked metric points, column by column; the arrays are reused from batch to batch. */
interface MetricPoints {
  keys: (string | undefined)[];
  steps: Float64Array;
  timestamps: Float64Array;
  values: Float64Array;
  length: number;
}

export interface LogBatchInput {
  metrics?: unknown[];
  params?: unknown[];
  tags?: unknown[];
}

export interface CreateRunInput {
  experimentId: string;
  userId?: string;
  runName?: string;
  startTime?: number;
  tags?: Record<string, string>;
}

/** Who changed what: the store reports it, the core turns it into (throttled) events. */
export interface TrackerChangeListener {
  runs(experimentId: string, runIds: string[]): void;
  experiments(experimentIds: string[]): void;
  models(names: string[]): void;
}

interface ExperimentRow {
  experiment_id: number;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
}

const ADJECTIVES = ['bold', 'calm', 'keen', 'quick', 'brave', 'merry', 'quiet', 'sunny', 'wise', 'amber'];
const NOUNS = ['heron', 'otter', 'pike', 'reed', 'willow', 'trout', 'finch', 'birch', 'moss', 'lark'];

function randomRunName(): string {
  const b = randomBytes(3);
  return `${ADJECTIVES[b[0] % ADJECTIVES.length]}-${NOUNS[b[1] % NOUNS.length]}-${b[2] % 1000}`;
}

export function newRunId(): string {
  return randomBytes(16).toString('hex');
}

/** Points per multi-row INSERT: fewer calls into SQLite for a 1000-point batch. */
const POINTS_PER_INSERT = 100;

function experimentIdNumber(id: string | number): number {
  const s = String(id);
  if (!/^\d{1,18}$/.test(s)) throw new LakebenchError('NOT_FOUND', `No Experiment with id=${s} exists`);
  return Number(s);
}

/**
 * The tracker's store: MLflow's model in `.lakebench/tracker.db` (SQLite, WAL). Every write request is one
 * transaction, so a rejected batch stores nothing.
 */
export class TrackerStore {
  readonly db: Database.Database;
  private listener: TrackerChangeListener | null = null;
  /** (run, key) -> metric series id; only ids of committed series are kept. */
  private readonly seriesIds = new Map<string, number>();
  private readonly stmt: ReturnType<TrackerStore['prepare']>;
  private readonly points: MetricPoints = {
    keys: new Array<string | undefined>(LIMITS.batchMetrics).fill(undefined),
    steps: new Float64Array(LIMITS.batchMetrics),
    timestamps: new Float64Array(LIMITS.batchMetrics),
    values: new Float64Array(LIMITS.batchMetrics),
    length: 0,
  };
  /** The bound values of one multi-row INSERT of metric points, reused. */
  private readonly insertRow: number[] = new Array<number>(5 * POINTS_PER_INSERT).fill(0);

  private constructor(
    readonly file: string,
    /** `.lakebench/artifacts`: the runs' artifact folders live under it as `<experiment>/<run>/artifacts`. */
    readonly artifactRoot: string,
  ) {
    this.db = openDatabase(file);
    // Every write answers a client (an MLflow logger, the app) that it was stored: with FULL, WAL syncs at each
    // commit, so an acknowledged write survives a power cut, not only a crash of Lakebench.
    this.db.pragma('synchronous = FULL');
    migrate(this.db, Date.now());
    this.stmt = this.prepare();
  }

  static open(file: string, artifactRoot: string): TrackerStore {
    try {
      return new TrackerStore(file, artifactRoot);
    } catch (err) {
      throw new LakebenchError(
        'INTERNAL',
        `Could not open the run tracker's database ${file}: ${err instanceof Error ? err.message : String(err)}`,
        { file },
      );
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  isOpen(): boolean {
    return this.db.open;
  }

  inTransaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  onChange(listener: TrackerChangeListener | null): void {
    this.listener = listener;
  }

  private prepare() {
    const db = this.db;
    return {
      run: db.prepare<[string], TrackedRunRow>('SELECT * FROM runs WHERE run_uuid = ?'),
      experiment: db.prepare<[number], ExperimentRow>('SELECT * FROM experiments WHERE experiment_id = ?'),
      insertPoint: db.prepare(
        'INSERT OR IGNORE INTO metric_points (series, step, timestamp, value, is_nan) VALUES (?, ?, ?, ?, ?)',
      ),
      insertPoints: db.prepare(
        `INSERT OR IGNORE INTO metric_points (series, step, timestamp, value, is_nan) VALUES ${Array(
          POINTS_PER_INSERT,
        )
          .fill('(?, ?, ?, ?, ?)')
          .join(', ')}`,
      ),
      series: db.prepare<[string, string], { id: number }>(
        'SELECT id FROM metric_series WHERE run_uuid = ? AND key = ?',
      ),
      insertSeries: db.prepare('INSERT INTO metric_series (run_uuid, key) VALUES (?, ?)'),
      upsertLatest: db.prepare(
        `INSERT INTO latest_metrics (run_uuid, key, step, timestamp, value, is_nan) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_uuid, key) DO UPDATE SET step = excluded.step, timestamp = excluded.timestamp,
           value = excluded.value, is_nan = excluded.is_nan
         WHERE excluded.step > latest_metrics.step
            OR (excluded.step = latest_metrics.step AND excluded.timestamp >= latest_metrics.timestamp)`,
      ),
      param: db.prepare<[string, string], { value: string }>(
        'SELECT value FROM params WHERE run_uuid = ? AND key = ?',
      ),
      insertParam: db.prepare('INSERT INTO params (run_uuid, key, value) VALUES (?, ?, ?)'),
      setTag: db.prepare(
        `INSERT INTO tags (run_uuid, key, value) VALUES (?, ?, ?)
         ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value`,
      ),
    };
  }

  private changedRuns(experimentId: number | string, runIds: string[]): void {
    this.listener?.runs(String(experimentId), runIds);
  }

  private changedExperiments(ids: (number | string)[]): void {
    this.listener?.experiments(ids.map(String));
  }

  changedModels(names: string[]): void {
    this.listener?.models(names);
  }

  // ---- experiments -------------------------------------------------------------------------------------------

  private experimentRow(id: string | number): ExperimentRow {
    const row = this.stmt.experiment.get(experimentIdNumber(id));
    if (!row) throw new LakebenchError('NOT_FOUND', `No Experiment with id=${id} exists`);
    return row;
  }

  private toExperiment(row: ExperimentRow, runCount?: number): Experiment {
    const tags: Record<string, string> = {};
    for (const t of this.db
      .prepare<[number], { key: string; value: string }>(
        'SELECT key, value FROM experiment_tags WHERE experiment_id = ? ORDER BY rowid',
      )
      .all(row.experiment_id))
      tags[t.key] = t.value;
    return {
      experimentId: String(row.experiment_id),
      name: row.name,
      artifactLocation: row.artifact_location,
      lifecycleStage: row.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
      creationTime: row.creation_time,
      lastUpdateTime: row.last_update_time,
      tags,
      runCount:
        runCount ??
        (
          this.db
            .prepare<[number], { n: number }>(
              `SELECT count(*) AS n FROM runs WHERE experiment_id = ? AND lifecycle_stage = 'active'`,
            )
            .get(row.experiment_id) as { n: number }
        ).n,
    };
  }

  getExperiment(id: string): Experiment {
    return this.toExperiment(this.experimentRow(id));
  }

  getExperimentByName(name: string): Experiment {
    const row = this.db
      .prepare<[string], ExperimentRow>('SELECT * FROM experiments WHERE name = ?')
      .get(name);
    if (!row) throw new LakebenchError('NOT_FOUND', `Could not find experiment with name '${name}'`);
    return this.toExperiment(row);
  }

  listExperiments(view: RunViewType = 'ACTIVE_ONLY'): Experiment[] {
    const where =
      view === 'ALL'
        ? ''
        : view === 'DELETED_ONLY'
          ? `WHERE lifecycle_stage = 'deleted'`
          : `WHERE lifecycle_stage = 'active'`;
    const rows = this.db
      .prepare<[], ExperimentRow>(
        `SELECT * FROM experiments ${where} ORDER BY creation_time DESC, experiment_id DESC`,
      )
      .all();
    const counts = new Map(
      this.db
        .prepare<[], { experiment_id: number; n: number }>(
          `SELECT experiment_id, count(*) AS n FROM runs WHERE lifecycle_stage = 'active' GROUP BY experiment_id`,
        )
        .all()
        .map((r) => [r.experiment_id, r.n]),
    );
    return rows.map((r) => this.toExperiment(r, counts.get(r.experiment_id) ?? 0));
  }

  createExperiment(name: string, tags: Record<string, string> = {}, artifactLocation?: string): Experiment {
    checkEntityName('name', name, LIMITS.experimentNameLength);
    for (const [k, v] of Object.entries(tags)) {
      checkName('tag', k);
      checkTagValue(k, v, LIMITS.experimentTagValueLength);
    }
    const now = Date.now();
    const id = this.db.transaction(() => {
      if (this.db.prepare('SELECT 1 FROM experiments WHERE name = ?').get(name))
        throw new LakebenchError('ALREADY_EXISTS', `Experiment(name=${name}) already exists.`);
      const next =
        (this.db.prepare<[], { m: number | null }>('SELECT max(experiment_id) AS m FROM experiments').get()
          ?.m ?? 0) + 1;
      this.db
        .prepare(
          `INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time)
           VALUES (?, ?, ?, ?, ?)`,
        )
        .run(next, name, artifactLocation || `mlflow-artifacts:/${next}`, now, now);
      const put = this.db.prepare('INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)');
      for (const [k, v] of Object.entries(tags)) put.run(next, k, v);
      return next;
    })();
    this.changedExperiments([id]);
    return this.getExperiment(String(id));
  }

  renameExperiment(id: string, newName: string): Experiment {
    const row = this.experimentRow(id);
    checkEntityName('new_name', newName, LIMITS.experimentNameLength);
    this.db.transaction(() => {
      const other = this.db
        .prepare<[string], { experiment_id: number }>('SELECT experiment_id FROM experiments WHERE name = ?')
        .get(newName);
      if (other && other.experiment_id !== row.experiment_id)
        throw new LakebenchError('ALREADY_EXISTS', `Experiment(name=${newName}) already exists.`);
      if (row.lifecycle_stage !== 'active') throw invalid(`Cannot rename a non-active experiment.`);
      this.db
        .prepare('UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?')
        .run(newName, Date.now(), row.experiment_id);
    })();
    this.changedExperiments([id]);
    return this.getExperiment(id);
  }

  setExperimentTag(id: string, key: string, value: string): void {
    const row = this.experimentRow(id);
    checkName('tag', key);
    checkTagValue(key, value, LIMITS.experimentTagValueLength);
    if (row.lifecycle_stage !== 'active')
      throw invalid(`The experiment ${id} must be in the 'active' state. Current state is deleted.`);
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)
           ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value`,
        )
        .run(row.experiment_id, key, value);
      this.db
        .prepare('UPDATE experiments SET last_update_time = ? WHERE experiment_id = ?')
        .run(Date.now(), row.experiment_id);
    })();
    this.changedExperiments([id]);
  }

  /** Soft delete: the experiment and its active runs become deleted; restore brings back those same runs. */
  setExperimentLifecycle(id: string, stage: 'active' | 'deleted'): void {
    const row = this.experimentRow(id);
    if (stage === 'deleted' && row.experiment_id === 0) throw invalid('Cannot delete the default experiment');
    if (row.lifecycle_stage === stage)
      throw invalid(
        stage === 'deleted'
          ? `Cannot delete an already deleted experiment.`
          : `Cannot restore an active experiment.`,
      );
    const now = Date.now();
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?')
        .run(stage, now, row.experiment_id);
      if (stage === 'deleted')
        this.db
          .prepare(
            `UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE experiment_id = ? AND lifecycle_stage = 'active'`,
          )
          .run(now, row.experiment_id);
      else
        this.db
          .prepare(
            `UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE experiment_id = ? AND deleted_time >= ?`,
          )
          .run(row.experiment_id, row.last_update_time);
    })();
    this.changedExperiments([id]);
    this.changedRuns(id, []);
  }

  // ---- runs --------------------------------------------------------------------------------------------------

  private runRow(runId: string): TrackedRunRow {
    const row = typeof runId === 'string' ? this.stmt.run.get(runId) : undefined;
    if (!row) throw new LakebenchError('NOT_FOUND', `Run with id=${runId} not found`);
    return row;
  }

  private activeRun(runId: string): TrackedRunRow {
    const row = this.runRow(runId);
    if (row.lifecycle_stage !== 'active')
      throw invalid(
        `The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
      );
    return row;
  }

  createRun(input: CreateRunInput): Run {
    const exp = this.experimentRow(input.experimentId);
    if (exp.lifecycle_stage !== 'active')
      throw invalid(
        `The experiment ${input.experimentId} must be in the 'active' state. Current state is deleted.`,
      );
    const tags = { ...(input.tags ?? {}) };
    if (input.runName) checkEntityName('run_name', input.runName, LIMITS.entityNameLength);
    for (const [k, v] of Object.entries(tags)) {
      checkName('tag', k);
      checkTagValue(k, v);
    }
    const runName = input.runName || tags[TAG.runName] || randomRunName();
    if (input.runName && tags[TAG.runName] && tags[TAG.runName] !== input.runName)
      throw invalid(
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${input.runName}', mlflow.runName='${tags[TAG.runName]}').`,
      );
    tags[TAG.runName] = runName;
    const userId = input.userId || tags[TAG.user] || 'unknown';
    const runId = newRunId();
    const start = input.startTime ?? Date.now();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, artifact_uri)
           VALUES (?, ?, ?, ?, 'RUNNING', ?, ?)`,
        )
        .run(runId, exp.experiment_id, runName, userId, start, `${exp.artifact_location}/${runId}/artifacts`);
      for (const [k, v] of Object.entries(tags)) this.stmt.setTag.run(runId, k, v);
    })();
    this.changedRuns(exp.experiment_id, [runId]);
    this.changedExperiments([exp.experiment_id]);
    return this.getRun(runId);
  }

  updateRun(
    runId: string,
    changes: { status?: RunStatus; endTime?: number | null; runName?: string; description?: string },
  ): Run {
    const row = this.runRow(runId);
    if (changes.runName) checkEntityName('run_name', changes.runName, LIMITS.entityNameLength);
    if (changes.status !== undefined && !RUN_STATUSES.includes(changes.status))
      throw invalid(
        `Invalid run status '${String(changes.status)}'. Valid values are ${RUN_STATUSES.join(', ')}`,
      );
    this.db.transaction(() => {
      if (changes.status !== undefined) {
        let end = changes.endTime ?? row.end_time;
        if (changes.status === 'RUNNING' || changes.status === 'SCHEDULED') end = changes.endTime ?? null;
        else if (end === null || end === undefined) end = Date.now();
        this.db
          .prepare('UPDATE runs SET status = ?, end_time = ? WHERE run_uuid = ?')
          .run(changes.status, end, runId);
      } else if (changes.endTime !== undefined && changes.endTime !== null) {
        this.db.prepare('UPDATE runs SET end_time = ? WHERE run_uuid = ?').run(changes.endTime, runId);
      }
      if (changes.runName !== undefined && changes.runName !== '') {
        this.db.prepare('UPDATE runs SET name = ? WHERE run_uuid = ?').run(changes.runName, runId);
        this.stmt.setTag.run(runId, TAG.runName, changes.runName);
      }
      if (changes.description !== undefined) {
        if (changes.description === '')
          this.db.prepare('DELETE FROM tags WHERE run_uuid = ? AND key = ?').run(runId, TAG.note);
        else this.stmt.setTag.run(runId, TAG.note, changes.description);
      }
    })();
    this.changedRuns(row.experiment_id, [runId]);
    return this.getRun(runId);
  }

  setRunsLifecycle(runIds: string[], stage: 'active' | 'deleted'): void {
    const touched = new Map<number, string[]>();
    this.db.transaction(() => {
      for (const id of runIds) {
        const row = this.runRow(id);
        if (stage === 'active') {
          const exp = this.experimentRow(row.experiment_id);
          if (exp.lifecycle_stage !== 'active')
            throw invalid(`Cannot restore run ${id}: its experiment ${exp.experiment_id} is deleted.`);
        }
        this.db
          .prepare('UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE run_uuid = ?')
          .run(stage, stage === 'deleted' ? Date.now() : null, id);
        const list = touched.get(row.experiment_id) ?? [];
        list.push(id);
        touched.set(row.experiment_id, list);
      }
    })();
    for (const [exp, ids] of touched) this.changedRuns(exp, ids);
    this.changedExperiments([...touched.keys()]);
  }

  setTag(runId: string, key: string, value: string): void {
    this.logBatch(runId, { tags: [{ key, value }] });
  }

  deleteTag(runId: string, key: string): void {
    const row = this.activeRun(runId);
    const r = this.db.prepare('DELETE FROM tags WHERE run_uuid = ? AND key = ?').run(runId, key);
    if (r.changes === 0)
      throw new LakebenchError('NOT_FOUND', `No tag with name: ${key} in run with id ${runId}`);
    if (key === TAG.runName) this.db.prepare(`UPDATE runs SET name = '' WHERE run_uuid = ?`).run(runId);
    this.changedRuns(row.experiment_id, [runId]);
  }

  /**
   * Appends a logged model's description to the run's `mlflow.log-model.history` tag, a JSON list as MLflow's
   * own stores keep it. A tag that is not such a list (written by hand or by another client) does not break the
   * run: a single JSON object in it is kept as the first entry, anything else starts the history anew.
   */
  logModel(runId: string, model: unknown): void {
    if (!model || typeof model !== 'object' || Array.isArray(model))
      throw invalid('Malformed model info: model_json must be a JSON object.');
    const key = 'mlflow.log-model.history';
    this.activeRun(runId);
    const previous = this.db
      .prepare<[string, string], { value: string }>('SELECT value FROM tags WHERE run_uuid = ? AND key = ?')
      .get(runId, key)?.value;
    let history: unknown[] = [];
    if (previous) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(previous);
      } catch {
        // Not JSON: nothing in it can be read back as a model, so the history starts with this model.
        parsed = undefined;
      }
      if (Array.isArray(parsed)) history = parsed;
      else if (parsed && typeof parsed === 'object') history = [parsed];
    }
    history.push(model);
    this.setTag(runId, key, JSON.stringify(history));
  }

  /** Metrics, params and tags of one request, all stored or none (MLflow's limits and messages). */
  logBatch(runId: string, batch: LogBatchInput): void {
    const metrics = batch.metrics ?? [];
    const params = batch.params ?? [];
    const tags = batch.tags ?? [];
    if (metrics.length > LIMITS.batchMetrics)
      throw invalid(
        `A batch logging request can contain at most ${LIMITS.batchMetrics} metrics. Got ${metrics.length} metrics. Please split up metrics across multiple requests and try again.`,
      );
    if (params.length > LIMITS.batchParams)
      throw invalid(
        `A batch logging request can contain at most ${LIMITS.batchParams} params. Got ${params.length} params. Please split up params across multiple requests and try again.`,
      );
    if (tags.length > LIMITS.batchTags)
      throw invalid(
        `A batch logging request can contain at most ${LIMITS.batchTags} tags. Got ${tags.length} tags. Please split up tags across multiple requests and try again.`,
      );
    const total = metrics.length + params.length + tags.length;
    if (total > LIMITS.batchTotal)
      throw invalid(
        `A batch logging request can contain at most ${LIMITS.batchTotal} metrics, params, and tags in total. Got ${total}. Please split up the data across multiple requests and try again.`,
      );
    const points = this.checkMetrics(metrics);
    const ps = params.map((p) => {
      const o = (p ?? {}) as Record<string, unknown>;
      const key = checkName('param', o.key);
      return { key, value: checkParamValue(key, typeof o.value === 'number' ? String(o.value) : o.value) };
    });
    const seen = new Map<string, string>();
    for (const p of ps) {
      const before = seen.get(p.key);
      if (before !== undefined && before !== p.value)
        throw invalid(
          `Duplicate parameter keys have been submitted: ['${p.key}']. Please ensure the request contains only one param value per param key.`,
        );
      seen.set(p.key, p.value);
    }
    const ts = tags.map((t) => {
      const o = (t ?? {}) as Record<string, unknown>;
      const key = checkName('tag', o.key);
      return { key, value: checkTagValue(key, o.value) };
    });
    const row = this.activeRun(runId);
    const newSeries = new Map<string, number>();
    this.db.transaction(() => {
      for (const [key, value] of seen) {
        const old = this.stmt.param.get(runId, key);
        if (old) {
          if (old.value !== value)
            throw invalid(
              `Changing param values is not allowed. Param with key='${key}' was already logged with value='${old.value}' for run ID='${runId}'. Attempted logging new value '${value}'.`,
            );
          continue;
        }
        this.stmt.insertParam.run(runId, key, value);
      }
      this.insertMetrics(runId, points, newSeries);
      for (const t of ts) {
        this.stmt.setTag.run(runId, t.key, t.value);
        if (t.key === TAG.runName)
          this.db.prepare('UPDATE runs SET name = ? WHERE run_uuid = ?').run(t.value, runId);
      }
    })();
    for (const [k, id] of newSeries) this.seriesIds.set(k, id);
    this.changedRuns(row.experiment_id, [runId]);
  }

  /**
   * Checks a batch's metrics, in order, with MLflow's messages, into the reused point buffer: no object per
   * point, since a 1000-point batch arrives many times a second from a logging script.
   */
  private checkMetrics(metrics: unknown[]): MetricPoints {
    const points = this.points;
    const now = Date.now();
    const checked = new Set<string>();
    let lastKey: string | undefined;
    for (let i = 0; i < metrics.length; i++) {
      const o = (metrics[i] ?? {}) as Record<string, unknown>;
      let key = o.key as string;
      if (key !== lastKey || typeof key !== 'string') {
        if (typeof key !== 'string' || !checked.has(key)) checked.add((key = checkName('metric', o.key)));
        lastKey = key;
      }
      const timestamp = metricInteger('timestamp', key, o.timestamp, now);
      points.values[i] = metricValue(key, o.value, timestamp);
      points.timestamps[i] = timestamp;
      points.steps[i] = metricInteger('step', key, o.step, 0);
      points.keys[i] = key;
    }
    points.length = metrics.length;
    return points;
  }

  /** Inserts checked metric points (inside the caller's transaction) and keeps the latest-value table current. */
  private insertMetrics(runId: string, points: MetricPoints, newSeries: Map<string, number>): void {
    const { keys, steps, timestamps, values, length } = points;
    // Per key: its series and the index of its latest point; points of one key mostly come together.
    const seriesByKey = new Map<string, number>();
    const latestByKey = new Map<string, number>();
    const row = this.insertRow;
    let key: string | undefined;
    let series = 0;
    let latest = -1;
    let k = 0;
    for (let i = 0; i < length; i++) {
      if (keys[i] !== key) {
        if (key !== undefined) latestByKey.set(key, latest);
        key = keys[i] as string;
        let id = seriesByKey.get(key);
        if (id === undefined) seriesByKey.set(key, (id = this.seriesId(runId, key, newSeries)));
        series = id;
        latest = latestByKey.get(key) ?? -1;
      }
      const step = steps[i];
      const timestamp = timestamps[i];
      const value = values[i];
      const nan = Number.isNaN(value);
      row[k++] = series;
      row[k++] = step;
      row[k++] = timestamp;
      row[k++] = nan ? 0 : value;
      row[k++] = nan ? 1 : 0;
      if (k === row.length) {
        this.stmt.insertPoints.run(row);
        k = 0;
      }
      if (latest < 0 || step > steps[latest] || (step === steps[latest] && timestamp >= timestamps[latest]))
        latest = i;
    }
    if (key !== undefined) latestByKey.set(key, latest);
    for (let i = 0; i < k; i += 5) this.stmt.insertPoint.run(row.slice(i, i + 5));
    for (const [latestKey, i] of latestByKey) {
      const value = values[i];
      const nan = Number.isNaN(value);
      this.stmt.upsertLatest.run(runId, latestKey, steps[i], timestamps[i], nan ? null : value, nan ? 1 : 0);
    }
  }

  private seriesId(runId: string, key: string, newSeries: Map<string, number>): number {
    const k = `${runId}\0${key}`;
    const known = this.seriesIds.get(k) ?? newSeries.get(k);
    if (known !== undefined) return known;
    const row = this.stmt.series.get(runId, key);
    const id = row ? row.id : Number(this.stmt.insertSeries.run(runId, key).lastInsertRowid);
    newSeries.set(k, id);
    return id;
  }

  private findSeries(runId: string, key: string): number | null {
    const k = `${runId}\0${key}`;
    const known = this.seriesIds.get(k);
    if (known !== undefined) return known;
    const row = this.stmt.series.get(runId, key);
    if (row) this.seriesIds.set(k, row.id);
    return row ? row.id : null;
  }

  logInputs(runId: string, datasets: unknown[]): void {
    const row = this.activeRun(runId);
    const parsed = datasets.map((d, i) => {
      const o = (d ?? {}) as Record<string, unknown>;
      const ds = (o.dataset ?? {}) as Record<string, unknown>;
      for (const f of ['name', 'digest', 'source_type', 'source'])
        if (typeof ds[f] !== 'string')
          throw invalid(`Missing value for required parameter 'datasets[${i}].dataset.${f}'.`);
      const tags: Record<string, string> = {};
      for (const t of Array.isArray(o.tags) ? o.tags : []) {
        const tt = (t ?? {}) as Record<string, unknown>;
        if (typeof tt.key === 'string' && typeof tt.value === 'string') tags[tt.key] = tt.value;
      }
      return { ds, tags };
    });
    this.db.transaction(() => {
      const put = this.db.prepare(
        `INSERT INTO inputs (run_uuid, name, digest, source_type, source, schema, profile, context, tags_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_uuid, name, digest) DO UPDATE SET tags_json = excluded.tags_json, context = excluded.context`,
      );
      for (const { ds, tags } of parsed)
        put.run(
          runId,
          ds.name,
          ds.digest,
          ds.source_type,
          ds.source,
          typeof ds.schema === 'string' ? ds.schema : null,
          typeof ds.profile === 'string' ? ds.profile : null,
          tags['mlflow.data.context'] ?? null,
          JSON.stringify(tags),
        );
    })();
    this.changedRuns(row.experiment_id, [runId]);
  }

  // ---- reading runs ------------------------------------------------------------------------------------------

  getRun(runId: string): Run {
    this.runRow(runId);
    const runs = this.loadRuns([runId]);
    return runs[0];
  }

  runExists(runId: string): boolean {
    return this.stmt.run.get(runId) !== undefined;
  }

  runInfoRow(runId: string): { experimentId: string; artifactUri: string; lifecycleStage: string } {
    const r = this.runRow(runId);
    return {
      experimentId: String(r.experiment_id),
      artifactUri: r.artifact_uri,
      lifecycleStage: r.lifecycle_stage,
    };
  }

  /** Tracked runs in the order of the ids given, with everything logged or only the selected keys. */
  loadRuns(ids: readonly string[], select?: RunSelect): Run[] {
    return readRuns(this.db, ids, select);
  }

  /** Tracked runs by id (each once), and the ids that name no run. */
  getRuns(runIds: readonly string[], select?: RunSelect): { runs: Run[]; missing: string[] } {
    return getRuns(this.db, runIds, select);
  }

  /** Run ids matching a search, in order, with the total; the page is cut in SQL. */
  searchRunIds(input: SearchRunsInput): { ids: string[]; total: number; nextPageToken: string | null } {
    return searchRunIds(this.db, input);
  }

  searchRuns(input: SearchRunsInput): { runs: Run[]; nextPageToken: string | null; totalCount: number } {
    const { ids, total, nextPageToken } = this.searchRunIds(input);
    return { runs: this.loadRuns(ids), nextPageToken, totalCount: total };
  }

  /** The param, metric, tag and dataset keys of the active runs of some experiments (all when none). */
  listRunKeys(experimentIds: string[]): RunKeys {
    return listRunKeys(this.db, experimentIds);
  }

  // ---- metric histories ---------------------------------------------------------------------------------------

  /** A metric's full history, MLflow's order (step, then timestamp), paged by offset. */
  metricHistory(
    runId: string,
    key: string,
    maxResults: number,
    pageToken: string | null,
  ): {
    metrics: { key: string; value: number; timestamp: number; step: number }[];
    nextPageToken: string | null;
  } {
    this.runRow(runId);
    return metricReads.metricHistory(this.db, this.findSeries(runId, key), key, maxResults, pageToken);
  }

  /** A history for drawing, reduced to about maxPoints points keeping each range's extremes. */
  metricSeries(runId: string, key: string, maxPoints: number, xAxis: MetricXAxis): MetricSeries {
    const run = this.runRow(runId);
    return metricReads.metricSeries(this.db, run, this.findSeries(runId, key), runId, key, maxPoints, xAxis);
  }

  /** Per step across runs: mean, std, min, max (the group band), reduced to about maxPoints steps. */
  groupHistory(runIds: string[], key: string, maxPoints: number) {
    return metricReads.groupHistory(this.db, runIds, key, maxPoints);
  }

  /** Latest finite values of a metric for the given runs. */
  latestValues(runIds: string[], key: string): Map<string, number> {
    return metricReads.latestValues(this.db, runIds, key);
  }

  paramValues(runIds: string[], key: string): Map<string, string> {
    return metricReads.paramValues(this.db, runIds, key);
  }

  /** The number of stored points of a run's metric, or of all its metrics (tests and benchmarks). */
  metricCount(runId: string, key?: string): number {
    return metricReads.metricCount(this.db, runId, key);
  }
}
