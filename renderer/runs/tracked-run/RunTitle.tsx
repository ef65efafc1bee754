import { CircleX } from 'lucide-react';
import type { Run } from '../../../shared/tracker/model';
import { shortId, STATUS_COLORS } from '../format';
import { runsTestIds } from '../testids';

/** The run's name and status, and "Mark as failed" for a run still shown as running. */
export function RunTitle({ run, onMarkFailed }: { run: Run; onMarkFailed(): void }) {
  const i = run.info;
  return (
    <div className="run-title">
      <h2>{i.runName || shortId(i.runId)}</h2>
      <span
        className="run-status"
        data-testid={runsTestIds.runStatus}
        style={{ color: STATUS_COLORS[i.status], borderColor: STATUS_COLORS[i.status] }}
      >
        {i.status}
      </span>
      {i.lifecycleStage === 'deleted' && <span className="run-status">deleted</span>}
      <span className="spacer" />
      {i.status === 'RUNNING' && (
        <button
          className="btn btn-small btn-danger"
          data-testid={runsTestIds.runMarkFailed}
          title="For a run whose process died without ending it"
          onClick={onMarkFailed}
        >
          <CircleX size={13} /> Mark as failed
        </button>
      )}
    </div>
  );
}
