import type { EventPayload } from '../../shared/api/contract';
import { toErrorData } from '../../shared/errors';
import type { NotebookOutput } from '../../shared/notebook/model';
import { client, connection } from '../api';
import { reportError } from '../state/toasts';
import { cellRuntimeOf, type CellStatus } from './cell-runtime';
import { setOutputs } from './doc-edits';
import { getNotebook, useNotebooks } from './store';

/**
 * Python cells: each open notebook has one kernel on the host, started by its first run. Running returns at
 * once; outputs stream in as events and are routed to the cell by execution id, like query batches.
 */

interface ExecutionRoute {
  path: string;
  cellId: string;
  startedAt: number;
  resolve: (status: CellStatus) => void;
}

const routes = new Map<string, ExecutionRoute>();

function newExecutionId(): string {
  return `k-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

export function runPythonCell(path: string, cellId: string, code: string): Promise<CellStatus> {
  const executionId = newExecutionId();
  return new Promise<CellStatus>((resolve) => {
    routes.set(executionId, { path, cellId, startedAt: Date.now(), resolve });
    useNotebooks.getState().dispatch(path, { type: 'startExecution', cellId, executionId, at: Date.now() });
    client.call('kernels.execute', { notebook: path, cellId, code, executionId }).catch((err: unknown) => {
      if (!routes.delete(executionId)) return;
      useNotebooks.getState().dispatch(path, { type: 'startFailed', cellId, error: toErrorData(err) });
      resolve('failed');
    });
  });
}

export async function interruptKernel(path: string): Promise<void> {
  // The running cell ends as interrupted (cancelled), not as failed, whichever button asked.
  for (const r of routes.values())
    if (r.path === path)
      useNotebooks.getState().dispatch(path, { type: 'cancelRequested', cellId: r.cellId });
  try {
    await client.call('kernels.interrupt', { notebook: path });
  } catch (err) {
    reportError('Could not interrupt the kernel', err);
  }
}

export async function restartKernel(path: string): Promise<void> {
  try {
    const info = await client.call('kernels.restart', { notebook: path });
    useNotebooks.getState().patch(path, { kernel: info });
  } catch (err) {
    reportError('Could not restart the kernel', err);
  }
}

/** Stops the notebook's kernel (its tab closes); nothing to do if it never started. */
export function shutdownKernel(path: string): void {
  const nb = getNotebook(path);
  if (!nb?.kernel || nb.kernel.state === 'none') return;
  // The tab is closing: a kernel that cannot be stopped now is stopped with the workspace; it is noted only.
  void client
    .call('kernels.shutdown', { notebook: path })
    .catch((err: unknown) => console.warn(`Lakebench: the kernel of ${path} did not stop`, err));
}

export async function refreshKernelInfo(path: string): Promise<void> {
  try {
    const info = await client.call('kernels.getInfo', { notebook: path });
    useNotebooks.getState().patch(path, { kernel: info });
  } catch {
    // The bar shows no kernel until the host reports one.
  }
}

/** The outputs to keep in the file: what the cell produced, its result numbered like the cell. */
function numbered(outputs: readonly NotebookOutput[], count: number): NotebookOutput[] {
  return outputs.map((o) => (o.output_type === 'execute_result' ? { ...o, execution_count: count } : o));
}

function finish(p: EventPayload<'kernels.onExecutionFinished'>): void {
  const route = routes.get(p.executionId);
  if (!route) return;
  routes.delete(p.executionId);
  const store = useNotebooks.getState();
  store.dispatch(route.path, {
    type: 'kernelFinish',
    executionId: p.executionId,
    status: p.status,
    error: p.error,
    elapsedMs: Date.now() - route.startedAt,
  });
  const nb = getNotebook(route.path);
  const rt = nb ? cellRuntimeOf(nb.runtime, route.cellId) : null;
  // Code that ran (or began to) leaves its outputs in the file; a start that failed or an aborted queue does not.
  if (nb?.doc && rt && (p.status === 'ok' || p.status === 'error' || p.status === 'died')) {
    const count = nb.executionCounter + 1;
    store.patch(route.path, { executionCounter: count });
    store.edit(route.path, (doc) => setOutputs(doc, route.cellId, numbered(rt.outputs ?? [], count), count));
  }
  route.resolve(rt?.status ?? 'failed');
}

/** Routes the host's kernel events to the cells that started them; called once at start. */
export function installKernelEvents(): void {
  client.on('kernels.onOutput', (p) => {
    const route = routes.get(p.executionId);
    if (!route) return;
    useNotebooks
      .getState()
      .dispatch(route.path, { type: 'kernelOutput', executionId: p.executionId, output: p.output });
  });
  client.on('kernels.onClearOutput', (p) => {
    const route = routes.get(p.executionId);
    if (!route) return;
    useNotebooks
      .getState()
      .dispatch(route.path, { type: 'kernelClearOutput', executionId: p.executionId, wait: p.wait });
  });
  client.on('kernels.onExecutionFinished', finish);
  client.on('kernels.onStatus', (p) => {
    if (getNotebook(p.notebook)) useNotebooks.getState().patch(p.notebook, { kernel: p });
  });
  connection.onStatus((s) => {
    if (s.state === 'connected') {
      // A new connection is a new page to the host: it claims the kernels of its open notebooks again, so they
      // are not stopped as left behind.
      for (const path of Object.keys(useNotebooks.getState().open)) void refreshKernelInfo(path);
      return;
    }
    const pending = [...routes.values()];
    routes.clear();
    for (const r of pending) r.resolve('failed');
  });
}
