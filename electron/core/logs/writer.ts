import { errorMessage } from '../../../shared/errors';
import type { LogInput } from '../../../shared/logs/model';
import { toRow, type RecordRow } from './record';
import type { LogStore } from './store';

/** What every service writes its log lines to. `write` only queues: it never waits, never throws. */
export interface LogSink {
  write(record: LogInput): void;
}

export interface BatchWriterOptions {
  /** How long a record may wait in memory before its batch is written. */
  flushIntervalMs?: number;
  /** Most records per transaction; the writer yields to the event loop between transactions. */
  batchSize?: number;
  /**
   * About how long one transaction may hold the event loop: the batch shrinks or grows (up to `batchSize`)
   * with the time the last ones took per record.
   */
  sliceMs?: number;
  /** The clock records without a time take theirs from. */
  now?: () => number;
  /** A batch that could not be written (it stays queued and is tried again). */
  onError?: (err: unknown) => void;
}

interface Waiter {
  target: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const RETRY_MS = 500;

/**
 * The sink's batching: records queue in memory and are written in one transaction per batch every
 * `flushIntervalMs` (or at once when a batch is full), off the callers' path. A record is acknowledged when
 * the `flush()` that followed it resolves: it is then committed, and survives a crash of this process.
 */
export class BatchWriter implements LogSink {
  private queue: LogInput[] = [];
  private times: number[] = [];
  private head = 0;
  private enqueued = 0;
  private committed = 0;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private closed = false;
  private waiters: Waiter[] = [];
  private readonly interval: number;
  private readonly batchSize: number;
  private readonly sliceMs: number;
  /** Measured cost of a record, ms (a moving average). */
  private msPerRecord = 0.02;
  private readonly now: () => number;
  private readonly onError: (err: unknown) => void;

  constructor(
    private readonly store: LogStore,
    options: BatchWriterOptions = {},
  ) {
    this.interval = options.flushIntervalMs ?? 50;
    this.batchSize = options.batchSize ?? 5000;
    this.sliceMs = options.sliceMs ?? 20;
    this.now = options.now ?? Date.now;
    this.onError =
      options.onError ??
      ((err) => console.warn(`Lakebench logs: a batch could not be written: ${errorMessage(err)}`));
  }

  write(record: LogInput): void {
    if (this.closed) {
      this.onError(new Error('a log record was written after the logs service closed'));
      return;
    }
    this.queue.push(record);
    const t = record.time;
    this.times.push(typeof t === 'number' && Number.isFinite(t) ? t : this.now());
    this.enqueued++;
    if (this.queue.length - this.head >= this.batchSize) this.kick();
    else if (!this.timer && !this.running) {
      this.timer = setTimeout(() => this.kick(), this.interval);
      this.timer.unref?.();
    }
  }

  /** Records written and not yet committed. */
  get pending(): number {
    return this.enqueued - this.committed;
  }

  /** Resolves when every record written before the call is committed. */
  flush(): Promise<void> {
    const target = this.enqueued;
    if (this.committed >= target) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ target, resolve, reject });
      this.kick();
    });
  }

  /** Writes what is queued and stops taking records. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.running) return;
    this.running = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    const size = Math.max(100, Math.min(this.batchSize, Math.floor(this.sliceMs / this.msPerRecord)));
    const end = Math.min(this.queue.length, this.head + size);
    if (this.head >= end) {
      this.running = false;
      return;
    }
    const started = performance.now();
    const rows: RecordRow[] = [];
    for (let i = this.head; i < end; i++) rows.push(this.rowOf(this.queue[i], this.times[i]));
    try {
      this.store.insertRows(rows);
      const per = (performance.now() - started) / rows.length;
      this.msPerRecord = this.msPerRecord * 0.7 + per * 0.3;
    } catch (err) {
      // One bad record must not hold back the rest: store the batch record by record, a record the store
      // refuses as a note about it. When none goes in, the store itself is the trouble: keep them and retry.
      if (this.storeOneByOne(rows, err)) {
        this.committed += end - this.head;
        this.head = end;
        this.settle();
        return;
      }
      this.onError(err);
      for (const w of this.waiters.splice(0)) w.reject(err);
      this.running = false;
      // The records stay queued: try again a little later.
      if (!this.timer) {
        this.timer = setTimeout(() => this.kick(), RETRY_MS);
        this.timer.unref?.();
      }
      return;
    }
    this.committed += end - this.head;
    this.head = end;
    this.settle();
  }

  /** Resolves the flushes now covered and goes on with what is queued. */
  private settle(): void {
    if (this.head > 65_536 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    if (this.waiters.length) {
      const still: Waiter[] = [];
      for (const w of this.waiters) {
        if (w.target <= this.committed) w.resolve();
        else still.push(w);
      }
      this.waiters = still;
    }
    if (this.head < this.queue.length) setImmediate(() => this.drain());
    else {
      this.queue = [];
      this.times = [];
      this.head = 0;
      this.running = false;
    }
  }

  private storeOneByOne(rows: RecordRow[], batchError: unknown): boolean {
    let stored = 0;
    const refused: { row: RecordRow; err: unknown }[] = [];
    for (const row of rows) {
      try {
        this.store.insertRows([row]);
        stored++;
      } catch (err) {
        refused.push({ row, err });
      }
    }
    if (stored === 0) return false;
    for (const { row, err } of refused) {
      const note = toRow(
        {
          source: { kind: 'app', component: 'logs' },
          level: 'warn',
          time: row.time,
          message: `a log record of ${row.stream_key} could not be stored (${errorMessage(err)}): ${row.message.slice(0, 4096)}`,
        },
        row.time,
      );
      try {
        this.store.insertRows([note]);
      } catch (noteErr) {
        // Not even the note goes in: say so where the service reports its troubles.
        this.onError(noteErr);
      }
    }
    if (refused.length) this.onError(batchError);
    return true;
  }

  private rowOf(input: LogInput, time: number): RecordRow {
    try {
      return toRow(input, time);
    } catch (err) {
      // A record the store cannot take as given (a malformed source): keep its text under the app's stream.
      return toRow(
        {
          source: { kind: 'app', component: 'logs' },
          level: 'warn',
          time,
          message: `a log record could not be stored as written (${errorMessage(err)}): ${safeText(input)}`,
        },
        time,
      );
    }
  }
}

/** A sink that keeps what it is given, for the tests of services that log. */
export class MemoryLogSink implements LogSink {
  readonly records: LogInput[] = [];

  write(record: LogInput): void {
    this.records.push(record);
  }
}

function safeText(input: LogInput): string {
  try {
    return typeof input.message === 'string' ? input.message.slice(0, 4096) : `${input.message.length} bytes`;
  } catch {
    // Nothing usable in the record at all.
    return '(no message)';
  }
}
