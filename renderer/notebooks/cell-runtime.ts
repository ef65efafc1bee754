import type { Table } from 'apache-arrow';
import type { EventPayload } from '../../shared/api/contract';
import type { ErrorLocation } from '../../shared/errors';
import { appendOutput } from '../../shared/kernels/outputs';
import type { ExecutionStatus } from '../../shared/kernels/contract';
import type { NotebookOutput } from '../../shared/notebook/model';
import { appendBatch, emptyResult, type QueryResult } from './result';

/**
 * What the cells of one open notebook are doing right now. This is runtime state: it is never written to the
 * notebook file (a small preview of a result is, as an nbformat output, by the code that saves). Every change
 * goes through `cellRuntimeReducer`, a pure function, so each transition is unit-tested without a DOM.
 */

export type CellStatus = 'idle' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export type QueryFinished = EventPayload<'warehouse.onQueryFinished'>;

/** An error as the host reports it (its code may be one this renderer does not know yet). */
export interface CellError {
  code: string;
  message: string;
  location?: ErrorLocation;
}

export interface CellRuntime {
  readonly status: CellStatus;
  readonly queryId: string | null;
  readonly startedAt: number | null;
  readonly elapsedMs: number | null;
  /** 0-100, or -1 when the engine cannot tell; null before the first progress report. */
  readonly percentage: number | null;
  readonly rowsSoFar: number;
  readonly result: QueryResult | null;
  readonly finished: QueryFinished | null;
  readonly error: CellError | null;
  readonly cancelRequested: boolean;
  /** A Python cell's outputs as they arrive (nbformat outputs); null for SQL cells. */
  readonly outputs: readonly NotebookOutput[] | null;
  /** clear_output(wait=True): the outputs clear when the next one arrives. */
  readonly clearOnNext: boolean;
}

export interface NotebookRuntime {
  readonly cells: Readonly<Record<string, CellRuntime>>;
  /** Which cell a query (or kernel execution) id belongs to, for routing its events. */
  readonly queries: Readonly<Record<string, string>>;
}

export type CellAction =
  | { type: 'queue'; cellIds: readonly string[] }
  | { type: 'dequeue'; cellIds: readonly string[] }
  | { type: 'start'; cellId: string; queryId: string; at: number }
  | { type: 'startFailed'; cellId: string; error: CellError }
  | { type: 'batch'; queryId: string; table: Table }
  | { type: 'progress'; queryId: string; percentage: number; rowsSoFar: number; elapsedMs: number }
  | { type: 'finish'; payload: QueryFinished }
  | { type: 'startExecution'; cellId: string; executionId: string; at: number }
  | { type: 'kernelOutput'; executionId: string; output: NotebookOutput }
  | { type: 'kernelClearOutput'; executionId: string; wait: boolean }
  | {
      type: 'kernelFinish';
      executionId: string;
      status: ExecutionStatus;
      error: CellError | null;
      elapsedMs: number;
    }
  | { type: 'cancelRequested'; cellId: string }
  | { type: 'connectionLost'; message: string }
  | { type: 'removeCell'; cellId: string }
  | { type: 'reset' };

export const idleCell: CellRuntime = {
  status: 'idle',
  queryId: null,
  startedAt: null,
  elapsedMs: null,
  percentage: null,
  rowsSoFar: 0,
  result: null,
  finished: null,
  error: null,
  cancelRequested: false,
  outputs: null,
  clearOnNext: false,
};

export const emptyRuntime: NotebookRuntime = { cells: {}, queries: {} };

export function cellRuntimeOf(state: NotebookRuntime, cellId: string): CellRuntime {
  return state.cells[cellId] ?? idleCell;
}

export function isActive(status: CellStatus): boolean {
  return status === 'queued' || status === 'running';
}

function withCell(state: NotebookRuntime, cellId: string, cell: CellRuntime): NotebookRuntime {
  return { ...state, cells: { ...state.cells, [cellId]: cell } };
}

function withoutQuery(
  queries: Readonly<Record<string, string>>,
  queryId: string | null,
): Record<string, string> {
  const next = { ...queries };
  if (queryId) delete next[queryId];
  return next;
}

/** The running cell a query's events belong to, or null when the query is unknown or superseded. */
function cellOfQuery(state: NotebookRuntime, queryId: string): [string, CellRuntime] | null {
  const cellId = state.queries[queryId];
  if (!cellId) return null;
  const cell = state.cells[cellId];
  if (!cell || cell.queryId !== queryId) return null;
  return [cellId, cell];
}

export function cellRuntimeReducer(state: NotebookRuntime, action: CellAction): NotebookRuntime {
  switch (action.type) {
    case 'queue': {
      const cells = { ...state.cells };
      for (const id of action.cellIds) {
        const cell = cells[id] ?? idleCell;
        if (cell.status === 'running') continue;
        cells[id] = { ...cell, status: 'queued', cancelRequested: false };
      }
      return { ...state, cells };
    }
    case 'dequeue': {
      const cells = { ...state.cells };
      for (const id of action.cellIds) {
        const cell = cells[id];
        // A queued cell that never ran goes back to what it showed before (idle: its stored output).
        if (cell && cell.status === 'queued') {
          cells[id] = { ...cell, status: cell.finished ? statusOfFinished(cell.finished, false) : 'idle' };
        }
      }
      return { ...state, cells };
    }
    case 'start': {
      const prev = cellRuntimeOf(state, action.cellId);
      const queries = withoutQuery(state.queries, prev.queryId);
      queries[action.queryId] = action.cellId;
      return {
        cells: {
          ...state.cells,
          [action.cellId]: {
            ...idleCell,
            status: 'running',
            queryId: action.queryId,
            startedAt: action.at,
            result: emptyResult,
          },
        },
        queries,
      };
    }
    case 'startFailed': {
      const prev = cellRuntimeOf(state, action.cellId);
      return {
        cells: {
          ...state.cells,
          [action.cellId]: { ...prev, status: 'failed', error: action.error, cancelRequested: false },
        },
        queries: withoutQuery(state.queries, prev.queryId),
      };
    }
    case 'batch': {
      const found = cellOfQuery(state, action.queryId);
      if (!found) return state;
      const [cellId, cell] = found;
      if (cell.status !== 'running') return state;
      const result = appendBatch(cell.result ?? emptyResult, action.table);
      return withCell(state, cellId, {
        ...cell,
        result,
        rowsSoFar: Math.max(cell.rowsSoFar, result.rowCount),
      });
    }
    case 'progress': {
      const found = cellOfQuery(state, action.queryId);
      if (!found) return state;
      const [cellId, cell] = found;
      if (cell.status !== 'running') return state;
      return withCell(state, cellId, {
        ...cell,
        percentage: action.percentage,
        rowsSoFar: Math.max(cell.rowsSoFar, action.rowsSoFar),
        elapsedMs: action.elapsedMs,
      });
    }
    case 'finish': {
      const p = action.payload;
      const found = cellOfQuery(state, p.queryId);
      if (!found) return state;
      const [cellId, cell] = found;
      const status = statusOfFinished(p, cell.cancelRequested);
      return {
        cells: {
          ...state.cells,
          [cellId]: {
            ...cell,
            status,
            elapsedMs: p.elapsedMs,
            finished: p,
            error:
              status === 'failed' ? (p.error ?? { code: 'SQL_ERROR', message: 'the query failed' }) : null,
            percentage: status === 'succeeded' ? 100 : cell.percentage,
            cancelRequested: false,
          },
        },
        queries: withoutQuery(state.queries, p.queryId),
      };
    }
    case 'startExecution': {
      const prev = cellRuntimeOf(state, action.cellId);
      const queries = withoutQuery(state.queries, prev.queryId);
      queries[action.executionId] = action.cellId;
      return {
        cells: {
          ...state.cells,
          [action.cellId]: {
            ...idleCell,
            status: 'running',
            queryId: action.executionId,
            startedAt: action.at,
            outputs: [],
          },
        },
        queries,
      };
    }
    case 'kernelOutput': {
      const found = cellOfQuery(state, action.executionId);
      if (!found) return state;
      const [cellId, cell] = found;
      const base = cell.clearOnNext ? [] : (cell.outputs ?? []);
      return withCell(state, cellId, {
        ...cell,
        outputs: appendOutput(base, action.output),
        clearOnNext: false,
      });
    }
    case 'kernelClearOutput': {
      const found = cellOfQuery(state, action.executionId);
      if (!found) return state;
      const [cellId, cell] = found;
      return withCell(
        state,
        cellId,
        action.wait ? { ...cell, clearOnNext: true } : { ...cell, outputs: [], clearOnNext: false },
      );
    }
    case 'kernelFinish': {
      const found = cellOfQuery(state, action.executionId);
      if (!found) return state;
      const [cellId, cell] = found;
      const outputs = cell.outputs ?? [];
      const raised = outputs.find((o) => o.output_type === 'error');
      const interrupted = raised?.ename === 'KeyboardInterrupt' && cell.cancelRequested;
      const status: CellStatus =
        action.status === 'ok'
          ? 'succeeded'
          : action.status === 'aborted' || interrupted
            ? 'cancelled'
            : 'failed';
      const error: CellError | null =
        status !== 'failed'
          ? null
          : (action.error ??
            (raised
              ? { code: 'PYTHON_ERROR', message: `${String(raised.ename)}: ${String(raised.evalue)}` }
              : { code: 'PYTHON_ERROR', message: 'the code failed' }));
      return {
        cells: {
          ...state.cells,
          [cellId]: {
            ...cell,
            status,
            error,
            elapsedMs: action.elapsedMs,
            cancelRequested: false,
            clearOnNext: false,
          },
        },
        queries: withoutQuery(state.queries, action.executionId),
      };
    }
    case 'cancelRequested': {
      const cell = state.cells[action.cellId];
      if (!cell || !isActive(cell.status)) return state;
      if (cell.status === 'queued') return withCell(state, action.cellId, { ...cell, status: 'cancelled' });
      return withCell(state, action.cellId, { ...cell, cancelRequested: true });
    }
    case 'connectionLost': {
      let changed = false;
      const cells = { ...state.cells };
      for (const [id, cell] of Object.entries(cells)) {
        if (!isActive(cell.status)) continue;
        changed = true;
        cells[id] = {
          ...cell,
          status: 'failed',
          error: { code: 'TRANSPORT_CLOSED', message: action.message },
          cancelRequested: false,
        };
      }
      return changed ? { cells, queries: {} } : state;
    }
    case 'removeCell': {
      const cell = state.cells[action.cellId];
      if (!cell) return state;
      const cells = { ...state.cells };
      delete cells[action.cellId];
      return { cells, queries: withoutQuery(state.queries, cell.queryId) };
    }
    case 'reset':
      return emptyRuntime;
    default: {
      const unknownAction: never = action;
      throw new Error(`unknown cell action ${JSON.stringify(unknownAction)}`);
    }
  }
}

/** An interrupted query is cancelled, not failed, however the engine words it. */
function statusOfFinished(p: QueryFinished, cancelRequested: boolean): CellStatus {
  if (p.status !== 'failed') return p.status;
  if (p.error?.code === 'QUERY_CANCELLED') return 'cancelled';
  if (cancelRequested && /interrupt|cancel/i.test(p.error?.message ?? '')) return 'cancelled';
  return 'failed';
}
