import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { LocalLogsService, tryLogRecord } from '../../electron/core/logs';
import type { LogSource } from '../../shared/logs/model';
import { tempDir } from '../support/temp';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..', '..');
const source = { kind: 'pipeline', pipelineId: 'etl', runId: 'run-1', taskId: 'load', tryNumber: 1 } as const;
const T0 = Date.parse('2026-03-01T10:00:00Z');

let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('lakebench-logs-gap-'));
});
afterEach(async () => {
  await cleanup();
});

/** Every (line, message) of the try's stream, in line order, straight from the database. */
function streamLines(file: string): { line: number; stream: string; message: string }[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare(
        "SELECT line, stream, message FROM records WHERE stream_key = 'pipeline/etl/run-1/load/1' ORDER BY line",
      )
      .all() as { line: number; stream: string; message: string }[];
  } finally {
    db.close();
  }
}

describe('filling a try stream from its raw log', () => {
  it('indexes exactly the lines the index lacks, once, with the time of the line before', async () => {
    const file = path.join(dir, 'logs.db');
    const raw = path.join(dir, 'try-1.log');
    const lines = [
      '[lakebench] load try 1 started',
      'reading landing/orders.csv',
      '[stderr] Traceback (most recent call last):',
      'row 1\r',
      'row 2',
      '[lakebench] load try 1 failed',
    ];
    writeFileSync(
      raw,
      Buffer.concat([Buffer.from(lines.join('\n') + '\n'), Buffer.from([0xff, 0xfe, 0x41])]),
    );
    const logs = new LocalLogsService({ file, reads: 'inline', retentionIntervalMs: null });
    try {
      // Lines 1 and 4 made it to the index before the crash.
      logs.write(tryLogRecord(source, 1, lines[0], T0));
      logs.write(tryLogRecord(source, 4, lines[3].replace('\r', ''), T0 + 4000));
      await logs.flush();

      const open = await logs.fillFromRawLog(raw, source, { complete: false, startTime: T0 - 1 });
      // The try still runs: its last line (no newline yet) waits.
      expect(open).toEqual({ lines: 6, inserted: 4 });
      const done = await logs.fillFromRawLog(raw, source, { complete: true });
      expect(done).toEqual({ lines: 7, inserted: 1 });
      expect(await logs.fillFromRawLog(raw, source, { complete: true })).toEqual({ lines: 7, inserted: 0 });

      expect(streamLines(file)).toEqual([
        { line: 1, stream: 'event', message: 'load try 1 started' },
        { line: 2, stream: 'stdout', message: 'reading landing/orders.csv' },
        { line: 3, stream: 'stderr', message: 'Traceback (most recent call last):' },
        { line: 4, stream: 'stdout', message: 'row 1' },
        { line: 5, stream: 'stdout', message: 'row 2' },
        { line: 6, stream: 'event', message: 'load try 1 failed' },
        { line: 7, stream: 'stdout', message: '\ufffd\ufffdA' },
      ]);
      const r = await logs.search({
        query: { kind: 'all' },
        range: { from: null, to: null },
        sort: 'oldest',
        limit: 100,
        cursor: null,
      });
      expect(r.hits.map((h) => [h.record.line, h.record.time, h.record.level, h.record.invalidUtf8])).toEqual(
        [
          [1, T0, 'info', false],
          [2, T0, 'info', false],
          [3, T0, 'warn', false],
          [4, T0 + 4000, 'info', false],
          [5, T0 + 4000, 'info', false],
          [6, T0 + 4000, 'info', false],
          [7, T0 + 4000, 'info', true],
        ],
      );
    } finally {
      await logs.close();
    }
  });

  it('reads a raw log whose line is larger than what is kept, cut with a marker like a live one', async () => {
    const file = path.join(dir, 'logs.db');
    const raw = path.join(dir, 'try-1.log');
    const big = 'q'.repeat(20 * 1024 * 1024);
    writeFileSync(raw, `first\n${big}\nlast\n`);
    const logs = new LocalLogsService({ file, reads: 'inline', retentionIntervalMs: null });
    try {
      expect(await logs.fillFromRawLog(raw, source, { complete: true, startTime: T0 })).toEqual({
        lines: 3,
        inserted: 3,
      });
      const lines = streamLines(file);
      expect(lines.map((l) => l.line)).toEqual([1, 2, 3]);
      expect(lines[1].message).toMatch(/^q+… \[truncated \d+ bytes\]$/);
      expect(lines[1].message.length).toBeLessThan(40_000);
      const full = await logs.get({ id: 'pipeline/etl/run-1/load/1#2' });
      expect(full).toMatchObject({ messageBytes: big.length, complete: false });
      expect(full.message).toBe(big.slice(0, full.message.length));
      expect(lines[2].message).toBe('last');
    } finally {
      await logs.close();
    }
  });

  it('loses no acknowledged line when the writing process is killed, and the raw log fills the rest once', async () => {
    const file = path.join(dir, 'logs.db');
    const raw = path.join(dir, 'try-1.log');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(here, 'fixtures', 'crash-writer.ts'), file, raw],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let acked = 0;
    let killing = false;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(
        () => reject(new Error(`the writer acknowledged too little: ${acked}; ${stderr}`)),
        60_000,
      );
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) {
          const m = /^acked (\d+)$/.exec(l);
          if (m) acked = Math.max(acked, Number(m[1]));
        }
        if (acked >= 20_000 && !killing) {
          killing = true;
          clearTimeout(timer);
          // Killed a moment later, while it writes on: lines in the raw log and in memory not yet indexed.
          setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, 25);
        }
      });
      child.on('exit', () => {
        if (!killing) reject(new Error(`the writer stopped early: ${stderr}`));
      });
    });
    expect(await exited).toBe('SIGKILL');

    const before = streamLines(file);
    const indexed = new Set(before.map((r) => r.line));
    for (let i = 1; i <= acked; i++)
      if (!indexed.has(i)) throw new Error(`acknowledged line ${i} is missing`);

    const rawLines = readFileSync(raw, 'utf8').split('\n');
    // What follows the last newline ('' or a line cut by the kill) is not a whole line.
    rawLines.pop();
    const whole = rawLines.length;
    expect(before.length).toBeLessThanOrEqual(whole);
    if (process.env.LAKEBENCH_LOGS_DEBUG) console.log({ acked, indexed: before.length, whole });
    const logs = new LocalLogsService({ file, reads: 'inline', retentionIntervalMs: null });
    try {
      const filled = await logs.fillFromRawLog(raw, source as Extract<LogSource, { kind: 'pipeline' }>, {
        complete: false,
      });
      expect(filled.lines).toBe(whole);
      expect(filled.inserted).toBe(whole - before.filter((r) => r.line <= whole).length);
      const after = streamLines(file);
      expect(after.map((r) => r.line)).toEqual(
        Array.from({ length: Math.max(whole, before.length) }, (_v, i) => i + 1),
      );
      for (const r of after.slice(0, whole)) {
        const text = rawLines[r.line - 1];
        expect(r.stream).toBe(text.startsWith('[stderr] ') ? 'stderr' : 'stdout');
        expect(r.message).toBe(text.replace(/^\[stderr\] /, ''));
      }
    } finally {
      await logs.close();
    }
  });
});
