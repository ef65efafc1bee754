import type { Run } from '../../../shared/tracker/model';
import { parseAxisId, type PlotAxis } from '../analysis';
import { parallelOption, type RunLegend } from '../chart-options';
import { EChart } from '../EChart';
import { runsTestIds } from '../testids';
import { chartStyle } from './blocks';

/** Every run a line through the chosen params and metrics; the chosen axes are kept by the page's Plots. */
export function ParallelCoordinates({
  runs,
  legend,
  axes,
  shownAxes,
  setAxes,
}: {
  runs: Run[];
  legend: RunLegend[];
  /** Every param and metric there is, as axis ids. */
  axes: string[];
  shownAxes: string[];
  setAxes(axes: string[]): void;
}) {
  return (
    <div data-testid={runsTestIds.compareParallel}>
      <div className="cmp-metric-picker">
        {axes.map((a) => (
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
  );
}
