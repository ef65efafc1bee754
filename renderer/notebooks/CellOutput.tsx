import { useEffect, useState } from 'react';
import type { NotebookCell } from '../../shared/notebook/model';
import { ErrorBoundary } from '../common/ErrorBoundary';
import { testIds } from '../testids';
import type { CellRuntime } from './cell-runtime';
import { errorWhere, formatElapsed, storedOutputText, summaryLine } from './outputs';
import { firstRowText, ResultGrid } from './ResultGrid';

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 200);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

function Progress({ rt }: { rt: CellRuntime }) {
  const now = useNow(rt.status === 'running');
  const elapsed = rt.startedAt ? now - rt.startedAt : (rt.elapsedMs ?? 0);
  const pct = rt.percentage ?? -1;
  return (
    <div className="cell-progress">
      <div className={`progress-track${pct < 0 ? ' indeterminate' : ''}`}>
        <div className="progress-bar" style={pct >= 0 ? { width: `${Math.min(100, pct)}%` } : undefined} />
      </div>
      <span className="muted">
        {rt.cancelRequested ? 'Cancelling… ' : rt.status === 'queued' ? 'Queued ' : 'Running '}
        {pct >= 0 ? `${Math.round(pct)}% · ` : ''}
        {rt.rowsSoFar > 0 ? `${rt.rowsSoFar.toLocaleString('en-US')} rows · ` : ''}
        {formatElapsed(elapsed)}
      </span>
    </div>
  );
}

interface Props {
  index: number;
  cell: NotebookCell;
  rt: CellRuntime;
}

/** What a SQL cell shows under its editor: progress, the grid, the summary, or the error. */
export function CellOutput({ index, cell, rt }: Props) {
  if (rt.status === 'idle' || rt.status === 'queued') {
    const stored = storedOutputText(cell.outputs);
    return (
      <>
        {rt.status === 'queued' && <Progress rt={rt} />}
        {stored && (
          <div
            className={`stored-output${stored.isError ? ' is-error' : ''}`}
            title="Output saved with the notebook; run the cell to refresh it"
          >
            <pre>{stored.text}</pre>
          </div>
        )}
      </>
    );
  }
  const result = rt.result;
  const fin = rt.finished;
  const hasGrid = Boolean(result?.schema && result.schema.fields.length > 0);
  return (
    <div className="cell-output">
      {rt.status === 'running' && <Progress rt={rt} />}
      {rt.status === 'failed' && rt.error && (
        <div className="cell-error" role="alert" data-testid={testIds.cellError(index)}>
          <div className="cell-error-message">{rt.error.message}</div>
          {errorWhere(rt.error) && <div className="cell-error-where"> at {errorWhere(rt.error)}</div>}
        </div>
      )}
      {hasGrid && result && (
        <ErrorBoundary what="This result grid" resetKey={result}>
          <div className="cell-grid" data-testid={testIds.cellGrid(index)}>
            <ResultGrid result={result} columns={fin?.columns ?? null} />
          </div>
          <div className="sr-only" aria-live="polite" data-testid={testIds.cellFirstRow(index)}>
            {firstRowText(result)}
          </div>
        </ErrorBoundary>
      )}
      {rt.status === 'succeeded' && fin && (
        <div className="cell-footer" data-testid={testIds.cellRowCount(index)}>
          {hasGrid
            ? summaryLine(fin.rowCount, fin.elapsedMs, fin.truncated ? (result?.rowCount ?? 0) : undefined)
            : `${fin.statementType || 'OK'}${fin.rowsChanged !== null ? ` · ${fin.rowsChanged.toLocaleString('en-US')} rows changed` : ''} · ${formatElapsed(fin.elapsedMs)}`}
        </div>
      )}
      {rt.status === 'cancelled' && (
        <div className="cell-footer cell-cancelled" data-testid={testIds.cellRowCount(index)}>
          Cancelled{rt.elapsedMs !== null ? ` after ${formatElapsed(rt.elapsedMs)}` : ''}
          {result && result.rowCount > 0 ? ` · ${result.rowCount.toLocaleString('en-US')} rows received` : ''}
        </div>
      )}
    </div>
  );
}
