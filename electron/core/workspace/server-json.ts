import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `.lakebench/server.json`: the port, token and process of the `lakebench serve` (or desktop app) serving a
 * workspace. After a kill -9 it stays behind; these tell a live one from a stale one.
 */

/** When a process started (ms since the epoch), from /proc on Linux; null where that cannot be read. */
export function processStartMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (after the command in parentheses, which may hold spaces): start time in clock ticks since boot.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (!btime || !Number.isFinite(ticks)) return null;
    return Number(btime[1]) * 1000 + ticks * 10;
  } catch {
    // Not Linux, or the process is gone: the caller falls back to asking whether the pid is alive.
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is another user's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a server.json belongs to another process's server that still runs: that process is alive and, where
 * the start time can be read, is the same process (not a new one that reused the pid after a kill -9).
 */
export function serverJsonIsLive(json: { pid?: unknown; startedAt?: unknown }): boolean {
  if (typeof json.pid !== 'number' || !Number.isInteger(json.pid) || json.pid <= 0) return false;
  if (json.pid === process.pid) return false;
  if (!pidAlive(json.pid)) return false;
  const started = processStartMs(json.pid);
  if (started !== null && typeof json.startedAt === 'number')
    return Math.abs(started - json.startedAt) < 2000;
  return true;
}

/** The server.json of a server that still runs, or null (none, unreadable, or left by a killed one). */
export function readLiveServerJson(engineDir: string): Record<string, unknown> | null {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path.join(engineDir, 'server.json'), 'utf8'));
  } catch {
    return null; // missing or half-written: no server to talk to
  }
  if (!json || typeof json !== 'object') return null;
  const record = json as Record<string, unknown>;
  // Our own process's file is live too (the pid check below is for other processes).
  if (record.pid === process.pid || serverJsonIsLive(record)) return record;
  return null;
}
