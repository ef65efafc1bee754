import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { LakebenchError } from '../../../shared/errors';
import { appendOutput } from '../../../shared/kernels/outputs';
import type { NotebookOutput } from '../../../shared/notebook/model';
import { killOwnProcessGroup, processIdentity, resourcesDir } from '../runtime';

/**
 * Python kernels: a real IPython kernel (ipykernel) in a child process, reached through a small Python bridge
 * (resources/python/lakebench_kernel_bridge.py) that uses jupyter_client and speaks JSON lines over stdio. The
 * npm ZeroMQ binding downloads a binary at install time, so Node never speaks ZeroMQ itself.
 *
 * Process tree: Lakebench -> bridge (its own process group) -> kernel (its own session, as jupyter_client starts
 * it; killed by the OS when the bridge ends). Shutting down, a cancel, or Lakebench's exit kill both groups, so
 * nothing a cell started outlives its kernel.
 */

export { appendOutput, stripAnsi } from '../../../shared/kernels/outputs';

export const KERNEL_BRIDGE_FILE = 'lakebench_kernel_bridge.py';

export type KernelState = 'starting' | 'idle' | 'busy' | 'restarting' | 'dead' | 'closed';
/** How an execution ended: as the kernel replied, or `died` when the kernel ended under it. */
export type ExecutionStatus = 'ok' | 'error' | 'aborted' | 'died';

export interface KernelError {
  ename: string;
  evalue: string;
  traceback: string[];
}

export interface ExecuteResult {
  status: ExecutionStatus;
  executionCount: number | null;
  /** The outputs in nbformat's shape, consecutive stream text of one stream joined as Jupyter stores it. */
  outputs: NotebookOutput[];
  /** The error output of an execution that raised. */
  error: KernelError | null;
}

export interface ExecuteOptions {
  /** Each output as it arrives (stdout streams while the code runs). */
  onOutput?: (output: NotebookOutput) => void;
  /** The code called `clear_output()`; `wait` clears only when the next output arrives. */
  onClearOutput?: (wait: boolean) => void;
  /** Run without a history entry or an execution count (Jupyter's `silent`), e.g. to set up the run context. */
  silent?: boolean;
}

export interface KernelOptions {
  /** The interpreter that runs the bridge and the kernel; it needs jupyter_client and ipykernel. */
  python: string;
  /** The kernel's working folder. */
  cwd: string;
  /** Added to Lakebench's own environment (tracking variables, LAKEBENCH_*). */
  env?: Record<string, string>;
  /** Lines the bridge and the kernel process print outside cell output (start-up warnings, crashes). */
  onLog?: (line: string) => void;
  onStateChange?: (state: KernelState) => void;
  /** Called with the bridge's process id, so a crash can be cleaned up after (its process group). */
  onSpawn?: (pid: number) => void;
  startupTimeoutMs?: number;
  /** Aborting kills the kernel (and fails a start that has not finished). */
  signal?: AbortSignal;
}

interface BridgeEvent {
  ev: 'ready' | 'output' | 'clear_output' | 'done' | 'restarted' | 'died' | 'fatal' | 'reply';
  id?: string;
  content?: Record<string, unknown>;
  pid?: number | null;
  output?: NotebookOutput;
  wait?: boolean;
  status?: string;
  execution_count?: number | null;
  message?: string;
  code?: string;
  missing?: string[];
  python?: string;
  version?: string;
}

interface PendingExecution {
  outputs: NotebookOutput[];
  clearOnNext: boolean;
  options: ExecuteOptions;
  resolve: (result: ExecuteResult) => void;
}

const STDERR_TAIL_LINES = 40;
const DEFAULT_STARTUP_MS = 60_000;
const live = new Set<PythonKernel>();
let exitHookInstalled = false;

/** Where the bridge script is (the resources folder of a source tree, dist/ or a packaged app). */
export function kernelBridgePath(): string {
  return path.join(resourcesDir(), 'python', KERNEL_BRIDGE_FILE);
}

/**
 * SIGKILL to a whole process group; nothing if the group is gone (never a lone pid), nor if its leader's pid
 * now belongs to another process (the kernel ended and the number was reused).
 */
function killGroup(pgid: number, identity: string | null): void {
  killOwnProcessGroup(pgid, identity);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers run synchronously; kill() only sends signals, which is all that can be done there.
  process.once('exit', () => {
    for (const kernel of live) kernel.kill();
  });
}

export class PythonKernel {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<string, PendingExecution>();
  /** Complete and inspect requests waiting for the kernel's reply. */
  private readonly asks = new Map<string, (content: Record<string, unknown> | null) => void>();
  private nextId = 0;
  private currentState: KernelState = 'starting';
  private stderrTail: string[] = [];
  private readonly exited: Promise<void>;
  /** The bridge's exit code once it ended (-1: killed by a signal, or never started). */
  private exitCode: number | null = null;
  private restartWaiter: { resolve: () => void; reject: (err: Error) => void } | null = null;
  private fatal: BridgeEvent | null = null;
  /** The kernel process (its process group holds what cells started). */
  kernelPid: number | null = null;
  /** Who the kernel process is (pid and start time), so a reused pid is never killed for it. */
  private kernelIdentity: string | null = null;
  private bridgeIdentity: string | null = null;
  /** The Python version the kernel runs, once it is ready. */
  pythonVersion: string | null = null;

  private constructor(
    readonly options: KernelOptions,
    onReady: (err: Error | null) => void,
  ) {
    const bridge = kernelBridgePath();
    const args = ['-u', bridge, '--cwd', options.cwd];
    if (options.startupTimeoutMs)
      args.push('--startup-timeout', String(Math.max(1, options.startupTimeoutMs / 1000)));
    const pythonPath = [path.dirname(bridge), process.env.PYTHONPATH, options.env?.PYTHONPATH]
      .filter(Boolean)
      .join(path.delimiter);
    this.child = spawn(options.python, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, PYTHONPATH: pythonPath, PYTHONUNBUFFERED: '1' },
      detached: process.platform !== 'win32',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    live.add(this);
    installExitHook();
    if (this.child.pid !== undefined) {
      this.bridgeIdentity = processIdentity(this.child.pid);
      options.onSpawn?.(this.child.pid);
    }
    let started = false;
    // The bridge gives the kernel its own start-up limit; this one catches a bridge that hangs itself.
    const startupMs = options.startupTimeoutMs ?? DEFAULT_STARTUP_MS;
    const guard = setTimeout(() => {
      this.fatal = { ev: 'fatal', message: `no answer within ${Math.round(startupMs / 1000) + 15} s` };
      this.kill();
    }, startupMs + 15_000);
    guard.unref();
    const ready = (err: Error | null) => {
      if (started) return;
      started = true;
      clearTimeout(guard);
      onReady(err);
    };

    let exitedResolve: () => void = () => undefined;
    this.exited = new Promise((resolve) => (exitedResolve = resolve));
    const ended = (code: number | null) => {
      if (this.exitCode !== null) return;
      this.exitCode = code ?? -1;
      live.delete(this);
      // The bridge kills the kernel's group as it ends; a bridge that was killed cannot, so do it here.
      if (this.kernelPid !== null && code !== 0) killGroup(this.kernelPid, this.kernelIdentity);
      this.endAll('died');
      this.setState(this.currentState === 'closed' ? 'closed' : 'dead');
      const err = this.startError();
      this.restartWaiter?.reject(err);
      this.restartWaiter = null;
      ready(err);
      exitedResolve();
    };
    this.child.on('exit', (code) => ended(code));
    this.child.on('error', (err) => {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      ready(
        new LakebenchError(
          'KERNEL_UNAVAILABLE',
          missing
            ? `the Python interpreter ${options.python} was not found; set "python" in lakebench.yaml or LAKEBENCH_PYTHON to a Python 3 with ipykernel and jupyter_client`
            : `the Python interpreter ${options.python} could not be started: ${err.message}`,
        ),
      );
      // A process that never started emits no 'exit'.
      if (this.child.pid === undefined) ended(-1);
    });
    // Writing to a bridge that just died fails with EPIPE; its end is reported by 'exit' above, with its cause.
    this.child.stdin.on('error', () => undefined);

    let rest = '';
    this.child.stdout.on('data', (chunk: Buffer) => {
      rest += chunk.toString('utf8');
      let nl: number;
      while ((nl = rest.indexOf('\n')) !== -1) {
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        let event: BridgeEvent;
        try {
          event = JSON.parse(line) as BridgeEvent;
        } catch {
          options.onLog?.(line);
          continue;
        }
        this.handle(event, ready);
      }
    });
    let errRest = '';
    this.child.stderr.on('data', (chunk: Buffer) => {
      errRest += chunk.toString('utf8');
      let nl: number;
      while ((nl = errRest.indexOf('\n')) !== -1) {
        const line = errRest.slice(0, nl).replace(/\r$/, '');
        errRest = errRest.slice(nl + 1);
        this.stderrTail.push(line);
        if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
        options.onLog?.(line);
      }
    });

    const signal = options.signal;
    if (signal) {
      if (signal.aborted) this.kill();
      else signal.addEventListener('abort', () => this.kill(), { once: true });
    }
  }

  /** Starts a kernel and resolves once it answers; a Python without ipykernel or jupyter_client is named. */
  static start(options: KernelOptions): Promise<PythonKernel> {
    return new Promise((resolve, reject) => {
      if (!existsSync(kernelBridgePath())) {
        reject(new LakebenchError('INTERNAL', `the kernel bridge ${kernelBridgePath()} is missing`));
        return;
      }
      const kernel: PythonKernel = new PythonKernel(options, (err) => {
        if (err) {
          kernel.kill();
          reject(err);
        } else resolve(kernel);
      });
    });
  }

  get state(): KernelState {
    return this.currentState;
  }

  /** The bridge's process id. */
  get pid(): number | null {
    return this.child.pid ?? null;
  }

  private setState(state: KernelState): void {
    if (this.currentState === state) return;
    if (this.currentState === 'closed' && state !== 'closed') return;
    this.currentState = state;
    this.options.onStateChange?.(state);
  }

  private idleOrBusy(): void {
    if (this.currentState === 'idle' || this.currentState === 'busy')
      this.setState(this.pending.size > 0 ? 'busy' : 'idle');
  }

  private startError(): LakebenchError {
    const python = this.options.python;
    const f = this.fatal;
    if (f?.code === 'KERNEL_UNAVAILABLE' && f.missing?.length) {
      return new LakebenchError(
        'KERNEL_UNAVAILABLE',
        `Python cells need ipykernel and jupyter_client, and ${python} cannot import ${f.missing.join(' or ')}. ` +
          `Install them (Debian: apt install python3-ipykernel python3-jupyter-client) or set "python" in lakebench.yaml or LAKEBENCH_PYTHON to a Python that has them.`,
      );
    }
    const tail = this.stderrTail.slice(-8).join('\n').trim();
    const why = f?.message ?? `the kernel bridge exited with code ${this.exitCode}`;
    return new LakebenchError(
      f?.code === 'KERNEL_UNAVAILABLE' ? 'KERNEL_UNAVAILABLE' : 'KERNEL_DIED',
      `the Python kernel (${python}) ${this.kernelPid === null ? 'could not start' : 'stopped'}: ${why}${tail ? `\n${tail}` : ''}`,
    );
  }

  private handle(event: BridgeEvent, ready: (err: Error | null) => void): void {
    switch (event.ev) {
      case 'ready':
        this.kernelPid = event.pid ?? null;
        this.kernelIdentity = this.kernelPid !== null ? processIdentity(this.kernelPid) : null;
        this.pythonVersion = event.version ?? null;
        this.setState('idle');
        ready(null);
        return;
      case 'output': {
        const p = event.id !== undefined ? this.pending.get(event.id) : undefined;
        if (!p || !event.output) return;
        if (p.clearOnNext) {
          p.outputs = [];
          p.clearOnNext = false;
        }
        p.outputs = appendOutput(p.outputs, event.output);
        p.options.onOutput?.(event.output);
        return;
      }
      case 'clear_output': {
        const p = event.id !== undefined ? this.pending.get(event.id) : undefined;
        if (!p) return;
        if (event.wait) p.clearOnNext = true;
        else p.outputs = [];
        p.options.onClearOutput?.(event.wait ?? false);
        return;
      }
      case 'done': {
        if (event.id === undefined) return;
        const p = this.pending.get(event.id);
        if (!p) return;
        this.pending.delete(event.id);
        const status = (event.status ?? 'error') as ExecutionStatus;
        // The bridge ends an execution as died before it reports the kernel's death: the kernel is dead
        // from that moment, not idle in between.
        if (status === 'died') this.setState('dead');
        this.finish(p, status, event.execution_count ?? null);
        if (status !== 'died') this.idleOrBusy();
        return;
      }
      case 'reply': {
        const answer = event.id !== undefined ? this.asks.get(event.id) : undefined;
        if (answer && event.id !== undefined) {
          this.asks.delete(event.id);
          answer(event.content ?? null);
        }
        return;
      }
      case 'restarted':
        this.kernelPid = event.pid ?? null;
        this.kernelIdentity = this.kernelPid !== null ? processIdentity(this.kernelPid) : null;
        this.setState('idle');
        this.restartWaiter?.resolve();
        this.restartWaiter = null;
        return;
      case 'died':
        this.endAll('died');
        this.setState('dead');
        this.options.onLog?.(`[kernel] ${event.message ?? 'the kernel process ended'}`);
        return;
      case 'fatal':
        this.fatal = event;
        return;
      default:
        return;
    }
  }

  private finish(p: PendingExecution, status: ExecutionStatus, executionCount: number | null): void {
    const errorOutput = p.outputs.find((o) => o.output_type === 'error');
    let error: KernelError | null = null;
    if (errorOutput) {
      error = {
        ename: String(errorOutput.ename ?? ''),
        evalue: String(errorOutput.evalue ?? ''),
        traceback: Array.isArray(errorOutput.traceback) ? errorOutput.traceback.map(String) : [],
      };
    } else if (status === 'died') {
      error = { ename: 'KernelDied', evalue: 'the kernel process ended while this code ran', traceback: [] };
    }
    p.resolve({ status, executionCount, outputs: p.outputs, error });
  }

  private endAll(status: ExecutionStatus): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) this.finish(p, status, null);
  }

  private send(message: Record<string, unknown>): boolean {
    if (this.exitCode !== null || this.child.exitCode !== null || !this.child.stdin.writable) return false;
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
    return true;
  }

  /**
   * Runs code in the kernel. Outputs arrive through `onOutput` as they are produced; the promise resolves when
   * the kernel has finished with the code (status `error` when it raised, with the traceback in `error`).
   */
  execute(code: string, options: ExecuteOptions = {}): Promise<ExecuteResult> {
    if (this.currentState === 'closed' || this.currentState === 'dead' || this.exitCode !== null) {
      return Promise.reject(
        new LakebenchError(
          'KERNEL_DIED',
          `the Python kernel is ${this.currentState === 'closed' ? 'shut down' : 'not running'}; restart it to run code`,
        ),
      );
    }
    const id = `x${++this.nextId}`;
    return new Promise((resolve) => {
      this.pending.set(id, { outputs: [], clearOnNext: false, options, resolve });
      this.send({ op: 'execute', id, code, ...(options.silent ? { silent: true } : {}) });
      this.idleOrBusy();
    });
  }

  /**
   * Asks the kernel for completion (`complete`) or help (`inspect`) at an offset of `code`. A kernel busy with
   * a cell answers after it, so the answer is given up after `timeoutMs` (null), as editors do.
   */
  ask(
    op: 'complete' | 'inspect',
    code: string,
    cursor: number,
    timeoutMs = 4000,
  ): Promise<Record<string, unknown> | null> {
    if (this.currentState !== 'idle' && this.currentState !== 'busy') return Promise.resolve(null);
    const id = `q${++this.nextId}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.asks.delete(id);
        resolve(null);
      }, timeoutMs);
      timer.unref();
      this.asks.set(id, (content) => {
        clearTimeout(timer);
        resolve(content);
      });
      if (!this.send({ op, id, code, cursor })) {
        clearTimeout(timer);
        this.asks.delete(id);
        resolve(null);
      }
    });
  }

  /** Interrupts the running code (SIGINT to the kernel's process group): it raises KeyboardInterrupt. */
  interrupt(): void {
    this.send({ op: 'interrupt' });
  }

  /** A fresh kernel in the same process tree; running and queued executions end as `aborted`. */
  restart(): Promise<void> {
    if (this.currentState === 'closed' || this.exitCode !== null)
      return Promise.reject(new LakebenchError('KERNEL_DIED', 'the Python kernel is shut down'));
    return new Promise((resolve, reject) => {
      this.restartWaiter?.reject(new LakebenchError('KERNEL_DIED', 'another restart started'));
      this.restartWaiter = { resolve, reject };
      this.setState('restarting');
      this.send({ op: 'restart' });
    });
  }

  /** Stops the kernel cleanly (its code gets a moment to finish shutting down), then kills what is left. */
  async shutdown(graceMs = 5000): Promise<void> {
    if (this.exitCode !== null || this.child.exitCode !== null) {
      this.setState('closed');
      return;
    }
    this.setState('closed');
    this.send({ op: 'shutdown' });
    this.child.stdin.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise((res) => (timer = setTimeout(res, graceMs)))]);
    clearTimeout(timer);
    if (this.exitCode === null) {
      this.kill();
      await this.exited;
    }
  }

  /** Kills the kernel and the bridge at once, with everything they started. Safe to call more than once. */
  kill(): void {
    this.setState('closed');
    if (this.kernelPid !== null && this.exitCode === null) killGroup(this.kernelPid, this.kernelIdentity);
    if (this.child.pid !== undefined && this.exitCode === null)
      killGroup(this.child.pid, this.bridgeIdentity);
  }

  /** Resolves when the bridge process has ended. */
  whenExited(): Promise<void> {
    return this.exited;
  }
}
