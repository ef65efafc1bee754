import { open, stat } from 'node:fs/promises';
import { streamKeyOf, type LogInput, type LogSource } from '../../../shared/logs/model';
import { toRow, type RecordRow } from './record';
import type { LogStore } from './store';

type PipelineSource = Extract<LogSource, { kind: 'pipeline' }>;

const STDERR = '[stderr] ';
const EVENT = '[lakebench] ';
const FAILED_TRY = /^\S+ try \d+ failed: /;

/**
 * The record of one line of a pipeline try's raw log, as the runner writes it (`[stderr] ` marks stderr,
 * `[lakebench] ` the runner's own events). The live path and the gap fill both build records with this, so a
 * line indexed by either is the same record, stored once.
 */
export function tryLogRecord(
  source: PipelineSource,
  line: number,
  text: string | Uint8Array,
  time: number,
): LogInput {
  const head =
    typeof text === 'string' ? text.slice(0, 12) : Buffer.from(text.subarray(0, 12)).toString('latin1');
  let stream: LogInput['stream'] = 'stdout';
  let skip = 0;
  if (head.startsWith(STDERR)) {
    stream = 'stderr';
    skip = STDERR.length;
  } else if (head.startsWith(EVENT)) {
    stream = 'event';
    skip = EVENT.length;
  }
  const message = skip === 0 ? text : typeof text === 'string' ? text.slice(skip) : text.subarray(skip);
  let level: LogInput['level'] = stream === 'stderr' ? 'warn' : 'info';
  if (stream === 'event') {
    const start =
      typeof message === 'string'
        ? message.slice(0, 500)
        : Buffer.from(message.subarray(0, 500)).toString('utf8');
    // The runner's own line for a failed try (`<task> try <n> failed: <error>`) is the try's error.
    if (FAILED_TRY.test(start)) level = 'error';
  }
  return { source, line, time, stream, level, message };
}

export interface GapFillResult {
  /** Lines in the raw log. */
  lines: number;
  /** Lines that were missing from the index and are now in it. */
  inserted: number;
}

export interface GapFillOptions {
  /** Whether the try has ended: only then is a last line without a newline a whole line. */
  complete: boolean;
  /** The time given to missing lines before any indexed one (default: the file's modification time). */
  startTime?: number;
  /** Lines per transaction. */
  batchSize?: number;
}

/**
 * Re-reads a try's raw log and indexes the lines the index lacks, e.g. those a crash kept from being written.
 * Idempotent: a line's record id is its stream and line number, so running it again (or alongside the live
 * writer) stores nothing twice. A missing line takes the time of the indexed line before it.
 */
export async function fillFromRawLog(
  store: LogStore,
  file: string,
  source: PipelineSource,
  options: GapFillOptions,
): Promise<GapFillResult> {
  const streamKey = streamKeyOf(source);
  const known = new Map<number, number>();
  for (const r of store.db
    .prepare('SELECT line, time FROM records WHERE stream_key = ?')
    .iterate(streamKey) as Iterable<{ line: number; time: number }>)
    known.set(r.line, r.time);
  let lastTime = options.startTime ?? (await stat(file)).mtimeMs;
  const batchSize = options.batchSize ?? 5000;
  let batch: RecordRow[] = [];
  let inserted = 0;
  let lineNo = 0;
  const flush = async () => {
    inserted += store.insertRows(batch);
    batch = [];
    // Let the event loop breathe between transactions.
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  const take = async (bytes: Uint8Array) => {
    lineNo++;
    const t = known.get(lineNo);
    if (t !== undefined) {
      lastTime = t;
      return;
    }
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    batch.push(toRow(tryLogRecord(source, lineNo, bytes.subarray(0, end), lastTime), lastTime));
    if (batch.length >= batchSize) await flush();
  };

  const fh = await open(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    let carry: Buffer[] = [];
    let carryBytes = 0;
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      let start = 0;
      const view = chunk.subarray(0, bytesRead);
      for (let nl = view.indexOf(0x0a, start); nl >= 0; nl = view.indexOf(0x0a, start)) {
        const part = view.subarray(start, nl);
        if (carry.length) {
          await take(Buffer.concat([...carry, part]));
          carry = [];
          carryBytes = 0;
        } else await take(part);
        start = nl + 1;
      }
      if (start < bytesRead) {
        // The line goes on in the next chunk.
        carry.push(Buffer.from(view.subarray(start)));
        carryBytes += bytesRead - start;
      }
    }
    if (carryBytes > 0 && options.complete) await take(Buffer.concat(carry));
  } finally {
    await fh.close();
  }
  if (batch.length) await flush();
  return { lines: lineNo, inserted };
}
