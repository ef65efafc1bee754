import type { Experiment, Run } from '../../../shared/tracker/model';
import type { RunLegend } from '../chart-options';
import { formatDuration, formatTime, runDuration, STATUS_COLORS } from '../format';
import { RunHeader } from './blocks';

/** Id, experiment (when several), status, start and duration of each compared run. */
export function RunDetails({
  runs,
  legend,
  experiments,
}: {
  runs: Run[];
  legend: RunLegend[];
  experiments: Experiment[];
}) {
  const multiExperiment = new Set(runs.map((r) => r.info.experimentId)).size > 1;
  const expName = (id: string) => experiments.find((e) => e.experimentId === id)?.name ?? id;
  const now = Date.now();
  return (
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
            {runs.map((r) => (
              <td key={r.info.runId} className="mono">
                {r.info.runId}
              </td>
            ))}
          </tr>
          {multiExperiment && (
            <tr>
              <td className="cmp-key-col">Experiment</td>
              {runs.map((r) => (
                <td key={r.info.runId}>{expName(r.info.experimentId)}</td>
              ))}
            </tr>
          )}
          <tr>
            <td className="cmp-key-col">Status</td>
            {runs.map((r) => (
              <td key={r.info.runId} style={{ color: STATUS_COLORS[r.info.status] }}>
                {r.info.status}
              </td>
            ))}
          </tr>
          <tr>
            <td className="cmp-key-col">Started</td>
            {runs.map((r) => (
              <td key={r.info.runId}>{formatTime(r.info.startTime)}</td>
            ))}
          </tr>
          <tr>
            <td className="cmp-key-col">Duration</td>
            {runs.map((r) => (
              <td key={r.info.runId}>
                {formatDuration(runDuration(r.info.startTime, r.info.endTime, r.info.status, now))}
              </td>
            ))}
          </tr>
        </tbody>
      </table>
    </div>
  );
}
