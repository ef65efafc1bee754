import type Database from 'better-sqlite3';
import { LakebenchError } from '../../../shared/errors';
import { HISTORY_POINT_BUDGET } from '../../../shared/tracker/contract';
import { toMetricValue, type MetricSeries, type MetricXAxis } from '../../../shared/tracker/model';
import { IN_IDS, prepared } from './statements';
import type { TrackerStore } from './store';

/**
 * Metric histories of many tracked runs x keys at once, with a handful of statements per request however many
 * runs it names (and one or a few per metric series).
 */

// ---- metric histories ---------------------------------------------------------------------------------------

interface Bounds {
  n: number;
  s0: number;
  s1: number;
  t0: number;
  t1: number;
}

/** The drawn points of one series, as parallel arrays (no object per point). */
interface Drawn {
  x: number[];
  y: number[];
  steps: number[];
  min: { value: number; step: number } | null;
  max: { value: number; step: number } | null;
}

/**
 * Histories longer than this are reduced by the store's per-step-range queries (TrackerStore.metricSeries), which
 * read each range through the (series, step) key; a grouped scan must sort the history first, which costs more
 * at a million points (measured: about 0.8 s against 1.3 s for 1M points).
 */
export const GROUPED_SCAN_LIMIT = 50_000;

const FINITE = 'is_nan = 0 AND value BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308';

/** A whole short history, in x order (step, then timestamp, for the step axis). */
function wholeHistory(db: Database.Database, series: number, xAxis: MetricXAxis, runStart: number): Drawn {
  const rows = prepared(
    db,
    'SELECT step, timestamp, value, is_nan FROM metric_points WHERE series = ? ORDER BY step, timestamp',
  )
    .raw(true)
    .all(series) as [number, number, number, number][];
  const x = new Array<number>(rows.length);
  const y = new Array<number>(rows.length);
  const steps = new Array<number>(rows.length);
  let min: Drawn['min'] = null;
  let max: Drawn['max'] = null;
  rows.forEach(([step, ts, value, isNan], i) => {
    const v = isNan ? NaN : value;
    x[i] = xAxis === 'step' ? step : xAxis === 'wall' ? ts : ts - runStart;
    y[i] = v;
    steps[i] = step;
    if (Number.isFinite(v)) {
      if (!min || v < min.value) min = { value: v, step };
      if (!max || v > max.value) max = { value: v, step };
    }
  });
  if (xAxis === 'step') return { x, y, steps, min, max };
  // Wall and relative time: by x, keeping the (step, timestamp) order of equal times.
  const order = rows.map((_, i) => i).sort((a, b) => x[a] - x[b] || steps[a] - steps[b] || a - b);
  return {
    x: order.map((i) => x[i]),
    y: order.map((i) => y[i]),
    steps: order.map((i) => steps[i]),
    min,
    max,
  };
}

/**
 * A long history reduced in SQLite, never brought into JavaScript whole: the x range (steps,
 * or times) is cut into equal buckets, and per bucket one grouped scan finds the lowest finite point, another the
 * highest (SQLite gives the row of a bucket's min() or max()), a third the first NaN or infinity; the first and
 * last points are added. Peaks, dips, NaNs and infinities all stay visible.
 */
function reducedHistory(
  db: Database.Database,
  series: number,
  b: Bounds,
  maxPoints: number,
  xAxis: MetricXAxis,
  runStart: number,
): Drawn {
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
  const byTime = xAxis !== 'step';
  const col = byTime ? 'timestamp' : 'step';
  const lo = byTime ? b.t0 : b.s0;
  const width = Math.max(1, Math.ceil(((byTime ? b.t1 : b.s1) - lo + 1) / buckets));
  const bucket = `CAST((${col} - ?) / ? AS INTEGER)`;
  const grouped = (pick: string, where: string) =>
    prepared(
      db,
      `SELECT step, timestamp, ${pick}, is_nan FROM metric_points WHERE series = ? AND ${where} GROUP BY ${bucket}`,
    )
      .raw(true)
      .all(series, lo, width) as [number, number, number, number][];
  const lows = grouped('min(value)', FINITE);
  const highs = grouped('max(value)', FINITE);
  const odd = grouped('value', `NOT (${FINITE})`);
  const ends = prepared(
    db,
    `SELECT * FROM (SELECT step, timestamp, value, is_nan FROM metric_points WHERE series = @s
       ORDER BY step, timestamp LIMIT 1)
     UNION ALL SELECT * FROM (SELECT step, timestamp, value, is_nan FROM metric_points WHERE series = @s
       ORDER BY step DESC, timestamp DESC LIMIT 1)`,
  )
    .raw(true)
    .all({ s: series }) as [number, number, number, number][];
  let min: Drawn['min'] = null;
  let max: Drawn['max'] = null;
  for (const [step, , value] of lows) if (!min || value < min.value) min = { value, step };
  for (const [step, , value] of highs) if (!max || value > max.value) max = { value, step };
  const points = [...ends, ...lows, ...highs, ...odd].map(([step, ts, value, isNan]) => ({
    x: xAxis === 'step' ? step : xAxis === 'wall' ? ts : ts - runStart,
    y: isNan ? NaN : value,
    step,
    ts,
  }));
  points.sort((p, q) => p.x - q.x || p.step - q.step || p.ts - q.ts);
  const kept = points.filter((p, i) => i === 0 || p.step !== points[i - 1].step || p.ts !== points[i - 1].ts);
  return { x: kept.map((p) => p.x), y: kept.map((p) => p.y), steps: kept.map((p) => p.step), min, max };
}

/** The points per series an answer of `seriesCount` series gets: maxPoints, or less to stay in the budget. */
export function pointsPerSeries(maxPoints: number, seriesCount: number): number {
  return Math.max(10, Math.min(maxPoints, Math.floor(HISTORY_POINT_BUDGET / Math.max(1, seriesCount))));
}

/**
 * Histories of runs x keys for charts, in the order of the runs then the keys; metrics a run did not log are
 * left out. A handful of statements for the whole request, then one read per series: whole when it has at most
 * the points asked for, else reduced in SQLite (grouped scans, or per step range past GROUPED_SCAN_LIMIT points).
 * An unknown run id is NOT_FOUND.
 */
export function metricHistories(
  store: TrackerStore,
  runIds: readonly string[],
  keys: readonly string[],
  maxPoints: number,
  xAxis: MetricXAxis,
): { series: MetricSeries[]; maxPoints: number } {
  const db = store.db;
  const ids = [...new Set(runIds)];
  const wantedKeys = [...new Set(keys)];
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

  const series: MetricSeries[] = [];
  for (const runId of ids)
    for (const key of wantedKeys) {
      const id = seriesIds.get(`${runId}\0${key}`);
      const b = id === undefined ? undefined : bounds.get(id);
      if (id === undefined || !b || b.n === 0) continue;
      const start = starts.get(runId)!;
      if (b.n > GROUPED_SCAN_LIMIT) {
        series.push(store.metricSeries(runId, key, perSeries, xAxis));
        continue;
      }
      const drawn =
        b.n <= perSeries
          ? wholeHistory(db, id, xAxis, start)
          : reducedHistory(db, id, b, perSeries, xAxis, start);
      const l = latest.get(`${runId}\0${key}`);
      series.push({
        runId,
        key,
        count: b.n,
        downsampled: drawn.x.length < b.n,
        x: drawn.x,
        y: drawn.y.map(toMetricValue),
        steps: drawn.steps,
        min: drawn.min,
        max: drawn.max,
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
