import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Child processes of shell and Python tasks. Each runs in its own process group (detached), so a timeout or a
 * cancel kills the whole tree (a shell's grandchildren too), not just the process Lakebench started.
 */

export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

export interface ProcessOptions {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** Called with each complete line of stdout and stderr, in order. */
  onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  onSpawn?: (pid: number) => void;
  /** How long a process group gets between SIGTERM and SIGKILL. */
  killGraceMs?: number;
}

/** Kills a process group; true if it existed. */
export function killProcessGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/** Whether a process runs; a zombie (ended, not yet reaped by its parent) does not. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

export function runProcess(options: ProcessOptions): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    if (options.signal.aborted) {
      reject(options.signal.reason);
      return;
    }
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      detached: process.platform !== 'win32',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const grace = options.killGraceMs ?? 2000;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      if (child.pid === undefined) return;
      killProcessGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => {
        if (child.pid !== undefined) killProcessGroup(child.pid, 'SIGKILL');
      }, grace);
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);

    const splitter = (stream: 'stdout' | 'stderr') => {
      let rest = '';
      return {
        data(chunk: Buffer) {
          rest += chunk.toString('utf8');
          let nl: number;
          while ((nl = rest.indexOf('\n')) !== -1) {
            options.onLine(rest.slice(0, nl).replace(/\r$/, ''), stream);
            rest = rest.slice(nl + 1);
          }
        },
        end() {
          if (rest) options.onLine(rest, stream);
          rest = '';
        },
      };
    };
    const out = splitter('stdout');
    const err = splitter('stderr');
    child.stdout?.on('data', out.data);
    child.stderr?.on('data', err.data);

    let exit: ProcessResult | null = null;
    const finish = () => {
      clearTimeout(killTimer);
      options.signal.removeEventListener('abort', onAbort);
      out.end();
      err.end();
      // A grandchild left behind in the group (e.g. `sleep 100 &`) must not outlive its task.
      if (child.pid !== undefined) killProcessGroup(child.pid, 'SIGKILL');
      if (options.signal.aborted) reject(options.signal.reason);
      else resolve(exit ?? { exitCode: null, signal: null });
    };
    child.on('error', (e) => {
      clearTimeout(killTimer);
      options.signal.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      exit = { exitCode: code, signal };
      // The pipes close when every process holding them ends; a daemonized grandchild may hold them forever.
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, 500).unref();
    });
    child.on('close', finish);
  });
}
