import type { ReactNode } from 'react';
import { ErrorBoundary } from '../../common/ErrorBoundary';
import type { RunLegend } from '../chart-options';
import { axisStyle, tooltipStyle } from '../EChart';
import { shortId } from '../format';
import { useRuns } from '../store';

/** The pieces every part of the compare page is built from: sections, switches, run headers, axis choosers. */

export const chartStyle = { axis: axisStyle, tooltip: tooltipStyle };

export function Section({
  title,
  tools,
  children,
}: {
  title: string;
  tools?: ReactNode;
  children: ReactNode;
}) {
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

export function Switch({
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

/** A column head naming one compared run, a link to its page. */
export function RunHeader({ legend, i }: { legend: RunLegend; i: number }) {
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

export function AxisSelect({
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
