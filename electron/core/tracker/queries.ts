import type Database from 'better-sqlite3';
import { LakebenchError } from '../../../shared/errors';
import { HISTORY_POINT_BUDGET, type RunSelect } from '../../../shared/tracker/contract';
import {
  INFO_TAGS,
  TAG,
  runSourceFromTags,
  toMetricValue,
  type MetricSeries,
  type MetricXAxis,
  type Run,
  type RunStatus,
} from '../../../shared/tracker/model';
import type { TrackerStore } from './store';

/**
 * Read queries over many runs at once: runs by id, runs with only some keys, metric histories of runs x keys.
 * Each reads the store's tables with a handful of statements per request, however many runs it names.
 */

/** Statements prepared once per database. */
const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

function prepared(db: Database.Database, sql: string): Database.Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) cache.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}

const IN_IDS = 'SELECT value FROM json_each(?)';

interface RunRow {
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

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/** Runs by id in the order given (each once), with everything logged or only the selected keys. */
export function getRuns(
  store: TrackerStore,
  runIds: readonly string[],
  select?: RunSelect,
): { runs: Run[]; missing: string[] } {
  const ids = unique(runIds);
  const runs = select ? loadSelectedRuns(store, ids, select) : store.loadRuns(ids);
  const found = new Set(runs.map((r) => r.info.runId));
  return { runs, missing: ids.filter((id) => !found.has(id)) };
}

/**
 * Runs with only the selected params, metrics and tags (and inputs on request); each run's info is whole, its
 * source and description read from the info tags whether or not they are selected.
 */
export function loadSelectedRuns(store: TrackerStore, ids: readonly string[], select: RunSelect): Run[] {
  if (ids.length === 0) return [];
  const db = store.db;
  const json = JSON.stringify(ids);
  const byId = new Map<string, Run>();
  const infoTags = new Map<string, Record<string, string>>();
  for (const r of prepared(db, `SELECT * FROM runs WHERE run_uuid IN (${IN_IDS})`).all(json) as RunRow[]) {
    byId.set(r.run_uuid, {
      info: {
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
      },
      params: {},
      metrics: {},
      tags: {},
      inputs: [],
    });
    infoTags.set(r.run_uuid, {});
  }
  const keyed = <T>(table: string, cols: string, keys: readonly string[]): T[] =>
    keys.length === 0
      ? []
      : (prepared(
          db,
          `SELECT run_uuid, ${cols} FROM ${table} WHERE run_uuid IN (${IN_IDS}) AND key IN (${IN_IDS})`,
        ).all(json, JSON.stringify(unique(keys))) as T[]);

  type KeyValue = { run_uuid: string; key: string; value: string };
  for (const p of keyed<KeyValue>('params', 'key, value', select.params))
    byId.get(p.run_uuid)!.params[p.key] = p.value;
  const wanted = new Set(select.tags);
  for (const t of keyed<KeyValue>('tags', 'key, value', [...select.tags, ...INFO_TAGS])) {
    if (wanted.has(t.key)) byId.get(t.run_uuid)!.tags[t.key] = t.value;
    infoTags.get(t.run_uuid)![t.key] = t.value;
  }
  type Latest = {
    run_uuid: string;
    key: string;
    value: number | null;
    is_nan: number;
    step: number;
    timestamp: number;
  };
  for (const m of keyed<Latest>('latest_metrics', 'key, value, is_nan, step, timestamp', select.metrics))
    byId.get(m.run_uuid)!.metrics[m.key] = {
      value: toMetricValue(m.is_nan ? NaN : (m.value as number)),
      step: m.step,
      timestamp: m.timestamp,
    };
  if (select.inputs) {
    type InputRow = {
      run_uuid: string;
      name: string;
      digest: string;
      source_type: string;
      source: string;
      schema: string | null;
      profile: string | null;
      tags_json: string;
    };
    for (const d of prepared(db, `SELECT * FROM inputs WHERE run_uuid IN (${IN_IDS})`).all(
      json,
    ) as InputRow[])
      byId.get(d.run_uuid)!.inputs.push({
        name: d.name,
        digest: d.digest,
        sourceType: d.source_type,
        source: d.source,
        schema: d.schema,
        profile: d.profile,
        tags: JSON.parse(d.tags_json) as Record<string, string>,
      });
  }
  const out: Run[] = [];
  for (const id of ids) {
    const run = byId.get(id);
    if (!run) continue;
    const tags = infoTags.get(id)!;
    run.info.parentRunId = tags[TAG.parentRunId] ?? null;
    run.info.description = tags[TAG.note] ?? '';
    run.info.source = runSourceFromTags(tags);
    out.push(run);
  }
  return out;
}

// ---- metric histories ---------------------------------------------------------------------------------------

/**
 * Histories up to this many points are reduced in one pass in JavaScript; longer ones by the store's per-step
 * range queries in SQLite, which never bring the full history into JavaScript (a 1M-point history).
 */
export const SCAN_LIMIT = 50_000;

interface Point {
  x: number;
  y: number;
  step: number;
  ts: number;
}

interface Bounds {
  n: number;
  s0: number;
  s1: number;
  t0: number;
  t1: number;
}

const MAX_FINITE = Number.MAX_VALUE;

/**
 * Reduces one history, read in (step, timestamp) order, to about maxPoints points: whole when it is short,
 * else per equal x range the lowest and highest finite point, the first non-finite one, and the first and last
 * points, so peaks, NaNs and infinities all stay visible.
 */
export function reduceHistory(
  rows: Iterable<[number, number, number, number]>,
  bounds: Bounds,
  maxPoints: number,
  xAxis: MetricXAxis,
  runStart: number,
): {
  picked: Point[];
  min: { value: number; step: number } | null;
  max: { value: number; step: number } | null;
} {
  const xOf = (step: number, ts: number) => (xAxis === 'step' ? step : xAxis === 'wall' ? ts : ts - runStart);
  let min: { value: number; step: number } | null = null;
  let max: { value: number; step: number } | null = null;
  const picked: Point[] = [];
  if (bounds.n <= maxPoints) {
    for (const [step, ts, value, isNan] of rows) {
      const y = isNan ? NaN : value;
      picked.push({ x: xOf(step, ts), y, step, ts });
      if (Number.isFinite(y)) {
        if (!min || y < min.value) min = { value: y, step };
        if (!max || y > max.value) max = { value: y, step };
      }
    }
    if (xAxis !== 'step') picked.sort((a, b) => a.x - b.x || a.step - b.step);
    return { picked, min, max };
  }
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
  const lo = xAxis === 'step' ? bounds.s0 : xOf(0, bounds.t0);
  const hi = xAxis === 'step' ? bounds.s1 : xOf(0, bounds.t1);
  const width = (hi - lo) / buckets || 1;
  // Per bucket: the lowest and highest value and where they are, as flat arrays (no object per point).
  const loV = new Float64Array(buckets).fill(Infinity);
  const hiV = new Float64Array(buckets).fill(-Infinity);
  const loP = new Float64Array(buckets * 3);
  const hiP = new Float64Array(buckets * 3);
  const odd: Point[] = [];
  const oddSeen = new Uint8Array(buckets);
  let first: Point | null = null;
  const last: Point = { x: 0, y: 0, step: 0, ts: 0 };
  for (const [step, ts, value, isNan] of rows) {
    const x = xOf(step, ts);
    const y = isNan ? NaN : value;
    if (!first) first = { x, y, step, ts };
    last.x = x;
    last.y = y;
    last.step = step;
    last.ts = ts;
    const b = Math.max(0, Math.min(buckets - 1, Math.floor((x - lo) / width)));
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
  if (first) picked.push(first);
  for (let b = 0; b < buckets; b++) {
    if (loV[b] === Infinity) continue;
    picked.push({ x: loP[b * 3], y: loV[b], step: loP[b * 3 + 1], ts: loP[b * 3 + 2] });
    if (hiP[b * 3 + 1] !== loP[b * 3 + 1] || hiP[b * 3 + 2] !== loP[b * 3 + 2])
      picked.push({ x: hiP[b * 3], y: hiV[b], step: hiP[b * 3 + 1], ts: hiP[b * 3 + 2] });
    if (!min || loV[b] < min.value) min = { value: loV[b], step: loP[b * 3 + 1] };
    if (!max || hiV[b] > max.value) max = { value: hiV[b], step: hiP[b * 3 + 1] };
  }
  picked.push(...odd);
  if (first) picked.push(last);
  picked.sort((a, b) => a.x - b.x || a.step - b.step || a.ts - b.ts);
  for (let i = picked.length - 1; i > 0; i--)
    if (picked[i].step === picked[i - 1].step && picked[i].ts === picked[i - 1].ts) picked.splice(i, 1);
  return { picked, min, max };
}

/** The points per series an answer of `seriesCount` series gets: maxPoints, or less to stay in the budget. */
export function pointsPerSeries(maxPoints: number, seriesCount: number): number {
  return Math.max(10, Math.min(maxPoints, Math.floor(HISTORY_POINT_BUDGET / Math.max(1, seriesCount))));
}

/**
 * Histories of runs x keys for charts, in the order of the runs then the keys; metrics a run did not log are
 * left out. An unknown run id is NOT_FOUND.
 */
export function metricHistories(
  store: TrackerStore,
  runIds: readonly string[],
  keys: readonly string[],
  maxPoints: number,
  xAxis: MetricXAxis,
): { series: MetricSeries[]; maxPoints: number } {
  const db = store.db;
  const ids = unique(runIds);
  const wantedKeys = unique(keys);
  const idsJson = JSON.stringify(ids);
  const keysJson = JSON.stringify(wantedKeys);
  const starts = new Map(
    (
      prepared(db, `SELECT run_uuid, start_time FROM runs WHERE run_uuid IN (${IN_IDS})`).all(idsJson) as {
        run_uuid: string;
        start_time: number;
      }[]
    ).map((r) => [r.run_uuid, r.start_time]),
  );
  for (const id of ids)
    if (!starts.has(id)) throw new LakebenchError('NOT_FOUND', `Run with id=${id} not found`);
  const seriesIds = new Map<string, number>();
  for (const s of prepared(
    db,
    `SELECT id, run_uuid, key FROM metric_series WHERE run_uuid IN (${IN_IDS}) AND key IN (${IN_IDS})`,
  ).all(idsJson, keysJson) as { id: number; run_uuid: string; key: string }[])
    seriesIds.set(`${s.run_uuid}\0${s.key}`, s.id);
  const perSeries = pointsPerSeries(maxPoints, seriesIds.size);
  const bounds = new Map<number, Bounds>();
  for (const b of prepared(
    db,
    `SELECT series, count(*) AS n, min(step) AS s0, max(step) AS s1, min(timestamp) AS t0, max(timestamp) AS t1
     FROM metric_points WHERE series IN (${IN_IDS}) GROUP BY series`,
  ).all(JSON.stringify([...seriesIds.values()])) as (Bounds & { series: number })[])
    bounds.set(b.series, b);
  const latest = new Map<string, { value: number | null; is_nan: number; step: number; timestamp: number }>();
  for (const l of prepared(
    db,
    `SELECT run_uuid, key, value, is_nan, step, timestamp FROM latest_metrics
     WHERE run_uuid IN (${IN_IDS}) AND key IN (${IN_IDS})`,
  ).all(idsJson, keysJson) as {
    run_uuid: string;
    key: string;
    value: number | null;
    is_nan: number;
    step: number;
    timestamp: number;
  }[])
    latest.set(`${l.run_uuid}\0${l.key}`, l);
  const points = prepared(
    db,
    'SELECT step, timestamp, value, is_nan FROM metric_points WHERE series = ? ORDER BY step, timestamp',
  ).raw(true);

  const series: MetricSeries[] = [];
  for (const runId of ids)
    for (const key of wantedKeys) {
      const id = seriesIds.get(`${runId}\0${key}`);
      const b = id === undefined ? undefined : bounds.get(id);
      if (id === undefined || !b || b.n === 0) continue;
      if (b.n > SCAN_LIMIT) {
        series.push(store.metricSeries(runId, key, perSeries, xAxis));
        continue;
      }
      const rows = points.iterate(id) as IterableIterator<[number, number, number, number]>;
      const { picked, min, max } = reduceHistory(rows, b, perSeries, xAxis, starts.get(runId)!);
      const l = latest.get(`${runId}\0${key}`);
      series.push({
        runId,
        key,
        count: b.n,
        downsampled: picked.length < b.n,
        x: picked.map((p) => p.x),
        y: picked.map((p) => toMetricValue(p.y)),
        steps: picked.map((p) => p.step),
        min,
        max,
        last: l
          ? {
              value: toMetricValue(l.is_nan ? NaN : (l.value as number)),
              step: l.step,
              timestamp: l.timestamp,
            }
          : null,
      });
    }
  return { series, maxPoints: perSeries };
}
