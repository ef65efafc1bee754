import { ArrowDownWideNarrow, ArrowUpWideNarrow, Download, Eye, EyeOff } from 'lucide-react';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import {
  METRIC_X_AXES,
  type MetricSeries,
  type MetricXAxis,
  type Run,
  type RunGroup,
} from '../../shared/tracker/model';
import { MAX_GET_RUNS, MAX_HISTORY_RUNS } from '../../shared/tracker/contract';
import { client } from '../api';
import { ErrorBoundary } from '../common/ErrorBoundary';
import {
  axisId,
  bestIndexes,
  compareRows,
  defaultGoal,
  defaultGroupParam,
  diffCells,
  latestValues,
  longestMetric,
  parseAxisId,
  relativeDelta,
  runColor,
  type Goal,
  type PlotAxis,
} from './analysis';
import {
  groupBandOption,
  metricLineOption,
  parallelOption,
  scatterOption,
  type RunLegend,
} from './chart-options';
import { axisStyle, EChart, tooltipStyle } from './EChart';
import { formatDuration, formatNumber, formatTime, runDuration, shortId, STATUS_COLORS } from './format';
import { COMPARE_MAX_RUNS, useRuns } from './store';
import { runsTestIds } from './testids';

const chartStyle = { axis: axisStyle, tooltip: tooltipStyle };
const MAX_CHARTS = 12;

/** The runs by id, in the given order, from every experiment (compare works across experiments). */
export async function fetchRuns(runIds: readonly string[]): Promise<Run[]> {
  const runs: Run[] = [];
  for (let i = 0; i < runIds.length; i += MAX_GET_RUNS)
    runs.push(...(await client.call('tracker.getRuns', { runIds: runIds.slice(i, i + MAX_GET_RUNS) })).runs);
  return runs;
}

/**
 * Points the charts ask for in all: each series gets its share (at most 1500, at least 100), so a hundred runs
 * x a dozen metrics stays a few MB and a chart ECharts draws at once. Peaks survive any reduction.
 */
const CHART_POINTS = 300_000;

export function chartPointsPerSeries(runs: number, keys: number): number {
  return Math.max(100, Math.min(1500, Math.floor(CHART_POINTS / Math.max(1, runs * keys))));
}

function Section({ title, tools, children }: { title: string; tools?: ReactNode; children: ReactNode }) {
  return (
    <section className="cmp-section">
      <div className="cmp-section-head">
        <h3>{title}</h3>
        <span className="spacer" />
        {tools}
      </div>
      <ErrorBoundary what={`The ${title.toLowerCase()}`}>{children}</ErrorBoundary>
    </section>
  );
}

function Switch({
  on,
  set,
  label,
  testId,
}: {
  on: boolean;
  set(v: boolean): void;
  label: string;
  testId?: string;
}) {
  return (
    <label className="cmp-switch">
      <input type="checkbox" checked={on} onChange={(e) => set(e.target.checked)} data-testid={testId} />
      {label}
    </label>
  );
}

function RunHeader({ legend, i }: { legend: RunLegend; i: number }) {
  return (
    <th className="cmp-run-col" title={legend.runId}>
      <button
        className="runs-link"
        onClick={() => useRuns.getState().setView({ kind: 'run', runId: legend.runId })}
      >
        <span className="cmp-swatch" style={{ background: legend.color }} />
        {legend.name || shortId(legend.runId)}
      </button>
      <span className="sr-only">run {i + 1}</span>
    </th>
  );
}

function ValuesTable({
  rows,
  legend,
  testId,
  empty,
}: {
  rows: ReturnType<typeof compareRows>;
  legend: RunLegend[];
  testId: (key: string) => string;
  empty: string;
}) {
  if (!rows.length) return <div className="muted cmp-empty">{empty}</div>;
  return (
    <div className="cmp-table-wrap">
      <table className="cmp-table">
        <thead>
          <tr>
            <th className="cmp-key-col">Key</th>
            {legend.map((l, i) => (
              <RunHeader key={l.runId} legend={l} i={i} />
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const cells = diffCells(row.values);
            return (
              <tr
                key={row.key}
                className={row.differs ? 'cmp-differs' : ''}
                data-testid={testId(row.key)}
                data-differs={row.differs}
              >
                <td className="cmp-key-col" title={row.key}>
                  {row.key}
                </td>
                {row.values.map((v, i) => (
                  <td
                    key={legend[i].runId}
                    className={`${cells[i] ? 'cmp-diff-cell' : ''}${v === null ? ' cmp-missing' : ''}`}
                    data-testid={cells[i] ? runsTestIds.compareDiffCell : undefined}
                    title={v ?? 'not logged'}
                  >
                    {v ?? '—'}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function DeltaBadge({ delta, goal }: { delta: number | null; goal: Goal }) {
  if (delta === null || delta === 0) return null;
  const better = goal === 'min' ? delta < 0 : delta > 0;
  const pct = Math.abs(delta) >= 10 ? `${Math.round(delta * 100)}%` : `${(delta * 100).toFixed(1)}%`;
  return (
    <span className={`cmp-delta ${better ? 'better' : 'worse'}`} title="Against the first run (the baseline)">
      {delta > 0 ? '+' : ''}
      {pct}
    </span>
  );
}

function MetricsTable({
  runs,
  legend,
  onlyDiff,
  vsBaseline,
}: {
  runs: Run[];
  legend: RunLegend[];
  onlyDiff: boolean;
  vsBaseline: boolean;
}) {
  const [goals, setGoals] = useState<Record<string, Goal>>({});
  const keys = useMemo(() => [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort(), [runs]);
  const rows = keys
    .map((key) => {
      const values = latestValues(runs, key);
      const goal = goals[key] ?? defaultGoal(key);
      const text = values.map((v) => (v === null ? null : formatNumber(v)));
      return { key, values, goal, best: new Set(bestIndexes(values, goal)), differs: new Set(text).size > 1 };
    })
    .filter((r) => !onlyDiff || r.differs);
  if (!rows.length)
    return (
      <div className="muted cmp-empty">{keys.length ? 'All metrics are equal.' : 'No metrics logged.'}</div>
    );
  return (
    <div className="cmp-table-wrap">
      <table className="cmp-table">
        <thead>
          <tr>
            <th className="cmp-key-col">Metric</th>
            <th className="cmp-goal-col" title="Which way is better; click to flip">
              Best
            </th>
            {legend.map((l, i) => (
              <RunHeader key={l.runId} legend={l} i={i} />
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key} data-testid={runsTestIds.compareMetric(row.key)}>
              <td className="cmp-key-col" title={row.key}>
                {row.key}
              </td>
              <td className="cmp-goal-col">
                <button
                  className="btn btn-small cmp-goal"
                  title={
                    row.goal === 'min'
                      ? 'Lower is better — click for higher'
                      : 'Higher is better — click for lower'
                  }
                  onClick={() => setGoals((g) => ({ ...g, [row.key]: row.goal === 'min' ? 'max' : 'min' }))}
                >
                  {row.goal === 'min' ? <ArrowDownWideNarrow size={12} /> : <ArrowUpWideNarrow size={12} />}
                  {row.goal}
                </button>
              </td>
              {row.values.map((v, i) => {
                const step = runs[i].metrics[row.key]?.step;
                return (
                  <td
                    key={legend[i].runId}
                    className={`cmp-num${row.best.has(i) ? ' cmp-best' : ''}${v === null ? ' cmp-missing' : ''}`}
                    data-testid={row.best.has(i) ? runsTestIds.compareBestCell : undefined}
                    title={v === null ? 'not logged' : `step ${step}`}
                  >
                    {v === null ? '—' : formatNumber(v)}
                    {vsBaseline && i > 0 && (
                      <DeltaBadge delta={relativeDelta(v, row.values[0])} goal={row.goal} />
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function downloadCsv(series: MetricSeries[], legend: RunLegend[], xAxis: MetricXAxis) {
  const names = new Map(legend.map((l) => [l.runId, l.name]));
  const lines = [`run_id,run_name,metric,${xAxis},step,value`];
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  for (const s of series)
    s.x.forEach((x, i) =>
      lines.push([s.runId, q(names.get(s.runId) ?? ''), q(s.key), x, s.steps[i], s.y[i]].join(',')),
    );
  const url = URL.createObjectURL(new Blob([lines.join('\n')], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = 'metric-history.csv';
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function MetricCharts({ runs, legend }: { runs: Run[]; legend: RunLegend[] }) {
  const allKeys = useMemo(() => [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort(), [runs]);
  const [chosen, setChosen] = useState<string[] | null>(null);
  const keys = (chosen ?? allKeys.slice(0, 6)).filter((k) => allKeys.includes(k));
  const [xAxis, setXAxis] = useState<MetricXAxis>('step');
  const [logY, setLogY] = useState(false);
  const [smoothing, setSmoothing] = useState(0);
  const [showPoints, setShowPoints] = useState(false);
  const [series, setSeries] = useState<MetricSeries[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const runIds = useMemo(() => runs.slice(0, MAX_HISTORY_RUNS).map((r) => r.info.runId), [runs]);
  const keysKey = keys.join('\n');
  const running = runs.some((r) => r.info.status === 'RUNNING');
  const [tick, setTick] = useState(0);

  // Histories of running runs grow: ask again every few seconds while any is running.
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setTick((n) => n + 1), 5000);
    return () => clearInterval(t);
  }, [running]);

  useEffect(() => {
    if (!keys.length) {
      setSeries([]);
      return;
    }
    let live = true;
    client
      .call('tracker.getMetricHistories', {
        runIds,
        keys: keys.slice(0, 100),
        maxPoints: chartPointsPerSeries(runIds.length, Math.min(keys.length, 100)),
        xAxis,
      })
      .then((r) => live && (setSeries(r.series), setError(null)))
      .catch((err: unknown) => live && setError(err instanceof Error ? err.message : String(err)));
    return () => {
      live = false;
    };
  }, [runIds, keysKey, xAxis, tick]);

  const settings = { xAxis, logY, smoothing, showPoints };
  return (
    <Section
      title="Metric charts"
      tools={
        <div className="cmp-tools">
          <div className="cmp-segmented" role="radiogroup" aria-label="X axis">
            {METRIC_X_AXES.map((a) => (
              <button
                key={a}
                role="radio"
                aria-checked={xAxis === a}
                className={xAxis === a ? 'on' : ''}
                onClick={() => setXAxis(a)}
              >
                {a === 'step' ? 'Step' : a === 'wall' ? 'Wall time' : 'Relative time'}
              </button>
            ))}
          </div>
          <Switch on={logY} set={setLogY} label="Log scale" />
          <Switch on={showPoints} set={setShowPoints} label="Points" />
          <label
            className="cmp-slider"
            title="Exponential moving average of the values; the raw line stays faint"
          >
            Smoothing
            <input
              type="range"
              min={0}
              max={0.99}
              step={0.01}
              value={smoothing}
              onChange={(e) => setSmoothing(Number(e.target.value))}
            />
            <span className="cmp-slider-value">{smoothing.toFixed(2)}</span>
          </label>
          <button
            className="icon-btn"
            title="Download the plotted histories as CSV"
            disabled={!series?.length}
            onClick={() => series && downloadCsv(series, legend, xAxis)}
          >
            <Download size={14} />
          </button>
        </div>
      }
    >
      <div className="cmp-metric-picker">
        {allKeys.map((k) => (
          <label key={k} className={`cmp-chip${keys.includes(k) ? ' on' : ''}`}>
            <input
              type="checkbox"
              checked={keys.includes(k)}
              onChange={() =>
                setChosen(keys.includes(k) ? keys.filter((x) => x !== k) : [...keys, k].slice(-MAX_CHARTS))
              }
            />
            {k}
          </label>
        ))}
      </div>
      {error && <div className="runs-search-error">{error}</div>}
      {!allKeys.length && <div className="muted cmp-empty">No metrics logged by these runs.</div>}
      <div className="cmp-charts">
        {series &&
          keys.map((k) => {
            const ks = series.filter((s) => s.key === k);
            const down = ks.some((s) => s.downsampled);
            const count = ks.reduce((a, s) => a + s.count, 0);
            return (
              <div className="cmp-chart" key={k}>
                <div className="cmp-chart-title">
                  {k}
                  <span className="muted">
                    {count.toLocaleString()} points{down ? ' · reduced for drawing, peaks kept' : ''}
                  </span>
                </div>
                <EChart
                  height={220}
                  testId={runsTestIds.compareChart(k)}
                  option={metricLineOption(k, series, legend, settings, chartStyle)}
                />
              </div>
            );
          })}
      </div>
    </Section>
  );
}

function AxisSelect({
  value,
  options,
  onChange,
  label,
}: {
  value: string;
  options: string[];
  onChange(v: string): void;
  label: string;
}) {
  return (
    <label className="cmp-select">
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

function Plots({
  runs,
  legend,
  paramKeys,
  metricKeys,
  differing,
}: {
  runs: Run[];
  legend: RunLegend[];
  paramKeys: string[];
  metricKeys: string[];
  differing: string[];
}) {
  const [tab, setTab] = useState<'parallel' | 'scatter' | 'groups'>('parallel');
  const all = [
    ...paramKeys.map((k) => axisId({ kind: 'param', key: k })),
    ...metricKeys.map((k) => axisId({ kind: 'metric', key: k })),
  ];
  const defaultAxes = [
    ...differing.map((k) => axisId({ kind: 'param', key: k })),
    ...metricKeys.slice(0, 3).map((k) => axisId({ kind: 'metric', key: k })),
  ];
  const [axes, setAxes] = useState<string[] | null>(null);
  const shownAxes = (axes ?? defaultAxes).filter((a) => all.includes(a));
  const [sx, setSx] = useState<string | null>(null);
  const [sy, setSy] = useState<string | null>(null);
  const x = sx ?? (differing[0] ? axisId({ kind: 'param', key: differing[0] }) : all[0]);
  const y = sy ?? (metricKeys[0] ? axisId({ kind: 'metric', key: metricKeys[0] }) : (all[1] ?? all[0]));
  return (
    <Section
      title="Plots"
      tools={
        <div className="cmp-segmented">
          {(['parallel', 'scatter', 'groups'] as const).map((t) => (
            <button key={t} className={tab === t ? 'on' : ''} onClick={() => setTab(t)}>
              {t === 'parallel' ? 'Parallel coordinates' : t === 'scatter' ? 'Scatter' : 'Group by param'}
            </button>
          ))}
        </div>
      }
    >
      {all.length === 0 ? (
        <div className="muted cmp-empty">No params or metrics to plot.</div>
      ) : tab === 'parallel' ? (
        <div data-testid={runsTestIds.compareParallel}>
          <div className="cmp-metric-picker">
            {all.map((a) => (
              <label key={a} className={`cmp-chip${shownAxes.includes(a) ? ' on' : ''}`}>
                <input
                  type="checkbox"
                  checked={shownAxes.includes(a)}
                  onChange={() =>
                    setAxes(shownAxes.includes(a) ? shownAxes.filter((s) => s !== a) : [...shownAxes, a])
                  }
                />
                {a}
              </label>
            ))}
          </div>
          {shownAxes.length < 2 ? (
            <div className="muted cmp-empty">Choose two or more params or metrics as axes.</div>
          ) : (
            <EChart
              height={300}
              option={parallelOption(
                runs,
                legend,
                shownAxes.map((a) => parseAxisId(a) as PlotAxis),
                chartStyle,
              )}
            />
          )}
        </div>
      ) : tab === 'scatter' ? (
        <div data-testid={runsTestIds.compareScatter}>
          <div className="cmp-tools cmp-plot-tools">
            <AxisSelect label="X" value={x} options={all} onChange={setSx} />
            <AxisSelect label="Y" value={y} options={all} onChange={setSy} />
          </div>
          <EChart
            height={320}
            option={scatterOption(
              runs,
              legend,
              parseAxisId(x) as PlotAxis,
              parseAxisId(y) as PlotAxis,
              chartStyle,
            )}
          />
        </div>
      ) : (
        <Groups runs={runs} paramKeys={paramKeys} metricKeys={metricKeys} differing={differing} />
      )}
    </Section>
  );
}

/** Runs grouped by a param (e.g. seeds of one setting): mean ± std and range per metric, and bands over steps. */
function Groups({
  runs,
  paramKeys,
  metricKeys,
  differing,
}: {
  runs: Run[];
  paramKeys: string[];
  metricKeys: string[];
  differing: string[];
}) {
  const [param, setParam] = useState<string>(defaultGroupParam(runs, differing) ?? paramKeys[0] ?? '');
  const [metric, setMetric] = useState<string>(longestMetric(runs, metricKeys) ?? '');
  const [groups, setGroups] = useState<RunGroup[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const runIds = useMemo(() => runs.map((r) => r.info.runId), [runs]);
  useEffect(() => {
    if (!param) return;
    let live = true;
    client
      .call('tracker.groupRuns', {
        runIds,
        experimentIds: [],
        filter: '',
        byParam: param,
        metricKeys: metricKeys.slice(0, 50),
        historyKeys: metric ? [metric] : [],
        maxPoints: 1000,
      })
      .then((r) => live && (setGroups(r.groups), setError(null)))
      .catch((err: unknown) => live && setError(err instanceof Error ? err.message : String(err)));
    return () => {
      live = false;
    };
  }, [runIds, param, metric, metricKeys]);
  if (!paramKeys.length)
    return <div className="muted cmp-empty">These runs logged no params to group by.</div>;
  return (
    <div data-testid={runsTestIds.compareGroups}>
      <div className="cmp-tools cmp-plot-tools">
        <AxisSelect label="Group by param" value={param} options={paramKeys} onChange={setParam} />
        {metricKeys.length > 0 && (
          <AxisSelect label="Band of metric" value={metric} options={metricKeys} onChange={setMetric} />
        )}
      </div>
      {error && <div className="runs-search-error">{error}</div>}
      {groups && (
        <>
          <div className="cmp-table-wrap">
            <table className="cmp-table">
              <thead>
                <tr>
                  <th className="cmp-key-col">{param}</th>
                  <th>Runs</th>
                  {metricKeys.map((k) => (
                    <th key={k}>{k} (mean ± std · min…max)</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {groups.map((g, i) => (
                  <tr key={g.value ?? '\0'}>
                    <td className="cmp-key-col">
                      <span className="cmp-swatch" style={{ background: runColor(i) }} />
                      {g.value ?? <span className="muted">not logged</span>}
                    </td>
                    <td className="cmp-num">{g.runIds.length}</td>
                    {metricKeys.map((k) => {
                      const s = g.metrics[k];
                      return (
                        <td key={k} className="cmp-num">
                          {s && s.mean !== null
                            ? `${formatNumber(s.mean)} ± ${formatNumber(s.std)} · ${formatNumber(s.min)}…${formatNumber(s.max)}`
                            : '—'}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {metric && (
            <EChart
              height={260}
              option={groupBandOption(
                groups.map((g, i) => ({
                  label: `${param}=${g.value ?? '∅'}`,
                  color: runColor(i),
                  history: g.histories.find((h) => h.key === metric),
                })),
                chartStyle,
              )}
            />
          )}
        </>
      )}
    </div>
  );
}

/**
 * Side-by-side comparison of 2..COMPARE_MAX_RUNS runs, from one or several experiments; `selectedCount` says how
 * many were selected when that was more.
 */
export function ComparePage({ runIds, selectedCount }: { runIds: string[]; selectedCount?: number }) {
  const experiments = useRuns((s) => s.experiments);
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [hidden, setHidden] = useState<Set<string>>(() => new Set());
  const [onlyParamDiff, setOnlyParamDiff] = useState(false);
  const [onlyMetricDiff, setOnlyMetricDiff] = useState(false);
  const [vsBaseline, setVsBaseline] = useState(true);
  const [onlyTagDiff, setOnlyTagDiff] = useState(true);
  const [systemTags, setSystemTags] = useState(false);

  useEffect(() => {
    let live = true;
    const load = () =>
      fetchRuns(runIds)
        .then((r) => live && (setRuns(r), setError(null)))
        .catch((err: unknown) => live && setError(err instanceof Error ? err.message : String(err)));
    void load();
    const off = client.on('tracker.onRunsChanged', (e) => {
      if (e.runIds.some((id) => runIds.includes(id))) void load();
    });
    return () => {
      live = false;
      off();
    };
  }, [runIds]);

  const legendAll = useMemo<RunLegend[]>(
    () =>
      (runs ?? []).map((r, i) => ({
        runId: r.info.runId,
        name: r.info.runName || shortId(r.info.runId),
        color: runColor(i),
      })),
    [runs],
  );
  const shownRuns = useMemo(() => (runs ?? []).filter((r) => !hidden.has(r.info.runId)), [runs, hidden]);
  const legend = useMemo(() => legendAll.filter((l) => !hidden.has(l.runId)), [legendAll, hidden]);
  const paramRows = useMemo(
    () =>
      compareRows(
        shownRuns.map((r) => r.params),
        { onlyDifferences: onlyParamDiff },
      ),
    [shownRuns, onlyParamDiff],
  );
  const allParamRows = useMemo(() => compareRows(shownRuns.map((r) => r.params)), [shownRuns]);
  const tagRows = useMemo(
    () =>
      compareRows(
        shownRuns.map((r) => r.tags),
        {
          onlyDifferences: onlyTagDiff,
          hideKey: (k) => !systemTags && (k.startsWith('mlflow.') || k.startsWith('lakebench.')),
        },
      ),
    [shownRuns, onlyTagDiff, systemTags],
  );

  if (error) return <div className="runs-search-error">Could not load the runs: {error}</div>;
  if (!runs) return <div className="runs-empty muted">Loading {runIds.length} runs…</div>;
  if (runs.length < 2)
    return (
      <div className="runs-empty muted">
        {runs.length === 1
          ? 'Only one of the selected runs still exists.'
          : 'None of the selected runs exists any more.'}
      </div>
    );

  const paramKeys = allParamRows.map((r) => r.key);
  const differing = allParamRows.filter((r) => r.differs).map((r) => r.key);
  const metricKeys = [...new Set(shownRuns.flatMap((r) => Object.keys(r.metrics)))].sort();
  const multiExperiment = new Set(runs.map((r) => r.info.experimentId)).size > 1;
  const expName = (id: string) => experiments.find((e) => e.experimentId === id)?.name ?? id;
  const now = Date.now();

  return (
    <div className="cmp-view" data-testid={runsTestIds.compareView} data-run-count={shownRuns.length}>
      {selectedCount !== undefined && selectedCount > runIds.length && (
        <div className="cmp-capped" role="status" data-testid={runsTestIds.compareCapped}>
          Comparing the first {runIds.length} of the {selectedCount.toLocaleString()} selected runs (at most{' '}
          {COMPARE_MAX_RUNS} side by side). Narrow the filter or select fewer runs to compare others.
        </div>
      )}
      <div className="cmp-legend" aria-label="Runs compared">
        {legendAll.map((l) => {
          const off = hidden.has(l.runId);
          return (
            <button
              key={l.runId}
              className={`cmp-legend-item${off ? ' off' : ''}`}
              data-testid={runsTestIds.compareLegend(l.runId)}
              title={off ? 'Show this run again' : 'Hide this run from the tables and charts'}
              onClick={() =>
                setHidden((h) => {
                  const n = new Set(h);
                  if (n.has(l.runId)) n.delete(l.runId);
                  else if (legendAll.length - n.size > 2) n.add(l.runId);
                  return n;
                })
              }
            >
              <span className="cmp-swatch" style={{ background: l.color }} />
              {l.name}
              {off ? <EyeOff size={12} /> : <Eye size={12} className="cmp-legend-eye" />}
            </button>
          );
        })}
      </div>

      <Section title="Run details">
        <div className="cmp-table-wrap">
          <table className="cmp-table">
            <thead>
              <tr>
                <th className="cmp-key-col" />
                {legend.map((l, i) => (
                  <RunHeader key={l.runId} legend={l} i={i} />
                ))}
              </tr>
            </thead>
            <tbody>
              <tr>
                <td className="cmp-key-col">Run ID</td>
                {shownRuns.map((r) => (
                  <td key={r.info.runId} className="mono">
                    {r.info.runId}
                  </td>
                ))}
              </tr>
              {multiExperiment && (
                <tr>
                  <td className="cmp-key-col">Experiment</td>
                  {shownRuns.map((r) => (
                    <td key={r.info.runId}>{expName(r.info.experimentId)}</td>
                  ))}
                </tr>
              )}
              <tr>
                <td className="cmp-key-col">Status</td>
                {shownRuns.map((r) => (
                  <td key={r.info.runId} style={{ color: STATUS_COLORS[r.info.status] }}>
                    {r.info.status}
                  </td>
                ))}
              </tr>
              <tr>
                <td className="cmp-key-col">Started</td>
                {shownRuns.map((r) => (
                  <td key={r.info.runId}>{formatTime(r.info.startTime)}</td>
                ))}
              </tr>
              <tr>
                <td className="cmp-key-col">Duration</td>
                {shownRuns.map((r) => (
                  <td key={r.info.runId}>
                    {formatDuration(runDuration(r.info.startTime, r.info.endTime, r.info.status, now))}
                  </td>
                ))}
              </tr>
            </tbody>
          </table>
        </div>
      </Section>

      <Section
        title={`Parameters${differing.length ? ` · ${differing.length} differ` : ''}`}
        tools={
          <Switch
            on={onlyParamDiff}
            set={setOnlyParamDiff}
            label="Only differences"
            testId={runsTestIds.compareOnlyDiff}
          />
        }
      >
        <ValuesTable
          rows={paramRows}
          legend={legend}
          testId={runsTestIds.compareParam}
          empty={paramKeys.length ? 'Every param is the same in these runs.' : 'No params logged.'}
        />
      </Section>

      <Section
        title="Metrics (latest value; best marked)"
        tools={
          <>
            <Switch on={vsBaseline} set={setVsBaseline} label="Δ vs first run" />
            <Switch on={onlyMetricDiff} set={setOnlyMetricDiff} label="Only differences" />
          </>
        }
      >
        <MetricsTable runs={shownRuns} legend={legend} onlyDiff={onlyMetricDiff} vsBaseline={vsBaseline} />
      </Section>

      <MetricCharts runs={shownRuns} legend={legend} />

      <Plots
        runs={shownRuns}
        legend={legend}
        paramKeys={paramKeys}
        metricKeys={metricKeys}
        differing={differing}
      />

      <Section
        title="Tags"
        tools={
          <>
            <Switch on={systemTags} set={setSystemTags} label="System tags" />
            <Switch on={onlyTagDiff} set={setOnlyTagDiff} label="Only differences" />
          </>
        }
      >
        <ValuesTable
          rows={tagRows}
          legend={legend}
          testId={(k) => `compare-tag-${k}`}
          empty="No tags to show."
        />
      </Section>
    </div>
  );
}
