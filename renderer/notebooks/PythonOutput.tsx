import { useEffect, useState } from 'react';
import type { NotebookCell } from '../../shared/notebook/model';
import { testIds } from '../testids';
import type { CellRuntime } from './cell-runtime';
import { OutputArea } from './OutputArea';
import { formatElapsed } from './outputs';
import { kernelTestIds } from './testids';

function Running({ rt }: { rt: CellRuntime }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 200);
    return () => clearInterval(t);
  }, []);
  return (
    <div className="cell-progress">
      <div className="progress-track indeterminate">
        <div className="progress-bar" />
      </div>
      <span className="muted">
        {rt.cancelRequested ? 'Interrupting… ' : 'Running '}
        {formatElapsed(rt.startedAt ? now - rt.startedAt : 0)}
      </span>
    </div>
  );
}

interface Props {
  index: number;
  cell: NotebookCell;
  rt: CellRuntime;
}

/**
 * What a Python cell shows under its editor: its outputs as they stream in (or as saved in the file, before it
 * runs in this session), progress while it runs, and why it did not run when the kernel could not start.
 */
export function PythonOutput({ index, cell, rt }: Props) {
  const outputs = rt.outputs ?? cell.outputs;
  // A Python exception shows as its traceback among the outputs; other failures (no kernel) are said here.
  const failure = rt.status === 'failed' && rt.error && rt.error.code !== 'PYTHON_ERROR' ? rt.error : null;
  return (
    <>
      {rt.status === 'queued' && (
        <div className="cell-progress muted" role="status">
          Queued
        </div>
      )}
      {rt.status === 'running' && <Running rt={rt} />}
      <OutputArea outputs={outputs} testId={kernelTestIds.cellOutputs(index)} />
      {failure && (
        <div className="cell-error" role="alert" data-testid={testIds.cellError(index)}>
          <div className="cell-error-message">{failure.message}</div>
        </div>
      )}
      {rt.status === 'cancelled' && (
        <div className="cell-footer cell-cancelled">
          {outputs.length ? 'Interrupted' : 'Not run: an earlier cell failed or the kernel restarted'}
          {rt.elapsedMs !== null ? ` after ${formatElapsed(rt.elapsedMs)}` : ''}
        </div>
      )}
      {rt.status === 'succeeded' && rt.elapsedMs !== null && (
        <div className="cell-footer">{formatElapsed(rt.elapsedMs)}</div>
      )}
    </>
  );
}
