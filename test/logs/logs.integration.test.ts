import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { LocalLogsService } from '../../electron/core/logs';
import { logsRequests } from '../../shared/logs/contract';
import {
  MESSAGE_INDEX_BYTES,
  MESSAGE_KEEP_BYTES,
  TOTAL_COUNT_CAP,
  type LogInput,
  type LogQuery,
  type LogSource,
  type TimeRange,
} from '../../shared/logs/model';
import { tempDir } from '../support/temp';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const ALL: TimeRange = { from: null, to: null };
const tryA: LogSource = { kind: 'pipeline', pipelineId: 'etl', runId: 'run-1', taskId: 'load', tryNumber: 1 };
const tryB: LogSource = {
  kind: 'pipeline',
  pipelineId: 'etl',
  runId: 'run-1',
  taskId: 'report',
  tryNumber: 2,
};
const cell: LogSource = { kind: 'notebook', notebook: 'notebooks/train.ipynb', cellId: 'c1' };

let dir: string;
let cleanup: () => Promise<void>;
let logs: LocalLogsService;
let clock = T0;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('lakebench-logs-'));
  clock = T0;
  logs = new LocalLogsService({
    file: path.join(dir, 'logs.db'),
    reads: 'inline',
    now: () => clock,
    retentionIntervalMs: null,
  });
});

afterEach(async () => {
  await logs.close();
  await cleanup();
});

function search(query: LogQuery, more: Partial<Parameters<LocalLogsService['search']>[0]> = {}) {
  return logs.search({ query, range: ALL, sort: 'newest', limit: 100, cursor: null, ...more });
}

/** Messages of every hit, newest first. */
async function messages(query: LogQuery): Promise<string[]> {
  return (await search(query, { limit: 1000 })).hits.map((h) => h.record.message);
}

const CORPUS: LogInput[] = [
  { source: tryA, line: 1, time: T0 + 1000, stream: 'event', message: 'load try 1 started' },
  { source: tryA, line: 2, time: T0 + 2000, stream: 'stdout', message: 'reading landing/orders.csv' },
  {
    source: tryA,
    line: 3,
    time: T0 + 3000,
    stream: 'stderr',
    level: 'error',
    message: 'Connection refused by warehouse',
  },
  { source: tryA, line: 4, time: T0 + 4000, stream: 'stdout', message: 'retrying connection in 5s' },
  { source: tryB, line: 1, time: T0 + 5000, stream: 'stdout', message: 'report refused: no data' },
  {
    source: cell,
    time: T0 + 6000,
    stream: 'stdout',
    message: 'training epoch 1 loss 0.52',
    fields: { epoch: 1 },
  },
  {
    source: cell,
    time: T0 + 7000,
    stream: 'stderr',
    level: 'warn',
    message: 'training epoch 2 loss 0.31',
    fields: { epoch: 2, user: 'ana' },
  },
  {
    source: {
      kind: 'server',
      method: 'GET',
      path: '/api/runs?token=s3cret&x=1',
      status: 200,
      durationMs: 12,
    },
    time: T0 + 8000,
    message: 'GET /api/runs 200',
  },
  {
    source: { kind: 'server', method: 'POST', path: '/api/query', status: 500, durationMs: 340 },
    time: T0 + 9000,
    level: 'error',
    message: 'POST /api/query 500',
  },
  {
    source: { kind: 'ingest', table: 'sales.orders', file: 'orders.csv', auto: true },
    time: T0 + 10_000,
    message: 'ingested 1200 rows',
  },
];

/** FTS5's own check that the index holds exactly the records' text (rank 1: compare with the content). */
function expectSoundIndex(): void {
  const db = new Database(path.join(dir, 'logs.db'));
  try {
    expect(() =>
      db.exec("INSERT INTO records_fts (records_fts, rank) VALUES ('integrity-check', 1)"),
    ).not.toThrow();
  } finally {
    db.close();
  }
}

async function writeCorpus(): Promise<void> {
  for (const r of CORPUS) logs.write(r);
  await logs.flush();
}

describe('the logs service', () => {
  it('finds terms, phrases, field values and their combinations, newest first', async () => {
    await writeCorpus();
    expect(await messages({ kind: 'text', text: 'refused' })).toEqual([
      'report refused: no data',
      'Connection refused by warehouse',
    ]);
    expect(await messages({ kind: 'phrase', text: 'connection refused' })).toEqual([
      'Connection refused by warehouse',
    ]);
    expect(await messages({ kind: 'match', field: 'level', value: 'error' })).toEqual([
      'POST /api/query 500',
      'Connection refused by warehouse',
    ]);
    expect(
      await messages({
        kind: 'and',
        clauses: [
          { kind: 'text', text: 'connection' },
          { kind: 'match', field: 'taskId', value: 'load' },
          { kind: 'not', clause: { kind: 'match', field: 'level', value: 'error' } },
        ],
      }),
    ).toEqual(['retrying connection in 5s']);
    expect(
      await messages({
        kind: 'or',
        clauses: [
          { kind: 'match', field: 'fields.user', value: 'ana' },
          { kind: 'range', field: 'requestStatus', gte: 500 },
        ],
      }),
    ).toEqual(['POST /api/query 500', 'training epoch 2 loss 0.31']);
    expect(await messages({ kind: 'wildcard', pattern: 'retr*' })).toEqual(['retrying connection in 5s']);
    expect(await messages({ kind: 'wildcard', pattern: '*epoch ? loss 0.3*' })).toEqual([
      'training epoch 2 loss 0.31',
    ]);
    expect(await messages({ kind: 'range', field: 'fields.epoch', gt: 1 })).toEqual([
      'training epoch 2 loss 0.31',
    ]);
    expect(await messages({ kind: 'exists', field: 'fields.epoch' })).toHaveLength(2);
    expect(await messages({ kind: 'range', field: 'level', gte: 'warn' })).toHaveLength(3);
    expect(
      await messages({ kind: 'range', field: 'time', gte: T0 + 2000, lt: new Date(T0 + 4000).toISOString() }),
    ).toEqual(['Connection refused by warehouse', 'reading landing/orders.csv']);
    // Free text finds a record by its ids and field values too; `message:` does not.
    expect(await messages({ kind: 'text', text: 'sales.orders' })).toEqual(['ingested 1200 rows']);
    expect(await messages({ kind: 'text', text: 'ana' })).toEqual(['training epoch 2 loss 0.31']);
    expect(await messages({ kind: 'text', text: 'ana', field: 'message' })).toEqual([]);
    expect(await messages({ kind: 'match', field: 'component', value: 'auto-ingest' })).toEqual([
      'ingested 1200 rows',
    ]);
    // Text with no token in it still finds what holds it.
    expect(await messages({ kind: 'text', text: ':' })).toEqual(['report refused: no data']);
  });

  it('takes the requests of its contract, defaults filled, and answers in the shapes it declares', async () => {
    await writeCorpus();
    const c = logsRequests;
    const search = await logs.search(
      c['logs.search'].input.parse({ query: { kind: 'text', text: 'refused' } }),
    );
    expect(c['logs.search'].output.parse(search)).toEqual(search);
    expect(search.hits).toHaveLength(2);
    const hist = await logs.histogram(c['logs.histogram'].input.parse({}));
    expect(c['logs.histogram'].output.parse(hist)).toEqual(hist);
    expect(hist.buckets.reduce((n, b) => n + b.count, 0)).toBe(CORPUS.length);
    const values = await logs.fieldValues(c['logs.fieldValues'].input.parse({ field: 'source' }));
    expect(c['logs.fieldValues'].output.parse(values)).toEqual(values);
    expect(values.values[0]).toEqual({ value: 'pipeline', count: 5 });
    const id = search.hits[0].record.id;
    const ctx = await logs.context(c['logs.context'].input.parse({ id }));
    expect(c['logs.context'].output.parse(ctx)).toEqual(ctx);
    const full = await logs.get(c['logs.get'].input.parse({ id }));
    expect(c['logs.get'].output.parse(full)).toEqual(full);
    const preview = await logs.retentionPreview(c['logs.retentionPreview'].input.parse({}));
    expect(c['logs.retentionPreview'].output.parse(preview)).toEqual(preview);
    expect(preview.policy).toEqual({ maxAgeDays: 30, maxSizeMb: 1000 });
    expect(await logs.cancel(c['logs.cancel'].input.parse({ queryId: 'nothing-running' }))).toEqual({
      cancelled: false,
    });
    expect(c['logs.search'].input.safeParse({ limit: 5000 }).success).toBe(false);
    expect(
      c['logs.search'].input.safeParse({ query: { kind: 'match', field: 'bogus', value: 1 } }).success,
    ).toBe(false);
  });

  it('marks where the text matched, and stores flat records with the source ids', async () => {
    await writeCorpus();
    const r = await search({
      kind: 'or',
      clauses: [
        { kind: 'text', text: 'connection' },
        { kind: 'text', text: 'refused' },
      ],
    });
    expect(r.hits).toHaveLength(3);
    for (const h of r.hits) {
      expect(h.highlights.length).toBeGreaterThan(0);
      for (const { start, end } of h.highlights)
        expect(['connection', 'refused']).toContain(h.record.message.slice(start, end).toLowerCase());
    }
    const err = r.hits.find((h) => h.record.level === 'error')!.record;
    expect(err).toMatchObject({
      id: 'pipeline/etl/run-1/load/1#3',
      source: 'pipeline',
      stream: 'stderr',
      pipelineId: 'etl',
      runId: 'run-1',
      taskId: 'load',
      tryNumber: 1,
      line: 3,
      time: T0 + 3000,
      truncated: false,
      invalidUtf8: false,
    });
    const req = (await search({ kind: 'match', field: 'requestMethod', value: 'GET' })).hits[0].record;
    expect(req.requestPath).toBe('/api/runs?token=[redacted]&x=1');
    expect(req).toMatchObject({ requestStatus: 200, durationMs: 12, source: 'server' });
    // Relevance order ranks by bm25: the record with both words comes first.
    const rel = await search(
      {
        kind: 'or',
        clauses: [
          { kind: 'text', text: 'connection' },
          { kind: 'text', text: 'refused' },
        ],
      },
      { sort: 'relevance' },
    );
    expect(rel.hits[0].record.message).toBe('Connection refused by warehouse');
  });

  it('pages with a cursor and counts exactly up to the cap', async () => {
    for (let i = 1; i <= TOTAL_COUNT_CAP + 50; i++)
      logs.write({ source: tryA, line: i, time: T0 + i, message: `row ${i} ${i % 2 ? 'odd' : 'even'}` });
    await logs.flush();
    const all = await search({ kind: 'all' }, { limit: 1 });
    expect(all.total).toEqual({ value: TOTAL_COUNT_CAP, relation: 'gte' });
    const odd: LogQuery = {
      kind: 'and',
      clauses: [
        { kind: 'text', text: 'odd' },
        { kind: 'range', field: 'line', lte: 250 },
      ],
    };
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await search(odd, { cursor, limit: 50 });
      expect(page.total).toEqual({ value: 125, relation: 'eq' });
      seen.push(...page.hits.map((h) => h.record.line));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 125 }, (_v, i) => 249 - 2 * i));
    const oldest = await search(odd, { sort: 'oldest', limit: 2 });
    expect(oldest.hits.map((h) => h.record.line)).toEqual([1, 3]);
    await expect(search(odd, { cursor: 'a12' })).rejects.toThrow(/does not belong/);
  });

  it('counts per time bucket and names the most frequent values of a field', async () => {
    for (let i = 0; i < 600; i++)
      logs.write({
        source: cell,
        time: T0 + i * 1000,
        level: i % 10 === 0 ? 'error' : 'info',
        message: `step ${i}`,
        fields: { shard: `s${i % 3}` },
      });
    await logs.flush();
    const h = await logs.histogram({
      query: { kind: 'all' },
      range: { from: T0, to: T0 + 600_000 },
      intervalMs: 60_000,
      targetBuckets: 60,
    });
    expect(h.buckets).toHaveLength(10);
    expect(h.buckets.every((b, i) => b.count === 60 && b.time === T0 + i * 60_000)).toBe(true);
    const errs = await logs.histogram({
      query: { kind: 'match', field: 'level', value: 'error' },
      range: { from: T0, to: T0 + 600_000 },
      targetBuckets: 5,
    });
    expect(errs.intervalMs).toBe(300_000);
    expect(errs.buckets.map((b) => b.count)).toEqual([30, 30]);
    const text = await logs.histogram({
      query: { kind: 'text', text: 'step' },
      range: ALL,
      targetBuckets: 60,
    });
    expect(text.buckets.reduce((n, b) => n + b.count, 0)).toBe(600);
    await expect(
      logs.histogram({
        query: { kind: 'all' },
        range: { from: T0, to: T0 + 600_000 },
        intervalMs: 1,
        targetBuckets: 60,
      }),
    ).rejects.toThrow(/at most 2000/);

    const top = await logs.fieldValues({
      query: { kind: 'all' },
      range: ALL,
      field: 'fields.shard',
      size: 2,
      sampleSize: 300,
    });
    expect(top).toEqual({
      field: 'fields.shard',
      values: [
        { value: 's0', count: 100 },
        { value: 's1', count: 100 },
      ],
      sampled: 300,
      present: 300,
    });
    const levels = await logs.fieldValues({
      query: { kind: 'text', text: 'step' },
      range: ALL,
      field: 'level',
      size: 5,
      sampleSize: 5000,
    });
    expect(levels.values).toEqual([
      { value: 'info', count: 540 },
      { value: 'error', count: 60 },
    ]);
  });

  it('counts everything by minute totals that follow inserts and retention, exact at cut minutes', async () => {
    const times: number[] = [];
    let x = 7;
    for (let i = 0; i < 3000; i++) {
      x = (x * 48271) % 2147483647;
      times.push(T0 + (x % (3 * 3_600_000)));
    }
    for (const time of times) logs.write({ source: cell, time, message: 'tick' });
    await logs.flush();
    const expected = (from: number, to: number, interval: number) => {
      const first = Math.floor(from / interval) * interval;
      const out = new Array<number>(Math.ceil((to - first) / interval)).fill(0);
      for (const time of times) if (time >= from && time < to) out[Math.floor((time - first) / interval)]++;
      return out;
    };
    const check = async (from: number, to: number, interval: number) => {
      const h = await logs.histogram({
        query: { kind: 'all' },
        range: { from, to },
        intervalMs: interval,
        targetBuckets: 60,
      });
      expect(h.buckets.map((b) => b.count)).toEqual(expected(from, to, interval));
      // The same counts the slow way, from the records themselves.
      const slow = await logs.histogram({
        query: { kind: 'range', field: 'line', gte: 1 },
        range: { from, to },
        intervalMs: interval,
        targetBuckets: 60,
      });
      expect(slow.buckets.map((b) => b.count)).toEqual(expected(from, to, interval));
    };
    await check(T0 + 12_345, T0 + 3 * 3_600_000 - 777, 60_000);
    await check(T0 + 12_345, T0 + 3 * 3_600_000 - 777, 600_000);
    await check(T0 + 61_000, T0 + 61_500, 60_000);
    await check(T0, T0 + 3 * 3_600_000, 300_000);
    // Retention takes its records out of the minute totals too.
    clock = T0 + 86_400_000 + 3_600_000 + 30_000;
    const { deleted } = await logs.applyRetention({ maxAgeDays: 1, maxSizeMb: null });
    const cut = T0 + 3_600_000 + 30_000;
    expect(deleted).toBe(times.filter((time) => time < cut).length);
    times.splice(0, times.length, ...times.filter((time) => time >= cut));
    await check(T0, T0 + 3 * 3_600_000, 60_000);
    await check(T0 + 12_345, T0 + 3 * 3_600_000 - 777, 1_800_000);
  });

  it('shows a record among the lines before and after it in its own stream', async () => {
    for (let i = 1; i <= 30; i++) {
      logs.write({ source: tryA, line: i, time: T0 + i * 10, message: `a${i}` });
      logs.write({ source: tryB, line: i, time: T0 + i * 10 + 1, message: `b${i}` });
    }
    await logs.flush();
    const hit = (await search({ kind: 'text', text: 'a15' })).hits[0].record;
    const ctx = await logs.context({ id: hit.id, before: 3, after: 2 });
    expect(ctx.records.map((r) => r.message)).toEqual(['a12', 'a13', 'a14', 'a15', 'a16', 'a17']);
    expect(ctx).toMatchObject({ anchor: 3, hasMoreBefore: true, hasMoreAfter: true });
    const edge = await logs.context({ id: 'pipeline/etl/run-1/load/1#30', before: 1, after: 5 });
    expect(edge.records.map((r) => r.message)).toEqual(['a29', 'a30']);
    expect(edge.hasMoreAfter).toBe(false);
    await expect(logs.context({ id: 'pipeline/etl/run-1/load/1#31', before: 1, after: 1 })).rejects.toThrow(
      /no log record/,
    );
  });

  it('numbers the lines of a stream written without line numbers, across restarts', async () => {
    logs.write({ source: cell, message: 'one' });
    logs.write({ source: cell, message: 'two' });
    await logs.flush();
    await logs.close();
    logs = new LocalLogsService({
      file: path.join(dir, 'logs.db'),
      reads: 'inline',
      retentionIntervalMs: null,
    });
    logs.write({ source: cell, message: 'three' });
    await logs.flush();
    const lines = (
      await search({ kind: 'match', field: 'cellId', value: 'c1' }, { sort: 'oldest' })
    ).hits.map((h) => [h.record.line, h.record.message]);
    expect(lines).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
    ]);
  });

  it('keeps every line when two writers number the same stream (the app and a CLI run)', async () => {
    const other = new LocalLogsService({
      file: path.join(dir, 'logs.db'),
      reads: 'inline',
      retentionIntervalMs: null,
    });
    const server: LogSource = {
      kind: 'server',
      method: 'GET',
      path: '/api/runs',
      status: 200,
      durationMs: 1,
    };
    try {
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 10; i++) logs.write({ source: server, message: `app ${round} ${i}` });
        await logs.flush();
        for (let i = 0; i < 10; i++) other.write({ source: server, message: `cli ${round} ${i}` });
        await other.flush();
      }
    } finally {
      await other.close();
    }
    const r = await search(
      { kind: 'match', field: 'source', value: 'server' },
      { limit: 1000, sort: 'oldest' },
    );
    expect(r.hits).toHaveLength(100);
    expect(r.hits.map((h) => h.record.line).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 100 }, (_v, i) => i + 1),
    );
  });

  it('stores a 100 MB line cut with a marker, and gives back its kept start on demand', async () => {
    const huge = 'x'.repeat(50) + ' needle ' + 'y'.repeat(100 * 1024 * 1024);
    logs.write({ source: tryA, line: 1, time: T0, message: huge });
    logs.write({ source: tryA, line: 2, time: T0 + 1, message: 'after the big one' });
    await logs.flush();
    const hit = (await search({ kind: 'text', text: 'needle' })).hits[0];
    expect(hit.record.truncated).toBe(true);
    expect(hit.record.messageBytes).toBe(Buffer.byteLength(huge));
    expect(Buffer.byteLength(hit.record.message)).toBeLessThan(MESSAGE_INDEX_BYTES + 64);
    expect(hit.record.message).toMatch(
      new RegExp(`… \\[truncated ${Buffer.byteLength(huge) - MESSAGE_INDEX_BYTES} bytes\\]$`),
    );
    expect(hit.highlights).toEqual([{ start: 51, end: 57 }]);
    const full = await logs.get({ id: hit.record.id });
    expect(full.complete).toBe(false);
    expect(full.messageBytes).toBe(Buffer.byteLength(huge));
    expect(full.message.length).toBe(MESSAGE_KEEP_BYTES);
    expect(full.message).toBe(huge.slice(0, MESSAGE_KEEP_BYTES));
    expect(await messages({ kind: 'text', text: 'after' })).toEqual(['after the big one']);

    // A cut message that fits what is kept comes back whole.
    const big = 'z'.repeat(MESSAGE_INDEX_BYTES * 3);
    logs.write({ source: tryA, line: 3, time: T0 + 2, message: big });
    await logs.flush();
    const again = await logs.get({ id: 'pipeline/etl/run-1/load/1#3' });
    expect(again).toEqual({
      id: 'pipeline/etl/run-1/load/1#3',
      message: big,
      messageBytes: big.length,
      complete: true,
    });
    const small = await logs.get({ id: 'pipeline/etl/run-1/load/1#2' });
    expect(small).toMatchObject({ message: 'after the big one', complete: true });
  });

  it('stores binary and invalid UTF-8 output safely, flagged, and the index stays sound', async () => {
    const bytes = new Uint8Array(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) % 256;
    logs.write({ source: tryA, line: 1, time: T0, stream: 'stdout', message: bytes });
    logs.write({
      source: tryA,
      line: 2,
      time: T0 + 1,
      stream: 'stdout',
      message: Buffer.from('caf\xe9 ok', 'latin1'),
    });
    logs.write({
      source: tryA,
      line: 3,
      time: T0 + 2,
      stream: 'stdout',
      message: Buffer.from('naïve ✓ fine'),
    });
    logs.write({
      source: tryA,
      line: 4,
      time: T0 + 3,
      stream: 'stdout',
      message: '\x1b[31mred\x1b[0m and a bell\x07',
    });
    await logs.flush();
    const hits = (await search({ kind: 'all' }, { sort: 'oldest' })).hits.map((h) => h.record);
    expect(hits.map((h) => h.invalidUtf8)).toEqual([true, true, false, false]);
    // eslint-disable-next-line no-control-regex
    for (const h of hits) expect(h.message).not.toMatch(/[\x00-\x08\x0a-\x1f\x7f]/);
    expect(hits[1].message).toBe('caf\ufffd ok');
    expect(hits[2].message).toBe('naïve ✓ fine');
    expect(hits[3].message).toBe('red and a bell\u2407');
    expect(await messages({ kind: 'text', text: 'naive' })).toEqual(['naïve ✓ fine']);
    expectSoundIndex();
  });

  it('writes the same stream line once, however often it is written', async () => {
    for (let round = 0; round < 3; round++) {
      for (const r of CORPUS.filter((c) => c.line !== undefined)) logs.write(r);
      await logs.flush();
    }
    expect((await search({ kind: 'all' })).total.value).toBe(5);
  });

  it('applies a retention policy by age and by size, and shows beforehand what it deletes', async () => {
    const day = 86_400_000;
    clock = T0 + 40 * day;
    for (let d = 0; d < 40; d++)
      for (let i = 0; i < 10; i++)
        logs.write({
          source: cell,
          time: T0 + d * day + i,
          message: `day ${d} record ${i} ${'p'.repeat(100)}`,
        });
    await logs.flush();
    const preview = await logs.retentionPreview({ policy: { maxAgeDays: 30, maxSizeMb: null } });
    expect(preview.current.records).toBe(400);
    expect(preview.delete).toMatchObject({
      records: 100,
      byAge: 100,
      bySize: 0,
      oldestTime: T0,
      newestTime: T0 + 9 * day + 9,
      cutoffTime: T0 + 10 * day,
    });
    // Nothing is deleted by looking.
    expect((await search({ kind: 'all' })).total.value).toBe(400);
    expect(await logs.applyRetention({ maxAgeDays: 30, maxSizeMb: null })).toEqual({ deleted: 100 });
    expect((await search({ kind: 'all' })).total.value).toBe(300);
    expect(await messages({ kind: 'phrase', text: 'day 5 record' })).toEqual([]);
    expect(await messages({ kind: 'phrase', text: 'day 10 record 3' })).toHaveLength(1);

    // Size: keep the newest records that fit.
    const perRecord = preview.current.bytes / 400;
    const maxSizeMb = (perRecord * 120.5) / 1e6;
    const bySize = await logs.retentionPreview({ policy: { maxAgeDays: 365, maxSizeMb } });
    expect(bySize.delete).toMatchObject({ records: 180, byAge: 0, bySize: 180 });
    expect(await logs.applyRetention({ maxAgeDays: 365, maxSizeMb })).toEqual({ deleted: 180 });
    const left = await search({ kind: 'all' }, { sort: 'oldest', limit: 1 });
    expect(left.total.value).toBe(120);
    expect(left.hits[0].record.message).toMatch(/^day 28 record 0 /);
    expect((await logs.retentionPreview({ policy: { maxAgeDays: 365, maxSizeMb } })).delete.records).toBe(0);
    expectSoundIndex();
  });

  it('never throws at the writer: a record it cannot take is kept as a note', async () => {
    logs.write({ source: { kind: 'nonsense' } as unknown as LogSource, message: 'lost?' });
    await logs.flush();
    expect(await messages({ kind: 'text', text: 'lost' })).toEqual([
      expect.stringMatching(/^a log record could not be stored as written \(.*\): lost\?$/),
    ]);
  });
});

describe('the logs service given bad records', () => {
  it('stores the rest of a batch around a record SQLite refuses, and a note after them', async () => {
    const reported: string[] = [];
    const file = path.join(dir, 'bad.db');
    const l = new LocalLogsService({
      file,
      reads: 'inline',
      retentionIntervalMs: null,
      now: () => T0,
      onError: (err) => reported.push(String(err)),
    });
    try {
      l.write({ source: cell, message: 'before' });
      l.write({
        source: { ...tryA, pipelineId: { not: 'a string' } as unknown as string },
        message: 'the bad one',
      });
      l.write({
        source: cell,
        message: 'after',
        time: Number.NaN,
        level: 'loud' as never,
        stream: 'tty' as never,
      });
      await l.flush();
      const r = await l.search({
        query: { kind: 'all' },
        range: ALL,
        sort: 'oldest',
        limit: 10,
        cursor: null,
      });
      expect(r.hits.map((h) => [h.record.message, h.record.level, h.record.stream, h.record.time])).toEqual([
        ['before', 'info', 'event', T0],
        ['after', 'info', 'event', T0],
        [
          expect.stringMatching(/^a log record of pipeline\/.* could not be stored \(.*\): the bad one$/),
          'warn',
          'event',
          T0,
        ],
      ]);
      expect(reported).toHaveLength(1);
    } finally {
      await l.close();
    }
  });
});

describe('the logs service with reads on a worker thread', () => {
  it('answers the same, and stops a query that is cancelled or past its time limit', async () => {
    const file = path.join(dir, 'worker.db');
    const w = new LocalLogsService({ file, retentionIntervalMs: null, queryTimeLimitMs: 1 });
    try {
      for (let i = 0; i < 60_000; i++)
        w.write({
          source: tryA,
          line: i + 1,
          time: T0 + i,
          message: `line ${i} of the load with some words`,
        });
      await w.flush();
      const slow: LogQuery = { kind: 'wildcard', pattern: '*never*there*' };
      await expect(
        w.search({ query: slow, range: ALL, sort: 'newest', limit: 10, cursor: null }),
      ).rejects.toMatchObject({ code: 'QUERY_CANCELLED', message: expect.stringMatching(/time limit/) });
    } finally {
      await w.close();
    }
    const w2 = new LocalLogsService({ file, retentionIntervalMs: null });
    try {
      const found = await w2.search({
        query: { kind: 'phrase', text: 'line 59999' },
        range: ALL,
        sort: 'newest',
        limit: 10,
        cursor: null,
      });
      expect(found.hits.map((h) => h.record.line)).toEqual([60_000]);
      const running = w2.histogram({
        query: { kind: 'wildcard', pattern: '*never*' },
        range: ALL,
        targetBuckets: 60,
        queryId: 'h1',
      });
      expect(await w2.cancel({ queryId: 'h1' })).toEqual({ cancelled: true });
      await expect(running).rejects.toMatchObject({
        code: 'QUERY_CANCELLED',
        message: 'the query was cancelled',
      });
      expect(await w2.cancel({ queryId: 'h1' })).toEqual({ cancelled: false });
      // The thread goes on serving after a stop.
      const h = await w2.histogram({ query: { kind: 'all' }, range: ALL, targetBuckets: 60 });
      expect(h.buckets.reduce((n, b) => n + b.count, 0)).toBe(60_000);
    } finally {
      await w2.close();
    }
  });
});
