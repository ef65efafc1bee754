import { CircleStop } from 'lucide-react';
import type { PipelineRunSummary, TaskState } from '../../shared/pipeline/model';
import { client } from '../api';
import { reportError } from '../state/toasts';
import { confirmAction } from './Modal';
import { STATE_COLORS, STATE_LABELS, elapsedMs, formatDuration } from './run-views';
import { selectRun, useRuns } from './runs-store';
import { setTab } from './store';
import { useTicker } from './GridView';
import { pipelineTestIds as ids } from './testids';

function counts(run: PipelineRunSummary): [TaskState, number][] {
  const m = new Map<TaskState, number>();
  for (const t of run.tasks) m.set(t.state, (m.get(t.state) ?? 0) + 1);
  return [...m.entries()];
}

async function cancelRun(run: PipelineRunSummary): Promise<void> {
  const ok = await confirmAction({
    title: `Cancel the run of ${run.logicalDate.replace('T', ' ').slice(0, 16)}?`,
    message:
      'Running tasks are stopped and fail, tasks that have not started are skipped, and the run fails. Clear tasks later to run them again.',
    okLabel: 'Cancel the run',
    danger: true,
  });
  if (!ok) return;
  try {
    await client.call('pipelines.cancelRun', { runId: run.runId });
  } catch (err) {
    reportError('Could not cancel the run', err);
  }
}

/** Every run, newest first, with its duration and how its tasks ended; click one for its Gantt. */
export function RunsList() {
  const runs = useRuns((s) => s.runs);
  const selected = useRuns((s) => s.selectedRunId);
  const now = useTicker(runs.some((r) => r.state === 'running' || r.state === 'queued'));
  if (runs.length === 0) return <div className="grid-empty muted">No runs yet.</div>;
  return (
    <div className="runs-list" data-testid={ids.runsList}>
      <table className="runs-table">
        <thead>
          <tr>
            <th>State</th>
            <th>Logical date</th>
            <th>Type</th>
            <th>Started</th>
            <th>Duration</th>
            <th>Tasks</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr
              key={r.runId}
              className={r.runId === selected ? 'selected' : ''}
              data-testid={ids.runRow(r.runId)}
              data-state={r.state}
              onClick={() => {
                selectRun(r.runId);
                setTab('gantt');
              }}
            >
              <td className="run-state">
                <span
                  className="pl-dot"
                  style={{ background: STATE_COLORS[r.state], borderColor: STATE_COLORS[r.state] }}
                />{' '}
                {r.state}
              </td>
              <td className="mono">{r.logicalDate.replace('T', ' ').slice(0, 19)}</td>
              <td>
                {r.runType}
                {r.taskSubset && <span className="muted"> · {r.taskSubset.length} tasks</span>}
                {r.cancelled && <span className="muted"> · cancelled</span>}
              </td>
              <td className="mono muted">
                {r.startedAt ? new Date(r.startedAt).toLocaleString() : 'queued'}
              </td>
              <td className="mono">{formatDuration(elapsedMs(r, now))}</td>
              <td>
                {counts(r).map(([s, n]) => (
                  <span key={s} className="count-chip" title={STATE_LABELS[s]}>
                    <span className="legend-swatch" style={{ background: STATE_COLORS[s] }} /> {n}
                  </span>
                ))}
              </td>
              <td>
                {(r.state === 'running' || r.state === 'queued') && (
                  <button
                    className="icon-btn"
                    title="Cancel this run"
                    data-testid={ids.runCancel(r.runId)}
                    onClick={(e) => {
                      e.stopPropagation();
                      void cancelRun(r);
                    }}
                  >
                    <CircleStop size={14} />
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
