import { spawn, spawnSync } from 'node:child_process';
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

/** The machine's boot, so that a start time from before a reboot never matches one after it. */
let bootId: string | null | undefined;
function linuxBootId(): string | null {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      // Without the boot id the start time alone still tells processes of one boot apart.
      bootId = null;
    }
  }
  return bootId;
}

/**
 * The start time (field 22, in clock ticks since boot) from a `/proc/PID/stat` line. The command name (field 2)
 * is in parentheses and may itself contain spaces and parentheses, so the fields are counted after the last ')'.
 */
export function statStartTime(stat: string): string | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  // After ") " come field 3 (state), field 4, ...: field 22 is the 20th of them.
  const fields = stat
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const start = fields[22 - 3];
  return start !== undefined && /^\d+$/.test(start) ? start : null;
}

/**
 * Who a process is, in a form that survives pid reuse: the pid together with when the process started. A pid
 * alone is not enough after a crash; by the time Lakebench starts again the number may belong to someone
 * else. Null when it cannot be told (the process is gone, or the system offers no way).
 */
export function processIdentity(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (process.platform === 'linux') {
    try {
      const start = statStartTime(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      return start ? `linux:${linuxBootId() ?? ''}:${pid}:${start}` : null;
    } catch {
      return null;
    }
  }
  if (process.platform === 'win32') {
    // Tasks do not run in process groups on Windows and nothing there kills a recorded pid; no identity means
    // a recorded process is never killed on recovery.
    return null;
  }
  // macOS and the BSDs have no /proc: `ps` gives the start time (to the second) and the command.
  const r = spawnSync('ps', ['-o', 'lstart=,command=', '-p', String(pid)], { encoding: 'utf8' });
  const line = r.status === 0 ? r.stdout.trim() : '';
  return line ? `ps:${pid}:${line}` : null;
}

/**
 * Kills a recorded process's group only if the process is still the one that was recorded. `gone`: it no longer
 * runs; `other`: the pid now belongs to another process (or who it is cannot be told), which is left alone.
 */
export function killProcessGroupIfSame(
  pid: number,
  identity: string | null,
  signal: NodeJS.Signals = 'SIGKILL',
): 'killed' | 'gone' | 'other' {
  if (!isProcessAlive(pid)) return 'gone';
  const now = processIdentity(pid);
  if (identity === null || now === null || now !== identity) return 'other';
  return killProcessGroup(pid, signal) ? 'killed' : 'gone';
}

/**
 * SIGKILL to the process group of a process this Lakebench started and still holds, unless its leader is alive
 * but is no longer that process (its pid was reused after it ended): then nothing is killed. A group whose
 * leader ended is still killed, since Linux does not hand a pid out while a group of that id has members.
 */
export function killOwnProcessGroup(pgid: number, identity: string | null): 'killed' | 'gone' | 'other' {
  if (identity !== null && isProcessAlive(pgid)) {
    const now = processIdentity(pgid);
    if (now !== null && now !== identity) return 'other';
  }
  try {
    process.kill(-pgid, 'SIGKILL');
    return 'killed';
  } catch {
    // No such group: it ended on its own.
    return 'gone';
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
