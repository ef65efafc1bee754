import { tableFromIPC } from 'apache-arrow';
import { toErrorData } from '../../shared/errors';
import { newCell, type CellLanguage } from '../../shared/notebook/model';
import { client, connection } from '../api';
import { useApp } from '../state/app';
import { clearStorageProblem, reportError } from '../state/toasts';
import { cellRuntimeOf, type CellError, type CellStatus } from './cell-runtime';
import { insertCell, maxExecutionCount, setOutputs } from './doc-edits';
import {
  installKernelEvents,
  interruptKernel,
  refreshKernelInfo,
  runPythonCell,
  shutdownKernel,
} from './kernel-actions';
import { errorOutput, executeResultOutput } from './outputs';
import type { QueryResult } from './result';
import { getNotebook, isDirty, useNotebooks } from './store';

/** What the user does with notebooks: open, save, run, cancel. State lives in the store; this talks to the host. */

interface QueryRoute {
  path: string;
  cellId: string;
  resolve: (status: CellStatus) => void;
}

const routes = new Map<string, QueryRoute>();
const saveAgain = new Set<string>();
const runningAll = new Set<string>();

function newQueryId(): string {
  return `q-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

export async function openNotebook(path: string): Promise<void> {
  const store = useNotebooks.getState();
  const existing = store.open[path];
  if (existing && existing.status !== 'invalid') {
    store.setActive(path);
    return;
  }
  store.addTab(path);
  store.patch(path, { status: 'loading', loadError: null });
  try {
    const r = await client.call('notebooks.open', { path });
    store.patch(path, {
      status: 'ready',
      doc: r.notebook,
      mtimeMs: r.mtimeMs,
      loadError: null,
      executionCounter: maxExecutionCount(r.notebook),
    });
    // A kernel may already run for this notebook (another window, a reload).
    void refreshKernelInfo(path);
  } catch (err) {
    const error = toErrorData(err);
    store.patch(path, { status: 'invalid', loadError: error, doc: null });
    if (error.code !== 'NOTEBOOK_INVALID') reportError(`Could not open ${path}`, err);
  }
}

export async function createNotebook(name: string): Promise<void> {
  try {
    const r = await client.call('notebooks.create', { name });
    useApp.getState().showArea('notebooks');
    void useApp.getState().refreshFiles();
    await openNotebook(r.path);
    const first = getNotebook(r.path)?.doc?.cells[0];
    if (first) useNotebooks.getState().patch(r.path, { focusCellId: first.id });
  } catch (err) {
    reportError(`Could not create the notebook "${name}"`, err);
  }
}

export async function saveNotebook(path: string, options: { force?: boolean } = {}): Promise<void> {
  const store = useNotebooks.getState();
  const nb = store.open[path];
  if (!nb || nb.status !== 'ready' || !nb.doc) return;
  if (nb.conflict && !options.force) return;
  if (nb.saving) {
    saveAgain.add(path);
    return;
  }
  const version = nb.editVersion;
  store.patch(path, { saving: true });
  try {
    const r = await client.call('notebooks.save', {
      path,
      notebook: nb.doc,
      baseMtimeMs: nb.mtimeMs,
      force: options.force ?? false,
    });
    useNotebooks
      .getState()
      .patch(path, { saving: false, mtimeMs: r.mtimeMs, savedVersion: version, conflict: false });
    clearStorageProblem();
  } catch (err) {
    const error = toErrorData(err);
    if (error.code === 'NOTEBOOK_CHANGED_ON_DISK') {
      // Never overwrite silently: the user chooses in the notebook's conflict prompt.
      useNotebooks.getState().patch(path, { saving: false, conflict: true });
    } else {
      useNotebooks.getState().patch(path, { saving: false });
      reportError(`Could not save ${path}`, err);
    }
    saveAgain.delete(path);
    return;
  }
  if (saveAgain.delete(path)) {
    const now = getNotebook(path);
    if (now && isDirty(now)) await saveNotebook(path);
  }
}

/** Throws away the edits in the app and shows the file as it is on disk. */
export async function reloadFromDisk(path: string): Promise<void> {
  try {
    const r = await client.call('notebooks.open', { path });
    const nb = getNotebook(path);
    if (!nb) return;
    const version = nb.editVersion + 1;
    useNotebooks.getState().patch(path, {
      status: 'ready',
      doc: r.notebook,
      mtimeMs: r.mtimeMs,
      conflict: false,
      editVersion: version,
      savedVersion: version,
      loadError: null,
      executionCounter: Math.max(nb.executionCounter, maxExecutionCount(r.notebook)),
    });
    useNotebooks.getState().dispatch(path, { type: 'reset' });
  } catch (err) {
    const error = toErrorData(err);
    if (error.code === 'NOTEBOOK_INVALID') {
      useNotebooks
        .getState()
        .patch(path, { status: 'invalid', loadError: error, doc: null, conflict: false });
    } else {
      reportError(`Could not reload ${path}`, err);
    }
  }
}

/** Closes a tab, saving first; a tab whose save fails stays open. */
export async function closeNotebook(path: string): Promise<void> {
  const nb = getNotebook(path);
  if (nb && nb.status === 'ready' && isDirty(nb) && !nb.conflict) {
    await saveNotebook(path);
    const after = getNotebook(path);
    if (after && isDirty(after)) return;
  }
  for (const [id, route] of routes) {
    if (route.path !== path) continue;
    // The tab is going away: a query that cannot be cancelled (it just ended) needs no word to the user.
    void client
      .call('operations.cancel', { operationId: id })
      .catch((err: unknown) => console.warn(`Lakebench: cancelling query ${id} failed`, err));
  }
  shutdownKernel(path);
  useNotebooks.getState().closeTab(path);
}

export function runCell(path: string, cellId: string): Promise<CellStatus> {
  const store = useNotebooks.getState();
  const nb = store.open[path];
  const cell = nb?.doc?.cells.find((c) => c.id === cellId);
  if (!nb || !cell) return Promise.resolve('failed');
  if (cell.readOnly || (cell.language !== 'sql' && cell.language !== 'python')) {
    store.dispatch(path, { type: 'dequeue', cellIds: [cellId] });
    return Promise.resolve(cell.language === 'markdown' ? 'succeeded' : 'idle');
  }
  const current = cellRuntimeOf(nb.runtime, cellId);
  if (current.status === 'running') return Promise.resolve('running');
  if (!cell.source.trim()) {
    store.dispatch(path, { type: 'dequeue', cellIds: [cellId] });
    return Promise.resolve('succeeded');
  }
  if (cell.language === 'python') return runPythonCell(path, cellId, cell.source);
  const queryId = newQueryId();
  return new Promise<CellStatus>((resolve) => {
    routes.set(queryId, { path, cellId, resolve });
    store.dispatch(path, { type: 'start', cellId, queryId, at: Date.now() });
    useApp.getState().queryStarted();
    client
      .call('warehouse.runQuery', { sql: cell.source, queryId, origin: { notebook: path, cellId } })
      .catch((err: unknown) => {
        if (!routes.delete(queryId)) return;
        const error = toErrorData(err);
        useNotebooks.getState().dispatch(path, { type: 'startFailed', cellId, error });
        useApp.getState().queryEnded(null);
        resolve('failed');
      });
  });
}

/** Runs the cell, then moves to the next one, adding a cell of its kind at the end as Jupyter does. */
export function runAndAdvance(path: string, cellId: string): void {
  const nb = getNotebook(path);
  if (!nb?.doc) return;
  const i = nb.doc.cells.findIndex((c) => c.id === cellId);
  if (i < 0) return;
  const next = nb.doc.cells[i + 1];
  if (next) useNotebooks.getState().patch(path, { focusCellId: next.id });
  else addCell(path, i + 1, nb.doc.cells[i].language === 'python' ? 'python' : 'sql');
  void runCell(path, cellId);
}

export function addCell(path: string, index: number, language: CellLanguage): void {
  const cell = newCell(language);
  useNotebooks.getState().edit(path, (doc) => insertCell(doc, index, cell), cell.id);
}

/** Runs every SQL and Python cell in order, stopping at the first that does not succeed. */
export async function runAll(path: string): Promise<void> {
  if (runningAll.has(path)) return;
  const nb = getNotebook(path);
  if (!nb?.doc) return;
  const ids = nb.doc.cells
    .filter((c) => !c.readOnly && (c.language === 'sql' || c.language === 'python') && c.source.trim())
    .map((c) => c.id);
  if (!ids.length) return;
  runningAll.add(path);
  try {
    useNotebooks.getState().dispatch(path, { type: 'queue', cellIds: ids });
    for (let i = 0; i < ids.length; i++) {
      const now = getNotebook(path);
      const stillThere = now?.doc?.cells.some((c) => c.id === ids[i]);
      const status = now && stillThere ? cellRuntimeOf(now.runtime, ids[i]).status : 'cancelled';
      const result = status === 'queued' ? await runCell(path, ids[i]) : status;
      if (result !== 'succeeded') {
        useNotebooks.getState().dispatch(path, { type: 'dequeue', cellIds: ids.slice(i + 1) });
        return;
      }
    }
  } finally {
    runningAll.delete(path);
  }
}

export async function cancelCell(path: string, cellId: string): Promise<void> {
  const nb = getNotebook(path);
  if (!nb) return;
  const rt = cellRuntimeOf(nb.runtime, cellId);
  useNotebooks.getState().dispatch(path, { type: 'cancelRequested', cellId });
  if (rt.status !== 'running' || !rt.queryId) return;
  if (nb.doc?.cells.find((c) => c.id === cellId)?.language === 'python') {
    await interruptKernel(path);
    return;
  }
  try {
    await client.call('operations.cancel', { operationId: rt.queryId });
  } catch (err) {
    reportError('Could not cancel the query', err);
  }
}

/**
 * An open notebook whose file another program changed: shown as it is on disk when it has no unsaved edits,
 * else the user is asked (the conflict banner), never overwritten. Our own saves are told apart by the
 * modification time the save returned.
 */
export async function checkNotebooksOnDisk(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const nb = getNotebook(path);
    if (!nb || nb.status !== 'ready' || nb.saving || nb.conflict || nb.mtimeMs === null) continue;
    let mtimeMs: number;
    try {
      ({ mtimeMs } = await client.call('notebooks.stat', { path }));
    } catch {
      continue; // Removed or renamed: the explorer shows it; the tab keeps what the user has.
    }
    const now = getNotebook(path);
    if (!now || now.saving || now.conflict || now.mtimeMs === null || mtimeMs <= now.mtimeMs + 1) continue;
    if (isDirty(now)) useNotebooks.getState().patch(path, { conflict: true });
    else await reloadFromDisk(path);
  }
}

/** Routes the host's query and kernel events to the cells that started them; called once at start. */
export function installQueryEvents(): void {
  installKernelEvents();
  client.on('workspace.onFilesChanged', (p) => {
    void checkNotebooksOnDisk(p.paths.filter((f) => useNotebooks.getState().open[f]));
  });
  client.on('warehouse.onQueryBatch', (p) => {
    const route = routes.get(p.queryId);
    if (!route) return;
    let table;
    try {
      table = tableFromIPC(p.arrow);
    } catch (err) {
      reportError('A result batch could not be read', err);
      return;
    }
    useNotebooks.getState().dispatch(route.path, { type: 'batch', queryId: p.queryId, table });
  });
  client.on('warehouse.onQueryProgress', (p) => {
    const route = routes.get(p.queryId);
    if (!route) return;
    useNotebooks.getState().dispatch(route.path, {
      type: 'progress',
      queryId: p.queryId,
      percentage: p.percentage,
      rowsSoFar: p.rowsSoFar,
      elapsedMs: p.elapsedMs,
    });
  });
  client.on('warehouse.onQueryFinished', (p) => {
    const route = routes.get(p.queryId);
    if (!route) return;
    routes.delete(p.queryId);
    const store = useNotebooks.getState();
    store.dispatch(route.path, { type: 'finish', payload: p });
    const nb = getNotebook(route.path);
    const rt = nb ? cellRuntimeOf(nb.runtime, route.cellId) : null;
    const status: CellStatus = rt?.status ?? p.status;
    useApp.getState().queryEnded({
      status: status === 'cancelled' ? 'cancelled' : p.status,
      rows: p.rowCount,
      elapsedMs: p.elapsedMs,
    });
    if (nb && rt)
      writeOutputs(route.path, route.cellId, status, rt.result, rt.error, p.rowCount, p.elapsedMs);
    if (p.statementType !== 'SELECT' && p.status === 'succeeded') void useApp.getState().refreshTables();
    route.resolve(status);
  });
  connection.onStatus((s) => {
    if (s.state === 'connected') return;
    const message = `the connection to Lakebench was lost${s.detail ? ` (${s.detail})` : ''}`;
    const open = useNotebooks.getState().open;
    for (const path of Object.keys(open))
      useNotebooks.getState().dispatch(path, { type: 'connectionLost', message });
    const pending = [...routes.values()];
    routes.clear();
    for (const r of pending) {
      useApp.getState().queryEnded(null);
      r.resolve('failed');
    }
  });
}

/** Saves a small preview of the result (or the error) into the cell, so the .ipynb shows it elsewhere. */
function writeOutputs(
  path: string,
  cellId: string,
  status: CellStatus,
  result: QueryResult | null,
  error: CellError | null,
  rowCount: number,
  elapsedMs: number,
): void {
  const store = useNotebooks.getState();
  const nb = store.open[path];
  if (!nb?.doc) return;
  const count = nb.executionCounter + 1;
  store.patch(path, { executionCounter: count });
  const outputs =
    status === 'succeeded' && result
      ? [executeResultOutput(result, rowCount, elapsedMs, count)]
      : status === 'failed' && error
        ? [errorOutput(error)]
        : [];
  store.edit(path, (doc) => setOutputs(doc, cellId, outputs, count));
}
