import { Download } from 'lucide-react';
import { useEffect, useMemo, useState } from 'react';
import { errorMessage } from '../../../shared/errors';
import { MAX_HISTORY_RUNS } from '../../../shared/tracker/contract';
import { METRIC_X_AXES, type MetricSeries, type MetricXAxis, type Run } from '../../../shared/tracker/model';
import { fetchMetricHistories } from '../actions';
import { metricLineOption, type RunLegend } from '../chart-options';
import { EChart } from '../EChart';
import { runsTestIds } from '../testids';
import { chartStyle, Section, Switch } from './blocks';

const MAX_CHARTS = 12;

/**
 * Points the charts ask for in all: each series gets its share (at most 1500, at least 100), so a hundred runs
 * x a dozen metrics stays a few MB and a chart ECharts draws at once. Peaks survive any reduction.
 */
const CHART_POINTS = 300_000;

export function chartPointsPerSeries(runs: number, keys: number): number {
  return Math.max(100, Math.min(1500, Math.floor(CHART_POINTS / Math.max(1, runs * keys))));
}

/** Saves the plotted histories as a CSV file, one row per point. */
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

/** One chart per chosen metric over step or time, every run a line; refreshed while a run is running. */
export function MetricCharts({ runs, legend }: { runs: Run[]; legend: RunLegend[] }) {
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
    fetchMetricHistories({
      runIds,
      keys: keys.slice(0, 100),
      maxPoints: chartPointsPerSeries(runIds.length, Math.min(keys.length, 100)),
      xAxis,
    })
      .then((s) => live && (setSeries(s), setError(null)))
      // The answer, error or not, of a view no longer shown (unmounted or asked again) is not wanted.
      .catch((err: unknown) => live && setError(errorMessage(err)));
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
