import { ArrowDownWideNarrow, ArrowUpWideNarrow } from 'lucide-react';
import { useMemo, useState } from 'react';
import type { Run } from '../../../shared/tracker/model';
import { bestIndexes, defaultGoal, latestValues, relativeDelta, type Goal } from '../analysis';
import type { RunLegend } from '../chart-options';
import { formatNumber } from '../format';
import { runsTestIds } from '../testids';
import { RunHeader } from './blocks';

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

/** The latest value of each metric per run, the best marked, with the change against the first run. */
export function MetricsTable({
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
