import { useEffect, useMemo, useState } from 'react';
import { metricNumber, type MetricSeries, type Run } from '../../../shared/tracker/model';
import { reportError } from '../../state/toasts';
import { fetchMetricHistories } from '../actions';
import { metricLineOption } from '../chart-options';
import { axisStyle, EChart, tooltipStyle } from '../EChart';
import { formatNumber } from '../format';

/** The latest, lowest and highest value of each metric the run logged, and its history as charts. */
export function RunMetrics({ run }: { run: Run }) {
  const keys = useMemo(() => Object.keys(run.metrics).sort(), [run]);
  const [series, setSeries] = useState<MetricSeries[]>([]);
  useEffect(() => {
    if (!keys.length) return;
    let live = true;
    fetchMetricHistories({
      runIds: [run.info.runId],
      keys: keys.slice(0, 100),
      maxPoints: 1000,
      xAxis: 'step',
    })
      .then((s) => live && setSeries(s))
      .catch((err: unknown) => reportError('Could not load the metric histories', err));
    return () => {
      live = false;
    };
  }, [run, keys]);
  if (!keys.length) return null;
  const legend = [{ runId: run.info.runId, name: run.info.runName, color: '#61afef' }];
  const byKey = new Map(series.map((s) => [s.key, s]));
  return (
    <section className="cmp-section">
      <div className="cmp-section-head">
        <h3>Metrics</h3>
      </div>
      <table className="cmp-table run-kv">
        <thead>
          <tr>
            <th className="cmp-key-col">Metric</th>
            <th>Latest</th>
            <th>Min</th>
            <th>Max</th>
            <th>Points</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => {
            const m = run.metrics[k];
            const s = byKey.get(k);
            return (
              <tr key={k}>
                <td className="cmp-key-col">{k}</td>
                <td className="cmp-num">
                  {formatNumber(metricNumber(m.value))} <span className="muted">(step {m.step})</span>
                </td>
                <td className="cmp-num">
                  {s?.min ? `${formatNumber(s.min.value)} (step ${s.min.step})` : ''}
                </td>
                <td className="cmp-num">
                  {s?.max ? `${formatNumber(s.max.value)} (step ${s.max.step})` : ''}
                </td>
                <td className="cmp-num">{s ? s.count.toLocaleString() : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="cmp-charts">
        {keys
          .filter((k) => (byKey.get(k)?.count ?? 0) > 1)
          .slice(0, 12)
          .map((k) => (
            <div className="cmp-chart" key={k}>
              <div className="cmp-chart-title">{k}</div>
              <EChart
                height={180}
                option={metricLineOption(
                  k,
                  series,
                  legend,
                  { xAxis: 'step', logY: false, smoothing: 0, showPoints: false },
                  { axis: axisStyle, tooltip: tooltipStyle },
                )}
              />
            </div>
          ))}
      </div>
    </section>
  );
}
