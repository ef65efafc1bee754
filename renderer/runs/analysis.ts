import { metricNumber, type MetricValue, type Run } from '../../shared/tracker/model';

/**
 * Pure logic of the compare view and the run charts: which values differ, which run is best per metric,
 * smoothing, downsampling for drawing, and statistics over groups of runs. No DOM, unit-tested.
 */

/** Run colors: distinct on the dark theme, in the order runs were selected. */
export const RUN_COLORS = [
  '#61afef',
  '#e5c07b',
  '#c678dd',
  '#4ec98a',
  '#f06c75',
  '#56b6c2',
  '#d19a66',
  '#a3be8c',
  '#ff79c6',
  '#8be9fd',
  '#bd93f9',
  '#f1fa8c',
] as const;

export function runColor(index: number): string {
  return RUN_COLORS[index % RUN_COLORS.length];
}

/**
 * A row differs when any run's value differs from the first run's, a missing value included (MLflow's rule,
 * `values.some(x => x !== values[0])`).
 */
export function valuesDiffer(values: readonly (string | null | undefined)[]): boolean {
  const first = values[0] ?? null;
  return values.some((v) => (v ?? null) !== first);
}

/** For each cell, whether it differs from the first run's value (the cells the compare view highlights). */
export function diffCells(values: readonly (string | null | undefined)[]): boolean[] {
  if (!valuesDiffer(values)) return values.map(() => false);
  const first = values[0] ?? null;
  return values.map((v, i) => i > 0 && (v ?? null) !== first);
}

export interface CompareRow {
  key: string;
  values: (string | null)[];
  differs: boolean;
}

/** Rows of a params or tags table over runs: every key any run has, sorted, with its values per run. */
export function compareRows(
  maps: readonly Record<string, string>[],
  options: { onlyDifferences?: boolean; hideKey?: (key: string) => boolean } = {},
): CompareRow[] {
  const keys = new Set<string>();
  for (const m of maps) for (const k of Object.keys(m)) if (!options.hideKey?.(k)) keys.add(k);
  const rows = [...keys]
    .sort((a, b) => a.localeCompare(b))
    .map((key) => {
      const values = maps.map((m) => (key in m ? m[key] : null));
      return { key, values, differs: valuesDiffer(values) };
    });
  return options.onlyDifferences ? rows.filter((r) => r.differs) : rows;
}

export type Goal = 'min' | 'max';

/** A guess from the metric's name; the user can flip it per metric. */
export function defaultGoal(metricKey: string): Goal {
  const k = metricKey.toLowerCase();
  if (
    /(loss|err|error|rmse|mse|mae|mape|perplexity|ppl|latency|time|duration|seconds|secs|_ms|cost|wer|cer|fpr|fnr)/.test(
      k,
    )
  )
    return 'min';
  return 'max';
}

/**
 * Indexes of the best values (ties all count); NaN and missing values are never best, and -Infinity/Infinity
 * count as numbers (an Infinity loss is the worst, not missing).
 */
export function bestIndexes(values: readonly (number | null | undefined)[], goal: Goal): number[] {
  let best: number | null = null;
  for (const v of values) {
    if (v === null || v === undefined || Number.isNaN(v)) continue;
    if (best === null || (goal === 'min' ? v < best : v > best)) best = v;
  }
  if (best === null) return [];
  const out: number[] = [];
  values.forEach((v, i) => {
    if (v === best) out.push(i);
  });
  // Every run equal is not a "best".
  const present = values.filter((v) => v !== null && v !== undefined && !Number.isNaN(v)).length;
  return present > 1 && out.length === present ? [] : out;
}

/** Latest values of one metric across runs, as numbers (null when a run did not log it). */
export function latestValues(runs: readonly Run[], key: string): (number | null)[] {
  return runs.map((r) => (r.metrics[key] ? metricNumber(r.metrics[key].value) : null));
}

/**
 * TensorBoard's debiased exponential moving average; `weight` in [0, 1) (0 = raw). Non-finite points are
 * kept as they are and do not poison the average.
 */
export function smoothEma(values: readonly number[], weight: number): number[] {
  if (weight <= 0) return values.slice();
  const w = Math.min(weight, 0.999);
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    last = last * w + (1 - w) * v;
    n++;
    return last / (1 - Math.pow(w, n));
  });
}

/**
 * Reduces a series to at most about `maxPoints` points for drawing: each bucket keeps its first, minimum,
 * maximum and last point in x order, so no peak or dip is lost. Non-finite y values are always kept.
 */
export function downsampleMinMax(
  x: readonly number[],
  y: readonly number[],
  maxPoints: number,
): { x: number[]; y: number[] } {
  const n = Math.min(x.length, y.length);
  if (n <= maxPoints || maxPoints < 4) return { x: x.slice(0, n), y: y.slice(0, n) };
  const buckets = Math.max(1, Math.floor(maxPoints / 4));
  const size = n / buckets;
  const keep: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(n, Math.floor((b + 1) * size));
    if (end <= start) continue;
    let lo = -1;
    let hi = -1;
    const odd: number[] = [];
    for (let i = start; i < end; i++) {
      const v = y[i];
      if (!Number.isFinite(v)) {
        odd.push(i);
        continue;
      }
      if (lo < 0 || v < y[lo]) lo = i;
      if (hi < 0 || v > y[hi]) hi = i;
    }
    const picks = new Set([start, end - 1, ...odd]);
    if (lo >= 0) picks.add(lo);
    if (hi >= 0) picks.add(hi);
    keep.push(...[...picks].sort((a, b2) => a - b2));
  }
  return { x: keep.map((i) => x[i]), y: keep.map((i) => y[i]) };
}

export interface Stats {
  count: number;
  mean: number | null;
  /** Sample standard deviation (n-1); 0 for one value. */
  std: number | null;
  min: number | null;
  max: number | null;
}

/** Mean, spread and range of the finite values. */
export function stats(values: readonly (number | null | undefined)[]): Stats {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return { count: 0, mean: null, std: null, min: null, max: null };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { count: v.length, mean, std, min: Math.min(...v), max: Math.max(...v) };
}

/**
 * Groups runs by a param's value (e.g. all seeds of one learning rate), with the stats of each metric's
 * latest value per group. Runs without the param form the group `null`, listed last.
 */
export function groupByParam(
  runs: readonly Run[],
  param: string,
  metricKeys: readonly string[],
): { value: string | null; runIds: string[]; metrics: Record<string, Stats> }[] {
  const groups = new Map<string | null, Run[]>();
  for (const r of runs) {
    const v = param in r.params ? r.params[param] : null;
    const list = groups.get(v);
    if (list) list.push(r);
    else groups.set(v, [r]);
  }
  const order = [...groups.keys()].sort((a, b) => {
    if (a === null) return 1;
    if (b === null) return -1;
    const na = Number(a);
    const nb = Number(b);
    return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : a.localeCompare(b);
  });
  return order.map((value) => {
    const members = groups.get(value) ?? [];
    const metrics: Record<string, Stats> = {};
    for (const k of metricKeys) metrics[k] = stats(latestValues(members, k));
    return { value, runIds: members.map((r) => r.info.runId), metrics };
  });
}

/** A param or metric of a run as a number for plotting, or its text when it is not numeric. */
export function axisValue(run: Run, axis: PlotAxis): number | string | null {
  if (axis.kind === 'metric') {
    const m = run.metrics[axis.key];
    return m ? metricNumber(m.value) : null;
  }
  const raw = run.params[axis.key];
  if (raw === undefined) return null;
  const n = Number(raw);
  return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
}

export interface PlotAxis {
  kind: 'param' | 'metric';
  key: string;
}

export function axisId(a: PlotAxis): string {
  return `${a.kind === 'param' ? 'params' : 'metrics'}.${a.key}`;
}

export function parseAxisId(id: string): PlotAxis | null {
  const m = /^(params|metrics)\.(.+)$/.exec(id);
  return m ? { kind: m[1] === 'params' ? 'param' : 'metric', key: m[2] } : null;
}

/** Whether every present value of an axis is a number (a value axis), else a category axis. */
export function isNumericAxis(values: readonly (number | string | null)[]): boolean {
  return values.every((v) => v === null || typeof v === 'number');
}

/** Metric values as drawn: finite numbers, NaN for NaN; infinities are clipped out of the chart. */
export function drawableY(values: readonly MetricValue[]): number[] {
  return values.map((v) => {
    const n = metricNumber(v);
    return Number.isFinite(n) ? n : NaN;
  });
}

/**
 * The param to group by first: one that differs, is not a seed, was logged by every run if any such exists,
 * and splits the runs into the fewest groups (more than one), so each group holds several runs.
 */
export function defaultGroupParam(runs: readonly Run[], differing: readonly string[]): string | null {
  let best: string | null = null;
  let bestCount = Infinity;
  for (const key of differing) {
    if (/seed/i.test(key)) continue;
    const distinct = new Set(runs.map((r) => r.params[key] ?? '\0')).size;
    // A param every run logged beats one only some logged.
    const count = distinct + (runs.some((r) => !(key in r.params)) ? 1000 : 0);
    if (distinct > 1 && count < bestCount) {
      best = key;
      bestCount = count;
    }
  }
  return best ?? differing[0] ?? null;
}

/** The metric logged over the most steps: the one whose band over steps says the most. */
export function longestMetric(runs: readonly Run[], keys: readonly string[]): string | null {
  let best: string | null = null;
  let bestStep = -Infinity;
  for (const k of keys) {
    const step = Math.max(...runs.map((r) => r.metrics[k]?.step ?? -Infinity));
    if (step > bestStep) {
      best = k;
      bestStep = step;
    }
  }
  return best;
}

/** A value against the baseline run's, as a signed fraction (0.05 = 5 % higher); null when not comparable. */
export function relativeDelta(value: number | null, baseline: number | null): number | null {
  if (value === null || baseline === null || !Number.isFinite(value) || !Number.isFinite(baseline))
    return null;
  if (baseline === 0) return value === 0 ? 0 : null;
  return (value - baseline) / Math.abs(baseline);
}
