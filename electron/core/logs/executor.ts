import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { LakebenchError, errorMessage, toErrorData, type LakebenchErrorData } from '../../../shared/errors';
import { openDatabase } from '../sqlite';

/**
 * Runs the log store's read statements. The worker executor runs them on a worker thread with its own
 * read-only connection, so a search over a large store never holds the main process's event loop, and a
 * running statement can be stopped: each statement's SQL calls `lb_live()` every thousand rows or so, which
 * throws once the statement is past its deadline or cancelled.
 */
export interface SqlExecutor {
  /** Every row of one statement. `ticket` names the query it belongs to, for `cancel`. */
  all(sql: string, params: unknown[], ticket: number, deadline: number): Promise<unknown[]>;
  /** Stops the statements of a query (now, or when they start). */
  cancel(ticket: number): void;
  close(): Promise<void>;
}

const RING = 64;

function stopped(cancelled: boolean, deadline: number): LakebenchErrorData {
  return cancelled
    ? { code: 'QUERY_CANCELLED', message: 'the query was cancelled' }
    : { code: 'QUERY_CANCELLED', message: `the query ran past its time limit (${deadline} ms)` };
}

/** Statements on the caller's thread (tests, the CLI); the deadline still holds. */
export class InlineExecutor implements SqlExecutor {
  private current: { ticket: number; deadline: number } | null = null;
  private readonly cancelled = new Set<number>();

  constructor(private readonly db: Database.Database) {
    db.function('lb_live', { deterministic: false }, () => {
      const c = this.current;
      if (c && (this.cancelled.has(c.ticket) || Date.now() > c.deadline))
        throw new LakebenchError(
          'QUERY_CANCELLED',
          stopped(this.cancelled.has(c.ticket), c.deadline).message,
        );
      return 1;
    });
  }

  all(sql: string, params: unknown[], ticket: number, deadline: number): Promise<unknown[]> {
    if (this.cancelled.has(ticket)) return Promise.reject(LakebenchError.from(stopped(true, deadline)));
    this.current = { ticket, deadline };
    try {
      return Promise.resolve(this.db.prepare(sql).all(...params));
    } catch (err) {
      return Promise.reject(err);
    } finally {
      this.current = null;
    }
  }

  cancel(ticket: number): void {
    this.cancelled.add(ticket);
    if (this.cancelled.size > RING) this.cancelled.delete(this.cancelled.values().next().value as number);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/**
 * The worker's code, plain CommonJS so that it runs the same from the sources (tests), the bundle and the
 * packaged app. It only runs statements; planning them stays on the main side.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const opts = { readonly: true, fileMustExist: true };
if (workerData.nativeBinding) opts.nativeBinding = workerData.nativeBinding;
const db = new Database(workerData.file, opts);
db.pragma('busy_timeout = 5000');
const ring = new Int32Array(workerData.flags);
let current = null;
function isCancelled(t) { for (let i = 0; i < ring.length; i++) if (Atomics.load(ring, i) === t) return true; return false; }
db.function('lb_live', { deterministic: false }, () => {
  if (current && (isCancelled(current.ticket) || Date.now() > current.deadline)) {
    const e = new Error('stopped'); e.lbStopped = true; throw e;
  }
  return 1;
});
parentPort.on('message', (m) => {
  if (m.close) { db.close(); parentPort.close(); return; }
  current = m;
  try {
    if (isCancelled(m.ticket)) throw Object.assign(new Error('stopped'), { lbStopped: true });
    const rows = db.prepare(m.sql).all(...m.params);
    parentPort.postMessage({ id: m.id, rows });
  } catch (err) {
    const stoppedNow = isCancelled(m.ticket) || Date.now() > m.deadline;
    parentPort.postMessage({
      id: m.id,
      error: err && err.lbStopped || stoppedNow
        ? { stopped: true, cancelled: isCancelled(m.ticket) }
        : { code: err && err.code && /^SQLITE/.test(err.code) ? 'SQL_ERROR' : 'INTERNAL', message: String(err && err.message || err) },
    });
  } finally { current = null; }
});
`;

interface Pending {
  resolve: (rows: unknown[]) => void;
  reject: (err: unknown) => void;
  deadline: number;
}

export class WorkerExecutor implements SqlExecutor {
  private worker: Worker | null = null;
  private readonly flags = new Int32Array(new SharedArrayBuffer(RING * 4));
  private slot = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  constructor(private readonly file: string) {}

  private start(): Worker {
    if (this.worker) return this.worker;
    const require = createRequire(import.meta.url);
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        file: this.file,
        sqlite: require.resolve('better-sqlite3'),
        nativeBinding: process.env.LAKEBENCH_SQLITE_BINDING ?? null,
        flags: this.flags.buffer,
      },
    });
    w.unref();
    w.on(
      'message',
      (m: {
        id: number;
        rows?: unknown[];
        error?: { stopped?: boolean; cancelled?: boolean } & LakebenchErrorData;
      }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (this.pending.size === 0) w.unref();
        if (m.error) {
          p.reject(
            LakebenchError.from(m.error.stopped ? stopped(m.error.cancelled === true, p.deadline) : m.error),
          );
        } else p.resolve(m.rows ?? []);
      },
    );
    const fail = (err: unknown) => {
      this.worker = null;
      const data = toErrorData(err);
      for (const p of this.pending.values())
        p.reject(new LakebenchError('INTERNAL', `the log search thread stopped: ${data.message}`));
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => {
      if (this.worker === w && !this.closed) fail(new Error(`exit code ${code}`));
      this.worker = null;
    });
    this.worker = w;
    return w;
  }

  all(sql: string, params: unknown[], ticket: number, deadline: number): Promise<unknown[]> {
    if (this.closed) return Promise.reject(new LakebenchError('INTERNAL', 'the logs service is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, deadline });
      try {
        const w = this.start();
        // Keep the process alive while a query is out; idle, the thread does not hold it.
        if (this.pending.size === 1) w.ref();
        w.postMessage({ id, sql, params, ticket, deadline });
      } catch (err) {
        this.pending.delete(id);
        reject(
          new LakebenchError(
            'INTERNAL',
            `the log search thread could not take the query: ${errorMessage(err)}`,
          ),
        );
      }
    });
  }

  cancel(ticket: number): void {
    Atomics.store(this.flags, this.slot, ticket);
    this.slot = (this.slot + 1) % RING;
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
    for (const p of this.pending.values())
      p.reject(new LakebenchError('INTERNAL', 'the logs service closed'));
    this.pending.clear();
  }
}

/** A read-only connection for the inline executor. */
export function openReadConnection(file: string): Database.Database {
  return openDatabase(file, { readonly: true, fileMustExist: true });
}
