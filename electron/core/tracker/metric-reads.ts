import type Database from 'better-sqlite3';
import { toMetricValue, type MetricSeries, type MetricXAxis } from '../../../shared/tracker/model';
import { decodeToken, encodeToken } from './page-token';
import type { TrackedRunRow } from './run-reader';

/**
 * Reads of one tracked run's metrics: a history page as MLflow serves it, a series reduced for drawing, and the
 * per-group statistics of runs compared side by side. The store resolves the run and the series id first.
 */

const MAX_FINITE = Number.MAX_VALUE;

/** A metric's full history, MLflow's order (step, then timestamp), paged by offset. */
export function metricHistory(
  db: Database.Database,
  series: number | null,
  key: string,
  maxResults: number,
  pageToken: string | null,
): {
  metrics: { key: string; value: number; timestamp: number; step: number }[];
  nextPageToken: string | null;
} {
  const offset = decodeToken(pageToken);
  if (series === null) return { metrics: [], nextPageToken: null };
  const rows = db
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
export function metricSeries(
  db: Database.Database,
  run: TrackedRunRow,
  series: number | null,
  runId: string,
  key: string,
  maxPoints: number,
  xAxis: MetricXAxis,
): MetricSeries {
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
  const bounds = db
    .prepare<[number], { n: number; s0: number; s1: number; t0: number; t1: number }>(
      `SELECT count(*) AS n, min(step) AS s0, max(step) AS s1, min(timestamp) AS t0, max(timestamp) AS t1
       FROM metric_points WHERE series = ?`,
    )
    .get(series)!;
  if (bounds.n === 0) return empty;
  const rows = db
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
    const lowest = db
      .prepare<[number, number, number], [number | null, number, number]>(
        `SELECT min(value), step, timestamp FROM metric_points WHERE series = ? AND step >= ? AND step < ? AND ${finite}`,
      )
      .raw(true);
    const highest = db
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
    const ends = db
      .prepare<[number, number], [number, number, number, number]>(
        `SELECT step, timestamp, value, is_nan FROM metric_points WHERE series = ?
         AND NOT (${finite}) LIMIT ?`,
      )
      .raw(true)
      .all(series, maxPoints);
    const edge = db
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
  const latest = db
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
export function groupHistory(db: Database.Database, runIds: string[], key: string, maxPoints: number) {
  const rows = db
    .prepare<[string, string], { step: number; n: number; mean: number; sq: number; lo: number; hi: number }>(
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
export function latestValues(db: Database.Database, runIds: string[], key: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of db
    .prepare<[string, string], { run_uuid: string; value: number | null; is_nan: number }>(
      'SELECT run_uuid, value, is_nan FROM latest_metrics WHERE run_uuid IN (SELECT value FROM json_each(?)) AND key = ?',
    )
    .all(JSON.stringify(runIds), key)) {
    const v = r.is_nan ? NaN : (r.value as number);
    if (Number.isFinite(v)) out.set(r.run_uuid, v);
  }
  return out;
}

export function paramValues(db: Database.Database, runIds: string[], key: string): Map<string, string> {
  return new Map(
    db
      .prepare<[string, string], { run_uuid: string; value: string }>(
        'SELECT run_uuid, value FROM params WHERE run_uuid IN (SELECT value FROM json_each(?)) AND key = ?',
      )
      .all(JSON.stringify(runIds), key)
      .map((r) => [r.run_uuid, r.value]),
  );
}

/** The number of stored points of a run's metric, or of all its metrics (tests and benchmarks). */
export function metricCount(db: Database.Database, runId: string, key?: string): number {
  const r = db
    .prepare<[string, string | null, string | null], { n: number }>(
      `SELECT count(*) AS n FROM metric_series s JOIN metric_points p ON p.series = s.id
       WHERE s.run_uuid = ? AND (? IS NULL OR s.key = ?)`,
    )
    .get(runId, key ?? null, key ?? null);
  return r?.n ?? 0;
}
