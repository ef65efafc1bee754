import { useEffect, useMemo, useState } from 'react';
import { errorMessage } from '../../../shared/errors';
import type { Run, RunGroup } from '../../../shared/tracker/model';
import { groupRunsByParam } from '../actions';
import { defaultGroupParam, longestMetric, runColor } from '../analysis';
import { groupBandOption } from '../chart-options';
import { EChart } from '../EChart';
import { formatNumber } from '../format';
import { runsTestIds } from '../testids';
import { AxisSelect, chartStyle } from './blocks';

/** Runs grouped by a param (e.g. seeds of one setting): mean ± std and range per metric, and bands over steps. */
export function ParamGroups({
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
    groupRunsByParam({
      runIds,
      experimentIds: [],
      filter: '',
      byParam: param,
      metricKeys: metricKeys.slice(0, 50),
      historyKeys: metric ? [metric] : [],
      maxPoints: 1000,
    })
      .then((g) => live && (setGroups(g), setError(null)))
      // The answer, error or not, of a view no longer shown (unmounted or asked again) is not wanted.
      .catch((err: unknown) => live && setError(errorMessage(err)));
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
