import type { z } from 'zod';
import { LakebenchError, errorMessage } from '../../../shared/errors';
import type { logsRequests } from '../../../shared/logs/contract';
import {
  QUERY_TIME_LIMIT_MS,
  RetentionPolicySchema,
  type FieldValues,
  type FullMessage,
  type LogContext,
  type LogHistogram,
  type LogInput,
  type LogSearchResult,
  type LogSource,
  type RetentionPolicy,
  type RetentionPreview,
} from '../../../shared/logs/model';
import { InlineExecutor, WorkerExecutor, openReadConnection, type SqlExecutor } from './executor';
import { fillFromRawLog, type GapFillOptions, type GapFillResult } from './gap-fill';
import { LogReader, type QueryTicket } from './reader';
import { LogStore } from './store';
import { BatchWriter, type LogSink } from './writer';

export type { LogSink } from './writer';
export { MemoryLogSink } from './writer';
export { tryLogRecord, type GapFillOptions, type GapFillResult } from './gap-fill';
export { retentionFromSettings } from './settings';

type Args<K extends keyof typeof logsRequests> = z.output<(typeof logsRequests)[K]['input']>;

/**
 * The logs service: every other service writes its lines and events through `write` (the sink); the UI
 * searches them. Stored in `.lakebench/logs.db`.
 *
 * How services write (they depend on `LogSink` only):
 * - a pipeline try: each line as it goes to the try's raw log, `sink.write(tryLogRecord(source, lineNo, line,
 *   Date.now()))` with the raw log's own line number; at start, `fillFromRawLog` for tries whose index may
 *   lag their raw log (after a crash);
 * - a notebook cell: `{ source: { kind: 'notebook', notebook, cellId }, stream: 'stdout' | 'stderr', message }`,
 *   an error as `level: 'error'`, `stream: 'event'` with the traceback in `fields`;
 * - the server: one `{ source: { kind: 'server', method, path, status, durationMs } }` per request (a token in
 *   the path's query is redacted here too, but the server should not pass one);
 * - ingest, the scheduler, kernels: their own source kinds; `app` with a component for anything else.
 */
export interface LogsService extends LogSink {
  /** Resolves when every record written before the call is committed (acknowledged). */
  flush(): Promise<void>;
  search(args: Args<'logs.search'>): Promise<LogSearchResult>;
  histogram(args: Args<'logs.histogram'>): Promise<LogHistogram>;
  fieldValues(args: Args<'logs.fieldValues'>): Promise<FieldValues>;
  context(args: Args<'logs.context'>): Promise<LogContext>;
  get(args: Args<'logs.get'>): Promise<FullMessage>;
  cancel(args: Args<'logs.cancel'>): Promise<{ cancelled: boolean }>;
  retentionPreview(args: Args<'logs.retentionPreview'>): Promise<RetentionPreview>;
  /** Deletes what the policy (the one in force, or the one given) deletes now. */
  applyRetention(policy?: RetentionPolicy): Promise<{ deleted: number }>;
  setRetentionPolicy(policy: RetentionPolicy): void;
  /** Indexes the lines of a pipeline try's raw log that the index lacks (after a crash, at start). */
  fillFromRawLog(
    file: string,
    source: Extract<LogSource, { kind: 'pipeline' }>,
    options: GapFillOptions,
  ): Promise<GapFillResult>;
  close(): Promise<void>;
}

export interface LogsServiceOptions {
  /** The database file, `.lakebench/logs.db`. */
  file: string;
  /** `worker` (default): reads on a worker thread; `inline`: on the caller's thread (the CLI, tests). */
  reads?: 'worker' | 'inline';
  flushIntervalMs?: number;
  batchSize?: number;
  /** The clock: record times, retention ages. */
  now?: () => number;
  retention?: RetentionPolicy;
  /** How often the retention policy is applied in the background; null: never (applyRetention only). */
  retentionIntervalMs?: number | null;
  /** A query's time limit. */
  queryTimeLimitMs?: number;
  /** Where the service reports what it cannot do (a batch it could not write, a failed retention pass). */
  onError?: (err: unknown) => void;
}

const DELETE_CHUNK = 5000;

export class LocalLogsService implements LogsService {
  private readonly store: LogStore;
  private readonly writer: BatchWriter;
  private readonly exec: SqlExecutor;
  private readonly reader: LogReader;
  private readonly now: () => number;
  private readonly timeLimit: number;
  private readonly onError: (err: unknown) => void;
  private policy: RetentionPolicy;
  private retentionTimer: NodeJS.Timeout | null = null;
  private firstRetention: NodeJS.Timeout | null = null;
  private retentionRunning: Promise<{ deleted: number }> | null = null;
  private nextTicket = 1;
  private readonly running = new Map<string, number>();
  private closed = false;

  constructor(options: LogsServiceOptions) {
    this.now = options.now ?? Date.now;
    this.timeLimit = options.queryTimeLimitMs ?? QUERY_TIME_LIMIT_MS;
    this.onError = options.onError ?? ((err) => console.warn(`Lakebench logs: ${errorMessage(err)}`));
    this.policy = options.retention ?? RetentionPolicySchema.parse({});
    this.store = new LogStore(options.file);
    this.writer = new BatchWriter(this.store, {
      flushIntervalMs: options.flushIntervalMs,
      batchSize: options.batchSize,
      now: this.now,
      onError: this.onError,
    });
    this.exec =
      options.reads === 'inline'
        ? new InlineExecutor(openReadConnection(options.file))
        : new WorkerExecutor(options.file);
    this.reader = new LogReader(this.exec);
    const every = options.retentionIntervalMs === undefined ? 3_600_000 : options.retentionIntervalMs;
    if (every !== null) {
      this.retentionTimer = setInterval(() => {
        this.applyRetention().catch((err: unknown) => this.onError(err));
      }, every);
      this.retentionTimer.unref();
      // A first pass soon after start, not an interval later.
      this.firstRetention = setTimeout(
        () => {
          this.applyRetention().catch((err: unknown) => this.onError(err));
        },
        Math.min(every, 60_000),
      );
      this.firstRetention.unref();
    }
  }

  write(record: LogInput): void {
    this.writer.write(record);
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Runs one query under a ticket that `cancel` and the time limit can stop. */
  private async ticketed<T>(queryId: string | undefined, fn: (t: QueryTicket) => Promise<T>): Promise<T> {
    if (this.closed) throw new LakebenchError('INTERNAL', 'the logs service is closed');
    const t = { ticket: this.nextTicket++, deadline: Date.now() + this.timeLimit };
    if (queryId !== undefined) this.running.set(queryId, t.ticket);
    try {
      return await fn(t);
    } finally {
      if (queryId !== undefined && this.running.get(queryId) === t.ticket) this.running.delete(queryId);
    }
  }

  search(args: Args<'logs.search'>): Promise<LogSearchResult> {
    return this.ticketed(args.queryId, (t) => this.reader.search(args, t));
  }

  histogram(args: Args<'logs.histogram'>): Promise<LogHistogram> {
    return this.ticketed(args.queryId, (t) => this.reader.histogram(args, t));
  }

  fieldValues(args: Args<'logs.fieldValues'>): Promise<FieldValues> {
    return this.ticketed(args.queryId, (t) => this.reader.fieldValues(args, t));
  }

  context(args: Args<'logs.context'>): Promise<LogContext> {
    return this.ticketed(undefined, (t) => this.reader.context(args, t));
  }

  get(args: Args<'logs.get'>): Promise<FullMessage> {
    return this.ticketed(undefined, (t) => this.reader.get(args.id, t));
  }

  async cancel(args: Args<'logs.cancel'>): Promise<{ cancelled: boolean }> {
    const ticket = this.running.get(args.queryId);
    if (ticket === undefined) return { cancelled: false };
    this.exec.cancel(ticket);
    return { cancelled: true };
  }

  async retentionPreview(args: Args<'logs.retentionPreview'>): Promise<RetentionPreview> {
    const { cutoffRowid: _cut, ...preview } = await this.ticketed(undefined, (t) =>
      this.reader.retentionPreview(args.policy ?? this.policy, this.now(), t),
    );
    return preview;
  }

  setRetentionPolicy(policy: RetentionPolicy): void {
    this.policy = RetentionPolicySchema.parse(policy);
  }

  applyRetention(policy?: RetentionPolicy): Promise<{ deleted: number }> {
    // One pass at a time: a background pass and a user's request share it.
    if (!this.retentionRunning)
      this.retentionRunning = this.deleteOld(policy ?? this.policy).finally(() => {
        this.retentionRunning = null;
      });
    return this.retentionRunning;
  }

  private async deleteOld(policy: RetentionPolicy): Promise<{ deleted: number }> {
    const preview = await this.ticketed(undefined, (t) =>
      // Retention may look at the whole store: give it more time than a search.
      this.reader.retentionPreview(policy, this.now(), { ...t, deadline: t.deadline + 10 * this.timeLimit }),
    );
    if (preview.cutoffRowid === null) return { deleted: 0 };
    let deleted = 0;
    for (;;) {
      if (this.closed) break;
      const n = this.store.deleteBefore(preview.cutoffRowid as number, DELETE_CHUNK);
      deleted += n;
      if (n < DELETE_CHUNK) break;
      // Between chunks the writer and the searches get their turn.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return { deleted };
  }

  fillFromRawLog(
    file: string,
    source: Extract<LogSource, { kind: 'pipeline' }>,
    options: GapFillOptions,
  ): Promise<GapFillResult> {
    return fillFromRawLog(this.store, file, source, options);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    if (this.firstRetention) clearTimeout(this.firstRetention);
    try {
      await this.writer.close();
    } finally {
      this.closed = true;
      if (this.retentionRunning) await this.retentionRunning.catch((err: unknown) => this.onError(err));
      await this.exec.close();
      this.store.close();
    }
  }
}
