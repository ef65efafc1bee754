import { Eye, EyeOff } from 'lucide-react';
import type { RunLegend } from '../chart-options';
import { runsTestIds } from '../testids';

/** The compared runs, each a button that hides it from the tables and charts; at least two stay shown. */
export function Legend({
  legend,
  hidden,
  setHidden,
}: {
  legend: RunLegend[];
  hidden: Set<string>;
  setHidden(update: (hidden: Set<string>) => Set<string>): void;
}) {
  return (
    <div className="cmp-legend" aria-label="Runs compared">
      {legend.map((l) => {
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
                else if (legend.length - n.size > 2) n.add(l.runId);
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
  );
}
