import { tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import {
  cellRuntimeOf,
  cellRuntimeReducer,
  emptyRuntime,
  type CellAction,
  type NotebookRuntime,
  type QueryFinished,
} from '../../renderer/notebooks/cell-runtime';

function batch(from: number, n: number) {
  const ids = Int32Array.from({ length: n }, (_, i) => from + i);
  // Through IPC, as the host sends it.
  return tableFromIPC(tableToIPC(tableFromArrays({ id: ids }), 'stream'));
}

function finished(queryId: string, extra: Partial<QueryFinished> = {}): QueryFinished {
  return {
    queryId,
    status: 'succeeded',
    rowCount: 0,
    truncated: false,
    elapsedMs: 12,
    columns: [{ name: 'id', type: 'INTEGER' }],
    statementType: 'SELECT',
    rowsChanged: null,
    error: null,
    ...extra,
  };
}

function run(actions: CellAction[], start: NotebookRuntime = emptyRuntime): NotebookRuntime {
  return actions.reduce(cellRuntimeReducer, start);
}

describe('cell runtime reducer', () => {
  it('starts idle', () => {
    expect(cellRuntimeOf(emptyRuntime, 'a').status).toBe('idle');
  });

  it('runs a query: start, batches while running, finish', () => {
    let s = run([{ type: 'start', cellId: 'a', queryId: 'q1', at: 1000 }]);
    expect(cellRuntimeOf(s, 'a')).toMatchObject({ status: 'running', queryId: 'q1', startedAt: 1000 });
    expect(s.queries).toEqual({ q1: 'a' });

    s = run([{ type: 'batch', queryId: 'q1', table: batch(0, 3) }], s);
    // Rows show while the query still runs.
    expect(cellRuntimeOf(s, 'a').status).toBe('running');
    expect(cellRuntimeOf(s, 'a').result?.rowCount).toBe(3);

    s = run(
      [
        { type: 'progress', queryId: 'q1', percentage: 50, rowsSoFar: 3, elapsedMs: 5 },
        { type: 'batch', queryId: 'q1', table: batch(3, 2) },
        { type: 'finish', payload: finished('q1', { rowCount: 5 }) },
      ],
      s,
    );
    const cell = cellRuntimeOf(s, 'a');
    expect(cell.status).toBe('succeeded');
    expect(cell.result?.rowCount).toBe(5);
    expect(cell.result?.offsets).toEqual([0, 3]);
    expect(cell.elapsedMs).toBe(12);
    expect(cell.finished?.rowCount).toBe(5);
    expect(s.queries).toEqual({});
  });

  it('marks a failed query with the error and its location', () => {
    const error = {
      code: 'SQL_ERROR',
      message: 'Parser Error: syntax error at or near "FRM"',
      location: { line: 1, column: 10 },
    };
    const s = run([
      { type: 'start', cellId: 'a', queryId: 'q1', at: 0 },
      { type: 'finish', payload: finished('q1', { status: 'failed', error }) },
    ]);
    expect(cellRuntimeOf(s, 'a')).toMatchObject({ status: 'failed', error });
  });

  it('shows an interrupted query as cancelled, not as an error', () => {
    const s = run([
      { type: 'start', cellId: 'a', queryId: 'q1', at: 0 },
      { type: 'cancelRequested', cellId: 'a' },
      {
        type: 'finish',
        payload: finished('q1', {
          status: 'failed',
          error: { code: 'SQL_ERROR', message: 'INTERRUPT Error: Interrupted!' },
        }),
      },
    ]);
    expect(cellRuntimeOf(s, 'a')).toMatchObject({ status: 'cancelled', error: null, cancelRequested: false });
    const s2 = run([
      { type: 'start', cellId: 'b', queryId: 'q2', at: 0 },
      { type: 'finish', payload: finished('q2', { status: 'cancelled' }) },
    ]);
    expect(cellRuntimeOf(s2, 'b').status).toBe('cancelled');
  });

  it('ignores events of a query that a re-run superseded', () => {
    let s = run([
      { type: 'start', cellId: 'a', queryId: 'old', at: 0 },
      { type: 'start', cellId: 'a', queryId: 'new', at: 1 },
    ]);
    expect(s.queries).toEqual({ new: 'a' });
    const before = s;
    s = run(
      [
        { type: 'batch', queryId: 'old', table: batch(0, 1) },
        { type: 'finish', payload: finished('old') },
      ],
      s,
    );
    expect(s).toBe(before);
    expect(cellRuntimeOf(s, 'a').status).toBe('running');
  });

  it('ignores events of unknown queries', () => {
    const s = run([{ type: 'progress', queryId: 'nope', percentage: 1, rowsSoFar: 0, elapsedMs: 0 }]);
    expect(s).toBe(emptyRuntime);
  });

  it('queues and dequeues for run-all', () => {
    let s = run([{ type: 'queue', cellIds: ['a', 'b', 'c'] }]);
    expect(['a', 'b', 'c'].map((id) => cellRuntimeOf(s, id).status)).toEqual(['queued', 'queued', 'queued']);
    s = run(
      [
        { type: 'start', cellId: 'a', queryId: 'q', at: 0 },
        {
          type: 'finish',
          payload: finished('q', { status: 'failed', error: { code: 'SQL_ERROR', message: 'x' } }),
        },
        { type: 'dequeue', cellIds: ['b', 'c'] },
      ],
      s,
    );
    expect(['a', 'b', 'c'].map((id) => cellRuntimeOf(s, id).status)).toEqual(['failed', 'idle', 'idle']);
  });

  it('cancels a queued cell at once, a running one on the host', () => {
    let s = run([
      { type: 'queue', cellIds: ['a'] },
      { type: 'cancelRequested', cellId: 'a' },
    ]);
    expect(cellRuntimeOf(s, 'a').status).toBe('cancelled');
    s = run(
      [
        { type: 'start', cellId: 'b', queryId: 'q', at: 0 },
        { type: 'cancelRequested', cellId: 'b' },
      ],
      s,
    );
    expect(cellRuntimeOf(s, 'b')).toMatchObject({ status: 'running', cancelRequested: true });
  });

  it('fails every active cell when the connection is lost', () => {
    const s = run([
      { type: 'start', cellId: 'a', queryId: 'q', at: 0 },
      { type: 'queue', cellIds: ['b'] },
      { type: 'connectionLost', message: 'the connection to Lakebench was lost' },
    ]);
    expect(cellRuntimeOf(s, 'a')).toMatchObject({ status: 'failed', error: { code: 'TRANSPORT_CLOSED' } });
    expect(cellRuntimeOf(s, 'b').status).toBe('failed');
    expect(s.queries).toEqual({});
  });

  it('reports a call that could not start', () => {
    const s = run([
      { type: 'start', cellId: 'a', queryId: 'q', at: 0 },
      { type: 'startFailed', cellId: 'a', error: { code: 'TRANSPORT_CLOSED', message: 'not connected' } },
    ]);
    expect(cellRuntimeOf(s, 'a')).toMatchObject({ status: 'failed', error: { message: 'not connected' } });
    expect(s.queries).toEqual({});
  });

  it('forgets removed cells and resets', () => {
    let s = run([
      { type: 'start', cellId: 'a', queryId: 'q', at: 0 },
      { type: 'removeCell', cellId: 'a' },
    ]);
    expect(s.cells).toEqual({});
    expect(s.queries).toEqual({});
    s = run([{ type: 'queue', cellIds: ['x'] }, { type: 'reset' }], s);
    expect(s).toBe(emptyRuntime);
  });

  it('rejects an unknown action', () => {
    expect(() => cellRuntimeReducer(emptyRuntime, { type: 'bogus' } as unknown as CellAction)).toThrow(
      /unknown cell action/,
    );
  });
});
