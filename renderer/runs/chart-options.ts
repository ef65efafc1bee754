import type { GroupHistory, MetricSeries, MetricXAxis, Run } from '../../shared/tracker/model';
import { axisValue, drawableY, isNumericAxis, smoothEma, type PlotAxis } from './analysis';
import { formatDuration, formatNumber } from './format';

/**
 * ECharts options for the run charts, built by pure functions (no canvas), so what a chart will draw is
 * unit-tested. Colors and axis styles of the dark theme are passed in by the components.
 */

export interface RunLegend {
  runId: string;
  name: string;
  color: string;
}

export interface LineSettings {
  xAxis: MetricXAxis;
  logY: boolean;
  /** EMA weight in [0, 1). */
  smoothing: number;
  showPoints: boolean;
}

type Style = Record<string, unknown>;

const X_NAMES: Record<MetricXAxis, string> = { step: 'Step', wall: 'Time', relative: 'Time since start' };

/** Points of one series as [x, y] pairs, smoothed; on a log axis values ≤ 0 cannot be drawn and become gaps. */
export function seriesPoints(s: MetricSeries, smoothing: number, logY: boolean): [number, number | null][] {
  const y = smoothEma(drawableY(s.y), smoothing);
  return s.x.map((x, i) => {
    const v = y[i];
    return [x, !Number.isFinite(v) || (logY && v <= 0) ? null : v];
  });
}

export function metricLineOption(
  key: string,
  series: readonly MetricSeries[],
  runs: readonly RunLegend[],
  settings: LineSettings,
  style: { axis: Style; tooltip: Style },
): Record<string, unknown> {
  const byRun = new Map(series.filter((s) => s.key === key).map((s) => [s.runId, s]));
  if (byRun.size > 0 && [...byRun.values()].every((s) => s.x.length <= 1))
    return metricBarOption(byRun, runs, settings.logY, style);
  const out: Record<string, unknown>[] = [];
  for (const run of runs) {
    const s = byRun.get(run.runId);
    if (!s || s.x.length === 0) continue;
    if (settings.smoothing > 0) {
      // The raw line stays visible, faint, under the smoothed one.
      out.push({
        id: `_raw-${run.runId}`,
        type: 'line',
        data: seriesPoints(s, 0, settings.logY),
        showSymbol: false,
        silent: true,
        lineStyle: { color: run.color, width: 1, opacity: 0.25 },
        itemStyle: { color: run.color },
        sampling: 'lttb',
        tooltip: { show: false },
      });
    }
    out.push({
      id: run.runId,
      name: run.name,
      type: 'line',
      data: seriesPoints(s, settings.smoothing, settings.logY),
      showSymbol: settings.showPoints || s.x.length === 1,
      symbolSize: 4,
      connectNulls: false,
      sampling: 'lttb',
      large: s.x.length > 5000,
      lineStyle: { color: run.color, width: 1.6 },
      itemStyle: { color: run.color },
      emphasis: { focus: 'series' },
    });
  }
  const xType = settings.xAxis === 'wall' ? 'time' : 'value';
  return {
    grid: { left: 56, right: 16, top: 12, bottom: 36 },
    tooltip: {
      ...style.tooltip,
      trigger: 'axis',
      valueFormatter: (v: unknown) => (typeof v === 'number' ? formatNumber(v) : String(v ?? '')),
    },
    xAxis: {
      ...style.axis,
      type: xType,
      name: X_NAMES[settings.xAxis],
      nameLocation: 'middle',
      nameGap: 22,
      scale: true,
      axisLabel: {
        ...(style.axis.axisLabel as Style),
        ...(settings.xAxis === 'relative' ? { formatter: (v: number) => formatDuration(v) } : {}),
      },
    },
    yAxis: {
      ...style.axis,
      type: settings.logY ? 'log' : 'value',
      scale: true,
      axisLabel: { ...(style.axis.axisLabel as Style), formatter: (v: number) => formatNumber(v) },
    },
    dataZoom: [{ type: 'inside', xAxisIndex: 0, filterMode: 'none' }],
    series: out,
  };
}

/** A metric logged once per run (a final score) is a bar per run, not a line of one point. */
function metricBarOption(
  byRun: Map<string, MetricSeries>,
  runs: readonly RunLegend[],
  logY: boolean,
  style: { axis: Style; tooltip: Style },
): Record<string, unknown> {
  const shown = runs.filter((r) => (byRun.get(r.runId)?.y.length ?? 0) > 0);
  return {
    grid: { left: 56, right: 16, top: 12, bottom: 36 },
    tooltip: {
      ...style.tooltip,
      trigger: 'item',
      valueFormatter: (v: unknown) => (typeof v === 'number' ? formatNumber(v) : String(v ?? '')),
    },
    xAxis: {
      ...style.axis,
      type: 'category',
      data: shown.map((r) => r.name),
      axisLabel: { ...(style.axis.axisLabel as Style), interval: 0, rotate: shown.length > 4 ? 30 : 0 },
    },
    yAxis: {
      ...style.axis,
      type: logY ? 'log' : 'value',
      scale: logY,
      axisLabel: { ...(style.axis.axisLabel as Style), formatter: (v: number) => formatNumber(v) },
    },
    series: shown.map((r, i) => {
      const s = byRun.get(r.runId) as MetricSeries;
      const v = seriesPoints(s, 0, logY)[0]?.[1] ?? null;
      const data: (number | null)[] = shown.map(() => null);
      data[i] = v;
      return {
        id: r.runId,
        name: r.name,
        type: 'bar',
        stack: 'one',
        barMaxWidth: 36,
        itemStyle: { color: r.color },
        data,
      };
    }),
  };
}

/** Mean line and min/max band per group over steps (a stacked pair of areas draws the band). */
export function groupBandOption(
  groups: readonly { label: string; color: string; history: GroupHistory | undefined }[],
  style: { axis: Style; tooltip: Style },
): Record<string, unknown> {
  const series: Record<string, unknown>[] = [];
  groups.forEach((g, i) => {
    const h = g.history;
    if (!h || h.steps.length === 0) return;
    series.push({
      id: `_lo-${i}`,
      type: 'line',
      data: h.steps.map((s, j) => [s, h.min[j]]),
      stack: `band-${i}`,
      lineStyle: { opacity: 0 },
      showSymbol: false,
      silent: true,
      tooltip: { show: false },
    });
    series.push({
      id: `_band-${i}`,
      type: 'line',
      data: h.steps.map((s, j) => [s, h.max[j] - h.min[j]]),
      stack: `band-${i}`,
      lineStyle: { opacity: 0 },
      areaStyle: { color: g.color, opacity: 0.18 },
      showSymbol: false,
      silent: true,
      tooltip: { show: false },
    });
    series.push({
      id: `group-${i}`,
      name: `${g.label} (mean)`,
      type: 'line',
      data: h.steps.map((s, j) => [s, h.mean[j]]),
      showSymbol: h.steps.length === 1,
      lineStyle: { color: g.color, width: 2 },
      itemStyle: { color: g.color },
    });
  });
  return {
    grid: { left: 56, right: 16, top: 12, bottom: 36 },
    tooltip: { ...style.tooltip, trigger: 'axis', valueFormatter: (v: unknown) => formatNumber(v as number) },
    xAxis: { ...style.axis, type: 'value', name: 'Step', nameLocation: 'middle', nameGap: 22, scale: true },
    yAxis: { ...style.axis, type: 'value', scale: true },
    series,
  };
}

function axisDomain(runs: readonly Run[], axis: PlotAxis) {
  const values = runs.map((r) => axisValue(r, axis));
  const numeric = isNumericAxis(values);
  const categories = numeric
    ? []
    : [...new Set(values.filter((v) => v !== null).map(String))].sort((a, b) => a.localeCompare(b));
  return { values, numeric, categories };
}

/** A parallel-coordinates plot: one axis per chosen param or metric, one line per run. */
export function parallelOption(
  runs: readonly Run[],
  legend: readonly RunLegend[],
  axes: readonly PlotAxis[],
  style: { axis: Style; tooltip: Style },
): Record<string, unknown> {
  const domains = axes.map((a) => axisDomain(runs, a));
  return {
    parallel: { left: 60, right: 80, top: 36, bottom: 24 },
    parallelAxis: axes.map((a, i) => ({
      dim: i,
      name: a.key,
      type: domains[i].numeric ? 'value' : 'category',
      data: domains[i].numeric ? undefined : domains[i].categories,
      scale: true,
      nameTextStyle: { color: '#d7dae0', fontSize: 11 },
      axisLine: (style.axis as { axisLine: unknown }).axisLine,
      axisLabel: { color: '#8b93a1', fontSize: 10 },
    })),
    tooltip: { ...style.tooltip, trigger: 'item' },
    series: [
      {
        id: 'runs',
        type: 'parallel',
        lineStyle: { width: 2, opacity: 0.85 },
        data: runs.map((r, ri) => ({
          name: legend[ri]?.name ?? r.info.runName,
          value: domains.map((d) => {
            const v = d.values[ri];
            return v === null ? null : d.numeric ? v : String(v);
          }),
          lineStyle: { color: legend[ri]?.color },
        })),
      },
    ],
  };
}

/** Any param or metric against any other, one point per run in its color. */
export function scatterOption(
  runs: readonly Run[],
  legend: readonly RunLegend[],
  x: PlotAxis,
  y: PlotAxis,
  style: { axis: Style; tooltip: Style },
): Record<string, unknown> {
  const dx = axisDomain(runs, x);
  const dy = axisDomain(runs, y);
  const axis = (d: ReturnType<typeof axisDomain>, name: string) => ({
    ...style.axis,
    type: d.numeric ? 'value' : 'category',
    data: d.numeric ? undefined : d.categories,
    scale: true,
    name,
    nameLocation: 'middle',
    nameGap: d.numeric ? 26 : 30,
  });
  return {
    grid: { left: 64, right: 20, top: 16, bottom: 44 },
    tooltip: {
      ...style.tooltip,
      trigger: 'item',
      formatter: (p: { seriesName: string; value: [unknown, unknown] }) =>
        `${p.seriesName}<br/>${x.key}: ${String(p.value[0])}<br/>${y.key}: ${String(p.value[1])}`,
    },
    xAxis: axis(dx, x.key),
    yAxis: axis(dy, y.key),
    series: runs.flatMap((r, i) => {
      const vx = dx.values[i];
      const vy = dy.values[i];
      if (vx === null || vy === null) return [];
      return [
        {
          id: r.info.runId,
          name: legend[i]?.name ?? r.info.runName,
          type: 'scatter',
          symbolSize: 11,
          itemStyle: { color: legend[i]?.color },
          data: [[dx.numeric ? vx : String(vx), dy.numeric ? vy : String(vy)]],
        },
      ];
    }),
  };
}
