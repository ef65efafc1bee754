import type { Run } from '../../../shared/tracker/model';
import { parseAxisId, type PlotAxis } from '../analysis';
import { scatterOption, type RunLegend } from '../chart-options';
import { EChart } from '../EChart';
import { runsTestIds } from '../testids';
import { AxisSelect, chartStyle } from './blocks';

/** One param or metric against another, a point per run. */
export function Scatter({
  runs,
  legend,
  axes,
  x,
  y,
  setX,
  setY,
}: {
  runs: Run[];
  legend: RunLegend[];
  axes: string[];
  x: string;
  y: string;
  setX(axis: string): void;
  setY(axis: string): void;
}) {
  return (
    <div data-testid={runsTestIds.compareScatter}>
      <div className="cmp-tools cmp-plot-tools">
        <AxisSelect label="X" value={x} options={axes} onChange={setX} />
        <AxisSelect label="Y" value={y} options={axes} onChange={setY} />
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
  );
}
