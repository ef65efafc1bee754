import { useState } from 'react';
import type { Run } from '../../../shared/tracker/model';
import { axisId } from '../analysis';
import type { RunLegend } from '../chart-options';
import { Section } from './blocks';
import { ParallelCoordinates } from './ParallelCoordinates';
import { ParamGroups } from './ParamGroups';
import { Scatter } from './Scatter';

type PlotTab = 'parallel' | 'scatter' | 'groups';

/** Parallel coordinates, a scatter, or groups by a param; the axes chosen stay when the tab changes. */
export function Plots({
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
  const [tab, setTab] = useState<PlotTab>('parallel');
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
        <ParallelCoordinates runs={runs} legend={legend} axes={all} shownAxes={shownAxes} setAxes={setAxes} />
      ) : tab === 'scatter' ? (
        <Scatter runs={runs} legend={legend} axes={all} x={x} y={y} setX={setSx} setY={setSy} />
      ) : (
        <ParamGroups runs={runs} paramKeys={paramKeys} metricKeys={metricKeys} differing={differing} />
      )}
    </Section>
  );
}
