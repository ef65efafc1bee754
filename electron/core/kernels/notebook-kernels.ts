import { existsSync } from 'node:fs';
import path from 'node:path';
import type { EventSink } from '../../../shared/api/client';
import type { RequestParsedArgs, RequestResult } from '../../../shared/api/contract';
import { LakebenchError, toErrorData } from '../../../shared/errors';
import type {
  ExecutionStatus,
  KernelCompletion,
  KernelInfo,
  KernelStatus,
} from '../../../shared/kernels/contract';
import { stripAnsi } from '../../../shared/kernels/outputs';
import { pythonExecutable, reportError } from '../runtime';
import { fileVersion, trackingEnvironment } from '../tracker';
import type { LogSink } from '../logs';
import type { Workspace } from '../workspace';
import type { KernelsService } from './index';
import { PythonKernel, type KernelState } from './python-kernel';

interface Session {
  notebook: string;
  kernel: PythonKernel | null;
  /** The start in progress; executions that arrive meanwhile wait for it, in order. */
  starting: Promise<PythonKernel> | null;
  state: KernelStatus;
  python: string;
  error: { code: string; message: string } | null;
}

function statusOf(state: KernelState): KernelStatus {
  return state === 'closed' ? 'none' : state;
}

/**
 * The kernels of the open notebooks: one Python kernel per notebook, started by its first execution, in the
 * workspace folder, with the tracking server's address, the notebook's experiment (`notebook:<path>`) and
 * where `import lakebench` is found in its environment. Every output and state change goes out as an event.
 */
export class NotebookKernels implements KernelsService {
  private readonly sessions = new Map<string, Session>();
  private closed = false;
  /** Which pages (API clients) use each notebook's kernel, and the stops waiting for a page to come back. */
  private readonly users = new Map<string, Set<string>>();
  private readonly pendingStops = new Map<string, NodeJS.Timeout>();
  /** How long a kernel outlives the last page that used it: a reload comes back within it. */
  orphanGraceMs = 10_000;

  constructor(
    private readonly workspace: Workspace,
    private readonly events: EventSink,
    /** The logs service: each cell's stdout, stderr and errors, and the kernels' state changes. */
    private readonly logs: LogSink | null = null,
  ) {}

  /** Writes an output of a cell to the logs (only queued): a line per stream line, an error with its traceback. */
  private logOutput(
    notebook: string,
    cellId: string,
    executionId: string,
    output: Record<string, unknown>,
  ): void {
    const logs = this.logs;
    if (!logs) return;
    const source = { kind: 'notebook' as const, notebook, cellId };
    if (output.output_type === 'stream') {
      const stream = output.name === 'stderr' ? 'stderr' : 'stdout';
      const text = Array.isArray(output.text) ? output.text.join('') : String(output.text ?? '');
      const lines = text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      for (const message of lines) logs.write({ source, stream, message, fields: { executionId } });
    } else if (output.output_type === 'error') {
      const traceback = Array.isArray(output.traceback) ? output.traceback.map(String).join('\n') : '';
      logs.write({
        source,
        stream: 'event',
        level: 'error',
        message: `${String(output.ename ?? 'Error')}: ${String(output.evalue ?? '')}`,
        // eslint-disable-next-line no-control-regex -- a traceback's terminal colours are not text
        fields: { executionId, traceback: traceback.replace(/\u001b\[[0-9;]*m/g, '') },
      });
    }
  }

  private python(): string {
    return pythonExecutable(this.workspace.settings as Record<string, unknown>);
  }

  private notebookFolder(notebook: string): string {
    const folder = path.dirname(this.workspace.resolve(notebook));
    return existsSync(folder) ? folder : this.workspace.root;
  }

  /**
   * A notebook was renamed or moved: its kernel (and its variables) follow it to the new path. The kernel keeps
   * the folder it started in, as Jupyter's does.
   */
  rename(from: string, to: string): void {
    const s = this.sessions.get(from);
    if (!s || this.sessions.has(to)) return;
    this.sessions.delete(from);
    s.notebook = to;
    this.sessions.set(to, s);
    const users = this.users.get(from);
    this.users.delete(from);
    if (users) this.users.set(to, users);
    const stop = this.pendingStops.get(from);
    if (stop) {
      // A stop waiting for a page applies to the kernel under its new name.
      clearTimeout(stop);
      this.pendingStops.delete(from);
      this.users.set(to, new Set(['renamed']));
      this.detachClient('renamed');
    }
    this.events.emit('kernels.onStatus', { ...this.getInfo(from), state: 'none' });
    this.events.emit('kernels.onStatus', this.getInfo(to));
  }

  private session(notebook: string): Session {
    // The path must name a notebook inside the workspace (throws PATH_OUTSIDE_WORKSPACE otherwise).
    this.workspace.resolve(notebook);
    let s = this.sessions.get(notebook);
    if (!s) {
      s = { notebook, kernel: null, starting: null, state: 'none', python: this.python(), error: null };
      this.sessions.set(notebook, s);
    }
    return s;
  }

  private info(s: Session): KernelInfo {
    return {
      notebook: s.notebook,
      state: s.state,
      python: s.kernel?.options.python ?? s.python,
      pythonVersion: s.kernel?.pythonVersion ?? null,
      error: s.error,
    };
  }

  private setState(s: Session, state: KernelStatus): void {
    const before = s.state;
    s.state = state;
    this.events.emit('kernels.onStatus', this.info(s));
    // Starts, deaths and restarts are worth a line; idle and busy come and go with every cell.
    if (this.logs && before !== state && (state === 'starting' || state === 'dead' || state === 'restarting'))
      this.logs.write({
        source: { kind: 'kernel', kernelId: s.notebook, notebook: s.notebook },
        level: state === 'dead' ? 'error' : 'info',
        message: `kernel of ${s.notebook} ${state}${s.error ? `: ${s.error.message}` : ''}`,
      });
  }

  private environment(notebook: string): Record<string, string> {
    return {
      ...trackingEnvironment(this.workspace.engineDir, {
        experimentName: `notebook:${notebook}`,
        source: { kind: 'notebook', notebook },
      }),
      LAKEBENCH_WORKSPACE: this.workspace.root,
      LAKEBENCH_NOTEBOOK: notebook,
    };
  }

  /** The notebook's running kernel, starting one if it has none (or its last one died). */
  private kernelFor(s: Session): Promise<PythonKernel> {
    if (this.closed) return Promise.reject(new LakebenchError('KERNEL_DIED', 'the workspace is closing'));
    if (s.kernel && s.kernel.state !== 'dead' && s.kernel.state !== 'closed')
      return Promise.resolve(s.kernel);
    if (s.starting) return s.starting;
    s.kernel?.kill();
    s.kernel = null;
    s.python = this.python();
    s.error = null;
    this.setState(s, 'starting');
    const starting = PythonKernel.start({
      python: s.python,
      // As Jupyter does: code runs in the notebook's folder, so relative paths are the notebook's.
      cwd: this.notebookFolder(s.notebook),
      env: this.environment(s.notebook),
      onStateChange: (state) => {
        if (s.kernel === kernelRef.current) this.setState(s, statusOf(state));
      },
    });
    const kernelRef: { current: PythonKernel | null } = { current: null };
    s.starting = starting.then(
      (kernel) => {
        s.starting = null;
        if (this.closed || this.sessions.get(s.notebook) !== s) {
          void kernel.shutdown();
          throw new LakebenchError('KERNEL_DIED', 'the kernel was shut down while it started');
        }
        kernelRef.current = kernel;
        s.kernel = kernel;
        this.setState(s, statusOf(kernel.state));
        return kernel;
      },
      (err: unknown) => {
        s.starting = null;
        s.error = toErrorData(err);
        this.setState(s, 'none');
        throw err;
      },
    );
    return s.starting;
  }

  async execute(args: RequestParsedArgs<'kernels.execute'>): Promise<RequestResult<'kernels.execute'>> {
    const s = this.session(args.notebook);
    const { notebook, cellId, executionId } = args;
    const finished = (
      status: ExecutionStatus,
      executionCount: number | null,
      error: { code: string; message: string } | null,
    ) =>
      this.events.emit('kernels.onExecutionFinished', {
        notebook,
        cellId,
        executionId,
        status,
        executionCount,
        error,
      });
    void this.kernelFor(s).then(
      async (kernel) => {
        try {
          // Runs logged by this cell name it and the notebook's version as saved now.
          await kernel.execute(this.sourcePrelude(notebook, cellId), { silent: true });
          const r = await kernel.execute(args.code, {
            onOutput: (output) => {
              this.events.emit('kernels.onOutput', { notebook, cellId, executionId, output });
              this.logOutput(notebook, cellId, executionId, output);
            },
            onClearOutput: (wait) =>
              this.events.emit('kernels.onClearOutput', { notebook, cellId, executionId, wait }),
          });
          finished(
            r.status,
            r.executionCount,
            r.status === 'died'
              ? {
                  code: 'KERNEL_DIED',
                  message: 'the Python kernel died while this cell ran; it starts again on the next run',
                }
              : null,
          );
        } catch (err) {
          const e = toErrorData(err);
          finished('failed', null, { code: e.code, message: e.message });
        }
      },
      (err: unknown) => {
        const e = toErrorData(err);
        finished('failed', null, { code: e.code, message: e.message });
      },
    );
    return { executionId };
  }

  /** Python that sets what produced the runs the next cell logs (read by `import lakebench`). */
  private sourcePrelude(notebook: string, cellId: string): string {
    const vars: Record<string, string> = { LAKEBENCH_SOURCE_CELL: cellId };
    const version = fileVersion(this.workspace.resolve(notebook));
    if (version) vars.LAKEBENCH_SOURCE_VERSION = version;
    return `__import__('os').environ.update(${JSON.stringify(vars)})`;
  }

  /**
   * Completion from the notebook's running kernel (Jupyter's complete_request): names it knows, with their
   * kinds. No kernel is started for it: without one there is nothing to complete from.
   */
  async complete(notebook: string, code: string, cursor: number): Promise<KernelCompletion> {
    const kernel = this.sessions.get(notebook)?.kernel;
    const empty = { from: cursor, to: cursor, items: [] };
    if (!kernel) return empty;
    // Jupyter's cursor is in code points; the editor's in UTF-16 units.
    const reply = await kernel.ask('complete', code, [...code.slice(0, cursor)].length);
    if (!reply || reply.status !== 'ok' || !Array.isArray(reply.matches)) return empty;
    const toUnits = (points: unknown) =>
      typeof points === 'number' ? [...code].slice(0, points).join('').length : cursor;
    const types = new Map<string, string>();
    const experimental = (reply.metadata as Record<string, unknown> | undefined)?._jupyter_types_experimental;
    if (Array.isArray(experimental))
      for (const t of experimental as { text?: unknown; type?: unknown }[])
        if (typeof t.text === 'string' && typeof t.type === 'string') types.set(t.text, t.type);
    return {
      from: toUnits(reply.cursor_start),
      to: toUnits(reply.cursor_end),
      items: (reply.matches as unknown[])
        .filter((m): m is string => typeof m === 'string')
        .slice(0, 500)
        .map((text) => ({ text, type: types.get(text) ?? null })),
    };
  }

  /** Help on the name at the cursor from the running kernel (inspect_request), as plain text; null if none. */
  async inspect(notebook: string, code: string, cursor: number): Promise<{ text: string | null }> {
    const kernel = this.sessions.get(notebook)?.kernel;
    if (!kernel) return { text: null };
    const reply = await kernel.ask('inspect', code, [...code.slice(0, cursor)].length);
    const data = reply?.status === 'ok' && reply.found ? (reply.data as Record<string, unknown>) : null;
    const text = data && typeof data['text/plain'] === 'string' ? stripAnsi(data['text/plain']) : null;
    return { text: text ? text.slice(0, 20_000) : null };
  }

  interrupt(notebook: string): { interrupted: boolean } {
    const s = this.session(notebook);
    if (!s.kernel || s.kernel.state !== 'busy') return { interrupted: false };
    s.kernel.interrupt();
    return { interrupted: true };
  }

  async restart(notebook: string): Promise<KernelInfo> {
    const s = this.session(notebook);
    // A start that failed set the session's error itself; the restart starts over either way.
    if (s.starting) await s.starting.catch(() => undefined);
    if (s.kernel && s.kernel.state !== 'closed') {
      try {
        await s.kernel.restart();
        s.error = null;
        return this.info(s);
      } catch {
        // The bridge itself is gone: start over below.
      }
    }
    await this.kernelFor(s);
    return this.info(s);
  }

  async shutdown(notebook: string): Promise<{ shutdown: boolean }> {
    const s = this.session(notebook);
    this.sessions.delete(notebook);
    const starting = s.starting;
    // A start that failed left no kernel to shut down (its error is on the session already).
    const kernel = s.kernel ?? (starting ? await starting.catch(() => null) : null);
    s.kernel = null;
    if (!kernel) return { shutdown: false };
    await kernel.shutdown();
    s.error = null;
    this.setState(s, 'none');
    return { shutdown: true };
  }

  /** A page uses this notebook's kernel (it ran a cell in it, or opened the notebook and asked for it). */
  attach(notebook: string, clientId: string): void {
    let set = this.users.get(notebook);
    if (!set) this.users.set(notebook, (set = new Set()));
    set.add(clientId);
    const stop = this.pendingStops.get(notebook);
    if (stop) {
      clearTimeout(stop);
      this.pendingStops.delete(notebook);
    }
  }

  /**
   * A page went away (its tab or window closed, or it reloads). Kernels no other page uses are stopped after
   * `orphanGraceMs`, unless a page attaches again first, so nothing runs on after the last page has gone.
   */
  detachClient(clientId: string): void {
    for (const [notebook, set] of this.users) {
      if (!set.delete(clientId) || set.size > 0) continue;
      this.users.delete(notebook);
      if (!this.sessions.get(notebook)?.kernel || this.pendingStops.has(notebook)) continue;
      const timer = setTimeout(() => {
        this.pendingStops.delete(notebook);
        if (this.users.has(notebook)) return;
        this.shutdown(notebook).catch((err: unknown) =>
          reportError(`the kernel of ${notebook}, left by its last page, did not stop`, err),
        );
      }, this.orphanGraceMs);
      timer.unref();
      this.pendingStops.set(notebook, timer);
    }
  }

  getInfo(notebook: string): KernelInfo {
    const s = this.sessions.get(notebook);
    if (s) return this.info(s);
    this.workspace.resolve(notebook);
    return { notebook, state: 'none', python: this.python(), pythonVersion: null, error: null };
  }

  /** Shuts down every kernel (the workspace is closing). */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.pendingStops.values()) clearTimeout(timer);
    this.pendingStops.clear();
    const all = [...this.sessions.keys()];
    await Promise.all(
      all.map((nb) =>
        // One kernel that fails to stop must not keep the others running; the failure is told.
        this.shutdown(nb).catch((err) => reportError(`the kernel of ${nb} did not shut down cleanly`, err)),
      ),
    );
  }
}
