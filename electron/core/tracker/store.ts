import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { LakebenchError } from '../../../shared/errors';
import { parseFilter, parseOrderBy, type FilterExpr } from '../../../shared/tracker/filter';
import {
  TAG,
  toMetricValue,
  type DatasetInput,
  type Experiment,
  type LatestMetric,
  type MetricSeries,
  type MetricXAxis,
  type Run,
  type RunInfo,
  type RunKeys,
  type RunStatus,
  type RunViewType,
  RUN_STATUSES,
  runSourceFromTags,
} from '../../../shared/tracker/model';
import { compileFilter, compileOrderBy } from './search-sql';
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

export interface SearchRunsInput {
  experimentIds: string[];
  filter: string;
  orderBy: string[];
  maxResults: number;
  pageToken: string | null;
  runViewType: RunViewType;
}

/** Who changed what: the store reports it, the core turns it into (throttled) events. */
export interface TrackerChangeListener {
  runs(experimentId: string, runIds: string[]): void;
  experiments(experimentIds: string[]): void;
  models(names: string[]): void;
}

/** A row of the runs table. */
export interface RunRow {
  run_uuid: string;
  experiment_id: number;
  name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  lifecycle_stage: string;
  artifact_uri: string;
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

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function decodeToken(token: string | null | undefined): number {
  if (!token) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof parsed.offset === 'number' && Number.isSafeInteger(parsed.offset) && parsed.offset >= 0)
      return parsed.offset;
  } catch {
    // fall through
  }
  throw invalid('Invalid page token, could not base64-decode');
}

/** Points per multi-row INSERT: fewer calls into SQLite for a 1000-point batch. */
const POINTS_PER_INSERT = 100;
const MAX_FINITE = Number.MAX_VALUE;

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
      run: db.prepare<[string], RunRow>('SELECT * FROM runs WHERE run_uuid = ?'),
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

  private runRow(runId: string): RunRow {
    const row = typeof runId === 'string' ? this.stmt.run.get(runId) : undefined;
    if (!row) throw new LakebenchError('NOT_FOUND', `Run with id=${runId} not found`);
    return row;
  }

  private activeRun(runId: string): RunRow {
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

  /** Runs with everything logged, in the order of the ids given. */
  loadRuns(ids: string[]): Run[] {
    if (ids.length === 0) return [];
    const json = JSON.stringify(ids);
    const rows = this.db
      .prepare<[string], RunRow>('SELECT * FROM runs WHERE run_uuid IN (SELECT value FROM json_each(?))')
      .all(json);
    const byId = new Map<string, Run>();
    for (const r of rows)
      byId.set(r.run_uuid, {
        info: this.toInfo(r),
        params: {},
        metrics: {},
        tags: {},
        inputs: [],
      });
    for (const p of this.db
      .prepare<[string], { run_uuid: string; key: string; value: string }>(
        'SELECT run_uuid, key, value FROM params WHERE run_uuid IN (SELECT value FROM json_each(?))',
      )
      .all(json))
      byId.get(p.run_uuid)!.params[p.key] = p.value;
    for (const t of this.db
      .prepare<[string], { run_uuid: string; key: string; value: string }>(
        'SELECT run_uuid, key, value FROM tags WHERE run_uuid IN (SELECT value FROM json_each(?))',
      )
      .all(json))
      byId.get(t.run_uuid)!.tags[t.key] = t.value;
    for (const m of this.db
      .prepare<
        [string],
        {
          run_uuid: string;
          key: string;
          value: number | null;
          is_nan: number;
          step: number;
          timestamp: number;
        }
      >(
        'SELECT run_uuid, key, value, is_nan, step, timestamp FROM latest_metrics WHERE run_uuid IN (SELECT value FROM json_each(?))',
      )
      .all(json))
      byId.get(m.run_uuid)!.metrics[m.key] = {
        value: toMetricValue(m.is_nan ? NaN : (m.value as number)),
        step: m.step,
        timestamp: m.timestamp,
      } satisfies LatestMetric;
    for (const d of this.db
      .prepare<
        [string],
        {
          run_uuid: string;
          name: string;
          digest: string;
          source_type: string;
          source: string;
          schema: string | null;
          profile: string | null;
          tags_json: string;
        }
      >('SELECT * FROM inputs WHERE run_uuid IN (SELECT value FROM json_each(?))')
      .all(json))
      byId.get(d.run_uuid)!.inputs.push({
        name: d.name,
        digest: d.digest,
        sourceType: d.source_type,
        source: d.source,
        schema: d.schema,
        profile: d.profile,
        tags: JSON.parse(d.tags_json) as Record<string, string>,
      } satisfies DatasetInput);
    const out: Run[] = [];
    for (const id of ids) {
      const run = byId.get(id);
      if (!run) continue;
      const tags = run.tags;
      run.info.parentRunId = tags[TAG.parentRunId] ?? null;
      run.info.description = tags[TAG.note] ?? '';
      run.info.source = runSourceFromTags(tags);
      out.push(run);
    }
    return out;
  }

  private toInfo(r: RunRow): RunInfo {
    return runInfoFromRow(r);
  }

  /** Run ids matching a search, in order, with the total; the page is cut in SQL. */
  searchRunIds(input: SearchRunsInput): { ids: string[]; total: number; nextPageToken: string | null } {
    let expr: FilterExpr | null;
    try {
      expr = parseFilter(input.filter ?? '');
    } catch (err) {
      if (err instanceof LakebenchError) throw err;
      throw invalid(String(err));
    }
    const orderBy = input.orderBy.map((o) => parseOrderBy(o));
    const offset = decodeToken(input.pageToken);
    const params: unknown[] = [];
    const where: string[] = [];
    const expIds = input.experimentIds.map((id) => {
      if (!/^\d{1,18}$/.test(id)) throw invalid(`Invalid experiment id '${id}'`);
      return Number(id);
    });
    if (expIds.length > 0) {
      where.push('r.experiment_id IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(expIds));
    } else {
      where.push(
        `r.experiment_id IN (SELECT experiment_id FROM experiments WHERE lifecycle_stage = 'active')`,
      );
    }
    if (input.runViewType === 'ACTIVE_ONLY') where.push(`r.lifecycle_stage = 'active'`);
    else if (input.runViewType === 'DELETED_ONLY') where.push(`r.lifecycle_stage = 'deleted'`);
    const now = Date.now();
    if (expr) where.push(compileFilter(expr, params, now));
    const { joins, joinParams, order } = compileOrderBy(orderBy, now);
    const sql = `SELECT r.run_uuid AS id, count(*) OVER () AS total FROM runs r ${joins.join(' ')}
                 WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ? OFFSET ?`;
    const rows = this.db
      .prepare<unknown[], { id: string; total: number }>(sql)
      .all(...joinParams, ...params, input.maxResults, offset);
    let total = rows[0]?.total ?? 0;
    if (rows.length === 0 && offset > 0) {
      total = (
        this.db
          .prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM runs r WHERE ${where.join(' AND ')}`)
          .get(...params) as { n: number }
      ).n;
    }
    const next = offset + rows.length < total ? encodeToken(offset + rows.length) : null;
    return { ids: rows.map((r) => r.id), total, nextPageToken: next };
  }

  searchRuns(input: SearchRunsInput): { runs: Run[]; nextPageToken: string | null; totalCount: number } {
    const { ids, total, nextPageToken } = this.searchRunIds(input);
    return { runs: this.loadRuns(ids), nextPageToken, totalCount: total };
  }

  listRunKeys(experimentIds: string[]): RunKeys {
    const scope = experimentIds.length
      ? `run_uuid IN (SELECT run_uuid FROM runs WHERE experiment_id IN (SELECT value FROM json_each(?)) AND lifecycle_stage = 'active')`
      : `run_uuid IN (SELECT run_uuid FROM runs WHERE lifecycle_stage = 'active')`;
    const args = experimentIds.length ? [JSON.stringify(experimentIds.map(Number))] : [];
    const keys = (table: string, col = 'key') =>
      this.db
        .prepare<unknown[], { k: string }>(
          `SELECT DISTINCT ${col} AS k FROM ${table} WHERE ${scope} ORDER BY 1`,
        )
        .all(...args)
        .map((r) => r.k);
    return {
      params: keys('params'),
      metrics: keys('latest_metrics'),
      tags: keys('tags'),
      datasets: keys('inputs', 'name'),
    };
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
    const offset = decodeToken(pageToken);
    const series = this.findSeries(runId, key);
    if (series === null) return { metrics: [], nextPageToken: null };
    const rows = this.db
      .prepare<[number, number, number], [number, number, number, number]>(
        `SELECT value, is_nan, timestamp, step FROM metric_points WHERE series = ?
         ORDER BY step, timestamp LIMIT ? OFFSET ?`,
      )
      .raw(true)
      .all(series, maxResults + 1, offset);
    const more = rows.length > maxResults;
    if (more) rows.pop();
    return {
      metrics: rows.map(([value, isNan, timestamp, step]) => ({
        key,
        value: isNan ? NaN : value,
        timestamp,
        step,
      })),
      nextPageToken: more ? encodeToken(offset + rows.length) : null,
    };
  }

  /**
   * A history for drawing. Short ones come whole; long ones are cut into equal x ranges, each keeping its lowest
   * and highest point (and any NaN or infinity), read in one pass without holding the full history in memory.
   */
  metricSeries(runId: string, key: string, maxPoints: number, xAxis: MetricXAxis): MetricSeries {
    const run = this.runRow(runId);
    const series = this.findSeries(runId, key);
    const empty: MetricSeries = {
      runId,
      key,
      count: 0,
      downsampled: false,
      x: [],
      y: [],
      steps: [],
      min: null,
      max: null,
      last: null,
    };
    if (series === null) return empty;
    const xOf = (step: number, ts: number) =>
      xAxis === 'step' ? step : xAxis === 'wall' ? ts : ts - run.start_time;
    const bounds = this.db
      .prepare<[number], { n: number; s0: number; s1: number; t0: number; t1: number }>(
        `SELECT count(*) AS n, min(step) AS s0, max(step) AS s1, min(timestamp) AS t0, max(timestamp) AS t1
         FROM metric_points WHERE series = ?`,
      )
      .get(series)!;
    if (bounds.n === 0) return empty;
    const rows = this.db
      .prepare<[number], [number, number, number, number]>(
        'SELECT step, timestamp, value, is_nan FROM metric_points WHERE series = ? ORDER BY step, timestamp',
      )
      .raw(true);
    let min: { value: number; step: number } | null = null;
    let max: { value: number; step: number } | null = null;
    const picked: { x: number; y: number; step: number; ts: number }[] = [];
    const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
    if (bounds.n > maxPoints && bounds.s1 - bounds.s0 + 1 >= buckets) {
      // Long histories over many steps: per step range, SQLite finds the lowest and highest point on the
      // clustered (series, step) key, so no per-point work happens in JavaScript.
      const width = Math.ceil((bounds.s1 - bounds.s0 + 1) / buckets);
      const finite = 'is_nan = 0 AND value BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308';
      const lowest = this.db
        .prepare<[number, number, number], [number | null, number, number]>(
          `SELECT min(value), step, timestamp FROM metric_points WHERE series = ? AND step >= ? AND step < ? AND ${finite}`,
        )
        .raw(true);
      const highest = this.db
        .prepare<[number, number, number], [number | null, number, number]>(
          `SELECT max(value), step, timestamp FROM metric_points WHERE series = ? AND step >= ? AND step < ? AND ${finite}`,
        )
        .raw(true);
      for (let from = bounds.s0; from <= bounds.s1; from += width) {
        const lo = lowest.get(series, from, from + width);
        if (!lo || lo[0] === null) continue;
        const hi = highest.get(series, from, from + width)!;
        picked.push({ x: xOf(lo[1], lo[2]), y: lo[0], step: lo[1], ts: lo[2] });
        if (hi[1] !== lo[1] || hi[2] !== lo[2])
          picked.push({ x: xOf(hi[1], hi[2]), y: hi[0] as number, step: hi[1], ts: hi[2] });
        if (!min || lo[0] < min.value) min = { value: lo[0], step: lo[1] };
        if (!max || (hi[0] as number) > max.value) max = { value: hi[0] as number, step: hi[1] };
      }
      const ends = this.db
        .prepare<[number, number], [number, number, number, number]>(
          `SELECT step, timestamp, value, is_nan FROM metric_points WHERE series = ?
           AND NOT (${finite}) LIMIT ?`,
        )
        .raw(true)
        .all(series, maxPoints);
      const edge = this.db
        .prepare<[{ s: number }], [number, number, number, number]>(
          `SELECT * FROM (SELECT step, timestamp, value, is_nan FROM metric_points WHERE series = @s
             ORDER BY step, timestamp LIMIT 1)
           UNION ALL SELECT * FROM (SELECT step, timestamp, value, is_nan FROM metric_points WHERE series = @s
             ORDER BY step DESC, timestamp DESC LIMIT 1)`,
        )
        .raw(true)
        .all({ s: series });
      for (const [step, ts, value, isNan] of [...ends, ...edge])
        picked.push({ x: xOf(step, ts), y: isNan ? NaN : value, step, ts });
      picked.sort((a, b) => a.x - b.x || a.step - b.step || a.ts - b.ts);
      for (let i = picked.length - 1; i > 0; i--)
        if (picked[i].step === picked[i - 1].step && picked[i].ts === picked[i - 1].ts) picked.splice(i, 1);
    } else if (bounds.n <= maxPoints) {
      for (const [step, ts, value, isNan] of rows.iterate(series)) {
        const y = isNan ? NaN : value;
        picked.push({ x: xOf(step, ts), y, step, ts });
        if (Number.isFinite(y)) {
          if (!min || y < min.value) min = { value: y, step };
          if (!max || y > max.value) max = { value: y, step };
        }
      }
    } else {
      // Few distinct steps (points logged without steps): buckets over the x range, in one pass.
      const lo = xAxis === 'step' ? bounds.s0 : xOf(0, bounds.t0);
      const hi = xAxis === 'step' ? bounds.s1 : xOf(0, bounds.t1);
      const width = (hi - lo) / buckets || 1;
      // Per bucket: index of min, of max, and the first non-finite point, as flat arrays (no objects per point).
      const loV = new Float64Array(buckets).fill(Infinity);
      const hiV = new Float64Array(buckets).fill(-Infinity);
      const loP = new Float64Array(buckets * 3);
      const hiP = new Float64Array(buckets * 3);
      const odd: { x: number; y: number; step: number; ts: number }[] = [];
      const oddSeen = new Uint8Array(buckets);
      let first: [number, number, number] | null = null;
      let lastRow: [number, number, number] = [0, 0, 0];
      for (const [step, ts, value, isNan] of rows.iterate(series)) {
        const x = xAxis === 'step' ? step : xAxis === 'wall' ? ts : ts - run.start_time;
        const y = isNan ? NaN : value;
        if (!first) first = [step, ts, y];
        lastRow = [step, ts, y];
        const b = Math.min(buckets - 1, Math.floor((x - lo) / width));
        if (isNan || value > MAX_FINITE || value < -MAX_FINITE) {
          if (!oddSeen[b]) {
            oddSeen[b] = 1;
            odd.push({ x, y, step, ts });
          }
          continue;
        }
        if (value < loV[b]) {
          loV[b] = value;
          loP[b * 3] = x;
          loP[b * 3 + 1] = step;
          loP[b * 3 + 2] = ts;
        }
        if (value > hiV[b]) {
          hiV[b] = value;
          hiP[b * 3] = x;
          hiP[b * 3 + 1] = step;
          hiP[b * 3 + 2] = ts;
        }
      }
      if (first) picked.push({ x: xOf(first[0], first[1]), y: first[2], step: first[0], ts: first[1] });
      for (let b = 0; b < buckets; b++) {
        if (loV[b] === Infinity) continue;
        picked.push({ x: loP[b * 3], y: loV[b], step: loP[b * 3 + 1], ts: loP[b * 3 + 2] });
        if (hiP[b * 3 + 1] !== loP[b * 3 + 1] || hiP[b * 3 + 2] !== loP[b * 3 + 2])
          picked.push({ x: hiP[b * 3], y: hiV[b], step: hiP[b * 3 + 1], ts: hiP[b * 3 + 2] });
        if (!min || loV[b] < min.value) min = { value: loV[b], step: loP[b * 3 + 1] };
        if (!max || hiV[b] > max.value) max = { value: hiV[b], step: hiP[b * 3 + 1] };
      }
      picked.push(...odd);
      picked.push({ x: xOf(lastRow[0], lastRow[1]), y: lastRow[2], step: lastRow[0], ts: lastRow[1] });
      picked.sort((a, b) => a.x - b.x || a.step - b.step || a.ts - b.ts);
      for (let i = picked.length - 1; i > 0; i--)
        if (picked[i].step === picked[i - 1].step && picked[i].ts === picked[i - 1].ts) picked.splice(i, 1);
    }
    if (xAxis !== 'step' && bounds.n <= maxPoints) picked.sort((a, b) => a.x - b.x || a.step - b.step);
    const latest = this.db
      .prepare<[string, string], { value: number | null; is_nan: number; step: number; timestamp: number }>(
        'SELECT value, is_nan, step, timestamp FROM latest_metrics WHERE run_uuid = ? AND key = ?',
      )
      .get(runId, key);
    return {
      runId,
      key,
      count: bounds.n,
      downsampled: picked.length < bounds.n,
      x: picked.map((p) => p.x),
      y: picked.map((p) => toMetricValue(p.y)),
      steps: picked.map((p) => p.step),
      min,
      max,
      last: latest
        ? {
            value: toMetricValue(latest.is_nan ? NaN : (latest.value as number)),
            step: latest.step,
            timestamp: latest.timestamp,
          }
        : null,
    };
  }

  /** Per step across runs: mean, std, min, max (the group band), reduced to about maxPoints steps. */
  groupHistory(runIds: string[], key: string, maxPoints: number) {
    const rows = this.db
      .prepare<
        [string, string],
        { step: number; n: number; mean: number; sq: number; lo: number; hi: number }
      >(
        `SELECT p.step AS step, count(*) AS n, avg(p.value) AS mean, avg(p.value * p.value) AS sq,
                min(p.value) AS lo, max(p.value) AS hi
         FROM metric_series s JOIN metric_points p ON p.series = s.id
         WHERE s.run_uuid IN (SELECT value FROM json_each(?)) AND s.key = ? AND p.is_nan = 0
           AND p.value BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308
         GROUP BY p.step ORDER BY p.step`,
      )
      .all(JSON.stringify(runIds), key);
    const every = Math.max(1, Math.ceil(rows.length / maxPoints));
    const picked = rows.filter((_, i) => i % every === 0 || i === rows.length - 1);
    return {
      key,
      steps: picked.map((r) => r.step),
      mean: picked.map((r) => r.mean),
      std: picked.map((r) =>
        r.n > 1 ? Math.sqrt(Math.max(0, ((r.sq - r.mean * r.mean) * r.n) / (r.n - 1))) : 0,
      ),
      min: picked.map((r) => r.lo),
      max: picked.map((r) => r.hi),
      runs: picked.map((r) => r.n),
    };
  }

  /** Latest finite values of a metric for the given runs. */
  latestValues(runIds: string[], key: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.db
      .prepare<[string, string], { run_uuid: string; value: number | null; is_nan: number }>(
        'SELECT run_uuid, value, is_nan FROM latest_metrics WHERE run_uuid IN (SELECT value FROM json_each(?)) AND key = ?',
      )
      .all(JSON.stringify(runIds), key)) {
      const v = r.is_nan ? NaN : (r.value as number);
      if (Number.isFinite(v)) out.set(r.run_uuid, v);
    }
    return out;
  }

  paramValues(runIds: string[], key: string): Map<string, string> {
    return new Map(
      this.db
        .prepare<[string, string], { run_uuid: string; value: string }>(
          'SELECT run_uuid, value FROM params WHERE run_uuid IN (SELECT value FROM json_each(?)) AND key = ?',
        )
        .all(JSON.stringify(runIds), key)
        .map((r) => [r.run_uuid, r.value]),
    );
  }

  /** The number of stored points of a run's metric, or of all its metrics (tests and benchmarks). */
  metricCount(runId: string, key?: string): number {
    const r = this.db
      .prepare<[string, string | null, string | null], { n: number }>(
        `SELECT count(*) AS n FROM metric_series s JOIN metric_points p ON p.series = s.id
         WHERE s.run_uuid = ? AND (? IS NULL OR s.key = ?)`,
      )
      .get(runId, key ?? null, key ?? null);
    return r?.n ?? 0;
  }
}

/** A run's info from its row; parent, description and source come from its tags, filled in by the caller. */
export function runInfoFromRow(r: RunRow): RunInfo {
  return {
    runId: r.run_uuid,
    experimentId: String(r.experiment_id),
    runName: r.name,
    userId: r.user_id,
    status: r.status as RunStatus,
    startTime: r.start_time,
    endTime: r.end_time,
    artifactUri: r.artifact_uri,
    lifecycleStage: r.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
    parentRunId: null,
    description: '',
    source: runSourceFromTags({}),
  };
}
