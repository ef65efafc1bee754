import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { Warehouse } from '../../electron/core/warehouse';
import { RecordingSink } from '../support/events';
import { tempDir } from '../support/temp';

let dir: string;
let cleanup: () => Promise<void>;
let warehouse: Warehouse;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  warehouse = await Warehouse.open(path.join(dir, 'warehouse.duckdb'));
});
afterAll(async () => {
  await warehouse.close();
  await cleanup();
});

async function run(sql: string, maxRows = 10_000_000) {
  const sink = new RecordingSink();
  const { queryId } = warehouse.runQuery({ sql, maxRows }, sink);
  const finished = await sink.waitFor('warehouse.onQueryFinished', (p) => p.queryId === queryId, 60_000);
  const batches = sink.of('warehouse.onQueryBatch').filter((b) => b.queryId === queryId);
  return { queryId, sink, finished, batches, tables: batches.map((b) => tableFromIPC(b.arrow)) };
}

describe('warehouse queries', () => {
  it('returns a result as Arrow batches', async () => {
    const { finished, tables } = await run('SELECT 42 AS answer');
    expect(finished.status).toBe('succeeded');
    expect(finished.rowCount).toBe(1);
    expect(finished.columns).toEqual([{ name: 'answer', type: 'INTEGER' }]);
    expect(tables).toHaveLength(1);
    expect(tables[0].getChild('answer')?.get(0)).toBe(42);
  });

  it('keeps values, types and NULLs across the copy into Arrow', async () => {
    const { tables, finished } = await run(`
      SELECT i::INTEGER AS i, CASE WHEN i % 3 = 0 THEN NULL ELSE i END AS maybe,
             'row ' || i AS label, CASE WHEN i % 4 = 0 THEN NULL ELSE repeat('long text ', 3) || i END AS long_text,
             i % 2 = 0 AS even, DATE '2026-01-01' + i::INTEGER AS day, (i / 8)::DECIMAL(10, 3) AS dec,
             [i, i + 1] AS pair, i::HUGEINT * 10000000000000000 AS big, i * 0.5 AS half
        FROM range(5000) t(i)`);
    expect(finished.rowCount).toBe(5000);
    const rows = tables.flatMap((t) => t.toArray().map((r) => r.toJSON()));
    expect(rows).toHaveLength(5000);
    const r = rows[4097];
    expect(r.i).toBe(4097);
    expect(r.maybe).toBe(4097n);
    expect(r.label).toBe('row 4097');
    expect(r.long_text).toBe('long text long text long text 4097');
    expect(r.even).toBe(false);
    expect(r.day).toBe(Date.UTC(2026, 0, 1) + 4097 * 86_400_000);
    expect(r.dec).toBeCloseTo(512.125, 6);
    expect(r.pair).toBe('[4097, 4098]');
    expect(r.big).toBe('40970000000000000000');
    expect(r.half).toBe(2048.5);
    expect(rows[3].maybe).toBeNull();
    expect(rows[4].long_text).toBeNull();
    expect(rows.filter((x) => x.maybe === null)).toHaveLength(1667);
    expect(tables[0].schema.fields[0].metadata.get('duckdb_type')).toBe('INTEGER');
  });

  it('streams a large result: the first batch is small, rows arrive in order', async () => {
    const { finished, batches } = await run('SELECT i FROM range(300000) t(i)');
    expect(finished.status).toBe('succeeded');
    expect(finished.rowCount).toBe(300_000);
    expect(batches.length).toBeGreaterThan(2);
    expect(batches[0].rowCount).toBeLessThanOrEqual(2048);
    expect(batches.map((b) => b.batchIndex)).toEqual(batches.map((_, i) => i));
    const last = tableFromIPC(batches[batches.length - 1].arrow);
    expect(last.getChild('i')?.get(last.numRows - 1)).toBe(299_999n);
    expect(batches.reduce((s, b) => s + b.rowCount, 0)).toBe(300_000);
  });

  it('stops at maxRows and says the result was truncated', async () => {
    const { finished, batches } = await run('SELECT i FROM range(100000) t(i)', 5000);
    expect(finished.rowCount).toBe(5000);
    expect(finished.truncated).toBe(true);
    expect(batches.reduce((s, b) => s + b.rowCount, 0)).toBe(5000);
  });

  it('sends the columns of an empty result', async () => {
    const { finished, tables } = await run('SELECT 1 AS a, 2 AS b WHERE false');
    expect(finished.rowCount).toBe(0);
    expect(tables[0].schema.fields.map((f) => f.name)).toEqual(['a', 'b']);
  });

  it('runs several statements and returns the last one', async () => {
    const { finished, tables } = await run(
      'CREATE OR REPLACE TABLE t1 AS SELECT 1 AS x; INSERT INTO t1 VALUES (2); SELECT sum(x) AS s FROM t1; -- done',
    );
    expect(finished.status).toBe('succeeded');
    expect(String(tables[0].getChild('s')?.get(0))).toBe('3');
  });

  it('reports a SQL error with DuckDB message and its line and column in the cell', async () => {
    const { finished } = await run('SELECT 1;\nSELECT nope\nFROM range(3)');
    expect(finished.status).toBe('failed');
    expect(finished.error?.code).toBe('SQL_ERROR');
    expect(finished.error?.message).toMatch(/Referenced column "nope" not found/);
    expect(finished.error?.location).toMatchObject({ line: 2, column: 8, offset: 17 });
  });

  it('points at a syntax error', async () => {
    const { finished } = await run('SELECT 1 AS ok;  SELEC 2');
    expect(finished.status).toBe('failed');
    expect(finished.error?.message).toMatch(/syntax error at or near "SELEC"/);
    expect(finished.error?.location).toMatchObject({ line: 1, column: 18, offset: 17 });
  });

  it('cancels a running query', async () => {
    const sink = new RecordingSink();
    const { queryId } = warehouse.runQuery(
      { sql: 'SELECT count(*) FROM range(100000000000) a(i) WHERE i % 7 = 3', maxRows: 1000 },
      sink,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(warehouse.cancelQuery(queryId)).toEqual({ cancelled: true });
    const finished = await sink.waitFor('warehouse.onQueryFinished', (p) => p.queryId === queryId, 20_000);
    expect(finished.status).toBe('cancelled');
    expect(warehouse.runningQueries).toBe(0);
    expect(warehouse.cancelQuery('no-such-query')).toEqual({ cancelled: false });
  });

  it('cancels a query the moment it is accepted, before DuckDB has given it a connection', async () => {
    const sink = new RecordingSink();
    const { queryId } = warehouse.runQuery(
      { sql: 'SELECT count(*) FROM range(100000000000) a(i) WHERE i % 7 = 3', maxRows: 1000 },
      sink,
    );
    expect(warehouse.cancelQuery(queryId)).toEqual({ cancelled: true });
    const finished = await sink.waitFor('warehouse.onQueryFinished', (p) => p.queryId === queryId, 20_000);
    expect(finished.status).toBe('cancelled');
    expect(finished.error?.code).toBe('QUERY_CANCELLED');
  });

  it('refuses a second query with the id of one still starting, and runs it once that one ended', async () => {
    const sink = new RecordingSink();
    const sql = 'SELECT 7 AS n';
    warehouse.runQuery({ sql, maxRows: 10, queryId: 'same' }, sink);
    expect(() => warehouse.runQuery({ sql, maxRows: 10, queryId: 'same' }, sink)).toThrow(
      expect.objectContaining({ code: 'ALREADY_EXISTS' }),
    );
    await sink.waitFor('warehouse.onQueryFinished', (p) => p.queryId === 'same', 20_000);
    const second = new RecordingSink();
    expect(warehouse.runQuery({ sql, maxRows: 10, queryId: 'same' }, second)).toEqual({ queryId: 'same' });
    const finished = await second.waitFor('warehouse.onQueryFinished', (p) => p.queryId === 'same', 20_000);
    expect(finished).toMatchObject({ status: 'succeeded', rowCount: 1 });
  });
  it('reports progress while a long query runs', async () => {
    const sink = new RecordingSink();
    const { queryId } = warehouse.runQuery(
      { sql: 'SELECT sum(i * i % 13) FROM range(2000000000) t(i)', maxRows: 10 },
      sink,
    );
    await sink.waitFor('warehouse.onQueryProgress', (p) => p.queryId === queryId, 20_000);
    warehouse.cancelQuery(queryId);
    await sink.waitFor('warehouse.onQueryFinished', (p) => p.queryId === queryId, 20_000);
  });

  it('does not load extensions that are not built in', async () => {
    const { finished } = await run("SELECT * FROM read_csv('https://example.invalid/x.csv')");
    expect(finished.status).toBe('failed');
    expect(finished.error?.message).toMatch(/httpfs|extension/i);
  });

  it('lists tables and views with their columns', async () => {
    await warehouse.execute(
      'CREATE OR REPLACE TABLE people (id INTEGER, name VARCHAR); CREATE OR REPLACE VIEW v AS SELECT id FROM people',
    );
    const tables = await warehouse.listTables();
    expect(tables.find((t) => t.name === 'people')).toMatchObject({
      kind: 'table',
      columns: [
        { name: 'id', type: 'INTEGER' },
        { name: 'name', type: 'VARCHAR' },
      ],
    });
    expect(tables.find((t) => t.name === 'v')).toMatchObject({
      kind: 'view',
      columns: [{ name: 'id', type: 'INTEGER' }],
    });
  });
});

describe('warehouse lock', () => {
  it('tells plainly that another process holds the workspace', async () => {
    const file = path.join(dir, 'locked.duckdb');
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const { DuckDBInstance } = require('@duckdb/node-api');
         DuckDBInstance.create(${JSON.stringify(file)}).then(() => { console.log('ready'); setInterval(() => {}, 1000); });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], cwd: process.cwd() },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
      });
      await expect(Warehouse.open(file)).rejects.toMatchObject({
        code: 'WORKSPACE_LOCKED',
        message: expect.stringMatching(/already open in another Lakebench \(process \d+\)/),
      });
    } finally {
      child.kill('SIGKILL');
    }
  });
});
