import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { LakebenchCore, tablesService } from '../../electron/core/app';
import { runSql } from '../../electron/core/pipelines/executors';
import { RecordingSink } from '../support/events';
import { tempDir } from '../support/temp';

let dir: string;
let cleanup: () => Promise<void>;
let core: LakebenchCore;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  core = await LakebenchCore.open({ workspacePath: dir, version: '0', validateResults: true });
});
afterAll(async () => {
  await core.close();
  await cleanup();
});

async function run(sql: string, origin?: { notebook?: string; cellId?: string }) {
  const sink = new RecordingSink();
  const { queryId } = core.warehouse.runQuery({ sql, maxRows: 1_000_000, origin }, sink);
  const finished = await sink.waitFor('warehouse.onQueryFinished', (p) => p.queryId === queryId, 60_000);
  const batches = sink.of('warehouse.onQueryBatch').filter((b) => b.queryId === queryId);
  const rows = batches.flatMap((b) =>
    tableFromIPC(b.arrow)
      .toArray()
      .map((r) => JSON.parse(JSON.stringify(r.toJSON(), (_k, v) => (typeof v === 'bigint' ? Number(v) : v)))),
  ) as Record<string, unknown>[];
  return { finished, rows };
}

async function ok(sql: string, origin?: { notebook?: string; cellId?: string }) {
  const r = await run(sql, origin);
  if (r.finished.status !== 'succeeded') throw new Error(`${sql}: ${JSON.stringify(r.finished.error)}`);
  return r.rows;
}

const history = (name: string) => {
  const tables = core.get(tablesService);
  return tables.delta.history(tables.pathOf('main', name));
};

describe('SQL on workspace Delta tables', () => {
  it('commits one version per statement kind, with the rows it wrote', async () => {
    const cell = { notebook: 'notebooks/a.ipynb', cellId: 'c1' };
    expect(
      await ok(`CREATE TABLE sales AS SELECT i AS id, i * 10 AS amount FROM range(5) t(i)`, cell),
    ).toEqual([{ Count: 5 }]);
    expect(await ok(`SELECT count(*)::INT AS n, sum(amount)::INT AS s FROM sales`)).toEqual([
      { n: 5, s: 100 },
    ]);
    expect(await ok(`INSERT INTO sales VALUES (10, 100), (11, 110)`)).toEqual([{ Count: 2 }]);
    expect(await ok(`INSERT INTO sales (amount, id) SELECT 7, 12`)).toEqual([{ Count: 1 }]);
    expect(await ok(`UPDATE sales SET amount = amount + 1 WHERE id >= 10`)).toEqual([{ Count: 3 }]);
    expect(await ok(`DELETE FROM sales WHERE id < 2`)).toEqual([{ Count: 2 }]);
    expect(await ok(`SELECT id, amount FROM sales ORDER BY id`)).toEqual([
      { id: 2, amount: 20 },
      { id: 3, amount: 30 },
      { id: 4, amount: 40 },
      { id: 10, amount: 101 },
      { id: 11, amount: 111 },
      { id: 12, amount: 8 },
    ]);
    const h = await history('sales');
    expect(h.map((e) => [e.version, e.operation])).toEqual([
      [4, 'DELETE'],
      [3, 'UPDATE'],
      [2, 'WRITE'],
      [1, 'WRITE'],
      [0, 'CREATE TABLE AS SELECT'],
    ]);
    expect(h[4].userMetadata).toBe('notebook notebooks/a.ipynb cell c1');
    expect(h[4].operationMetrics.numOutputRows).toBe('5');
  });

  it('creates an empty table from column definitions and fills it', async () => {
    await ok(`CREATE TABLE main.people (id BIGINT NOT NULL, name VARCHAR)`);
    await ok(`INSERT INTO people VALUES (1, 'ada')`);
    expect(await ok(`SELECT * FROM people`)).toEqual([{ id: 1, name: 'ada' }]);
    expect((await history('people')).map((e) => e.operation)).toEqual(['WRITE', 'CREATE TABLE']);
  });

  it('reads old versions, describes history and restores', async () => {
    await ok(`CREATE TABLE tt AS SELECT 1 AS x`);
    await ok(`INSERT INTO tt VALUES (2)`);
    await ok(`DELETE FROM tt`);
    expect(await ok(`SELECT count(*)::INT AS n FROM tt`)).toEqual([{ n: 0 }]);
    expect(await ok(`SELECT x FROM tt VERSION AS OF 1 ORDER BY x`)).toEqual([{ x: 1 }, { x: 2 }]);
    expect(await ok(`SELECT tt.x FROM tt VERSION AS OF 0`)).toEqual([{ x: 1 }]);
    const v1 = (await history('tt')).find((e) => e.version === 1)!;
    const at = new Date(v1.timestamp).toISOString();
    expect(await ok(`SELECT count(*)::INT AS n FROM tt TIMESTAMP AS OF '${at}'`)).toEqual([{ n: 2 }]);
    const described = await ok(`DESCRIBE HISTORY tt`);
    expect(described.map((r) => [r.version, r.operation])).toEqual([
      [2, 'DELETE'],
      [1, 'WRITE'],
      [0, 'CREATE TABLE AS SELECT'],
    ]);
    expect((await ok(`DESCRIBE HISTORY tt LIMIT 1`)).map((r) => r.version)).toEqual([2]);
    const restored = await ok(`RESTORE TABLE tt TO VERSION AS OF 1`);
    expect(restored[0]).toMatchObject({ version: 3, restored_version: 1 });
    expect(await ok(`SELECT x FROM tt ORDER BY x`)).toEqual([{ x: 1 }, { x: 2 }]);
    expect((await history('tt'))[0].operation).toBe('RESTORE');
    const tables = core.get(tablesService);
    expect(await ok(`SELECT count(*)::INT AS n FROM delta.\`${tables.pathOf('main', 'tt')}\``)).toEqual([
      { n: 2 },
    ]);
    expect(await ok(`VACUUM tt RETAIN 0 HOURS`)).toHaveLength(1);
  });

  it('adds columns, compacts files and describes the table', async () => {
    await ok(`CREATE TABLE wide AS SELECT 1 AS id`);
    await ok(`INSERT INTO wide VALUES (2)`);
    expect(await ok(`ALTER TABLE wide ADD COLUMN note VARCHAR`)).toEqual([{ version: 2 }]);
    await ok(`INSERT INTO wide VALUES (3, 'three')`);
    expect(await ok(`SELECT id, note FROM wide ORDER BY id`)).toEqual([
      { id: 1, note: null },
      { id: 2, note: null },
      { id: 3, note: 'three' },
    ]);
    const before = (await ok(`DESCRIBE DETAIL wide`))[0];
    expect(before).toMatchObject({ format: 'delta', name: 'main.wide', version: 3, numFiles: 3 });
    const optimized = await ok(`OPTIMIZE wide`);
    expect(optimized[0]).toMatchObject({ version: 4, numFilesAdded: 1, numFilesRemoved: 3 });
    expect(await ok(`SELECT count(*)::INT AS n, count(note)::INT AS notes FROM wide`)).toEqual([
      { n: 3, notes: 1 },
    ]);
    expect((await ok(`DESCRIBE DETAIL wide`))[0]).toMatchObject({ version: 4, numFiles: 1 });
    // Nothing left to compact: no new version.
    expect((await ok(`OPTIMIZE wide`))[0]).toMatchObject({ version: null, numFilesAdded: 0 });
    expect((await history('wide')).map((e) => e.operation)).toEqual([
      'OPTIMIZE',
      'WRITE',
      'ADD COLUMNS',
      'WRITE',
      'CREATE TABLE AS SELECT',
    ]);
    expect(await ok(`ALTER TABLE wide RENAME COLUMN note TO remark`)).toEqual([{ version: 5 }]);
    expect(await ok(`SELECT id, remark FROM wide WHERE remark IS NOT NULL`)).toEqual([
      { id: 3, remark: 'three' },
    ]);
    expect(await ok(`SELECT note FROM wide VERSION AS OF 4 WHERE note IS NOT NULL`)).toEqual([
      { note: 'three' },
    ]);
    expect((await history('wide'))[0]).toMatchObject({
      operation: 'RENAME COLUMN',
      operationParameters: { oldColumnPath: 'note', newColumnPath: 'remark' },
    });
    // Compaction changes no data: the old version still reads the same rows.
    expect(await ok(`SELECT count(*)::INT AS n FROM wide VERSION AS OF 1`)).toEqual([{ n: 2 }]);
  });

  it('merges a source into a table in one version', async () => {
    await ok(`CREATE TABLE stock AS SELECT * FROM (VALUES (1, 10), (2, 20), (3, 30)) v(id, qty)`);
    const merged = await ok(`
      MERGE INTO stock AS t
      USING (SELECT * FROM (VALUES (1, 5), (2, 0), (4, 40), (5, -1)) v(id, qty)) AS s
      ON t.id = s.id
      WHEN MATCHED AND s.qty = 0 THEN DELETE
      WHEN MATCHED THEN UPDATE SET qty = CASE WHEN s.qty > 0 THEN t.qty + s.qty ELSE t.qty END
      WHEN NOT MATCHED AND s.qty < 0 THEN DO NOTHING
      WHEN NOT MATCHED THEN INSERT (id, qty) VALUES (s.id, s.qty)`);
    expect(merged).toEqual([
      { num_affected_rows: 3, num_updated_rows: 1, num_deleted_rows: 1, num_inserted_rows: 1 },
    ]);
    expect(await ok(`SELECT id, qty FROM stock ORDER BY id`)).toEqual([
      { id: 1, qty: 15 },
      { id: 3, qty: 30 },
      { id: 4, qty: 40 },
    ]);
    const h = await history('stock');
    expect(h.map((e) => e.operation)).toEqual(['MERGE', 'CREATE TABLE AS SELECT']);
    expect(h[0].operationMetrics).toMatchObject({
      numTargetRowsInserted: '1',
      numTargetRowsUpdated: '1',
      numTargetRowsDeleted: '1',
      numSourceRows: '4',
    });
    const twice = await run(
      `MERGE INTO stock USING (SELECT 1 AS id UNION ALL SELECT 1) s ON stock.id = s.id WHEN MATCHED THEN DELETE`,
    );
    expect(twice.finished.error?.message).toMatch(/more than one source row matches/);
    expect((await history('stock')).length).toBe(2);
  });

  it('commits nothing when a statement fails, and names the table', async () => {
    await ok(`CREATE TABLE strict (id INTEGER NOT NULL)`);
    await ok(`INSERT INTO strict VALUES (1)`);
    const before = (await history('strict')).length;
    const r = await run(`INSERT INTO strict VALUES (NULL)`);
    expect(r.finished.status).toBe('failed');
    expect(r.finished.error?.message).toMatch(/strict/);
    const bad = await run(`INSERT INTO strict SELECT no_such_column FROM range(2)`);
    expect(bad.finished.status).toBe('failed');
    expect(bad.finished.error?.message).toMatch(
      /main\.strict: Binder Error: Referenced column "no_such_column"/,
    );
    expect(bad.finished.error?.location).toMatchObject({ line: 1, column: 27 });
    const update = await run(`SELECT 1;\nUPDATE strict SET id = missing + 1`);
    expect(update.finished.error?.location).toMatchObject({ line: 2, column: 24 });
    expect(update.finished.error?.message).not.toContain('__lakebench');
    expect((await history('strict')).length).toBe(before);
    const drop = await run(`DROP TABLE IF EXISTS strict`);
    expect(drop.finished.error?.message).toMatch(/main\.strict is a Delta table \(tables\/main\/strict\/\)/);
    const old = await run(`SELECT * FROM strict VERSION AS OF 9`);
    expect(old.finished.status).toBe('failed');
    expect(old.finished.error?.message).toMatch(/main\.strict VERSION AS OF 9/);
  });

  it('leaves temporary tables and tables of other databases to DuckDB', async () => {
    expect(
      await ok(
        `CREATE TEMP TABLE scratch AS SELECT 1 AS a; INSERT INTO scratch VALUES (2); SELECT count(*)::INT AS n FROM scratch`,
      ),
    ).toEqual([{ n: 2 }]);
    await ok(`ATTACH ':memory:' AS side; CREATE TABLE side.t AS SELECT 1 AS a`);
    expect(await ok(`SELECT a FROM side.t`)).toEqual([{ a: 1 }]);
    expect((await core.get(tablesService).list()).map((t) => t.name)).not.toContain('scratch');
    await ok(`DETACH side`);
  });

  it('runs a cell of CREATE TABLE AS SELECT then SELECT as one stream', async () => {
    const r = await ok(`CREATE OR REPLACE TABLE cell_t AS SELECT 3 AS n; SELECT n * 2 AS m FROM cell_t`);
    expect(r).toEqual([{ m: 6 }]);
    await ok(`CREATE OR REPLACE TABLE cell_t AS SELECT 4 AS n`);
    expect(await ok(`SELECT n FROM cell_t`)).toEqual([{ n: 4 }]);
    expect((await history('cell_t')).length).toBe(2);
  });

  it('writes a table from a pipeline SQL task', async () => {
    const result = await runSql(
      core.warehouse,
      `CREATE TABLE from_pipeline AS SELECT 1 AS a; INSERT INTO from_pipeline VALUES (2)`,
      new AbortController().signal,
      'pipeline:try-1:load',
    );
    expect(result.rows_changed).toBe(1);
    const h = await history('from_pipeline');
    expect(h.map((e) => e.userMetadata)).toEqual([
      'pipeline try try-1 task load',
      'pipeline try try-1 task load',
    ]);
    expect(await ok(`SELECT sum(a)::INT AS s FROM from_pipeline`)).toEqual([{ s: 3 }]);
  });

  it('keeps the tables as views after the workspace is opened again', async () => {
    const other = await tempDir();
    try {
      await core.openWorkspace(other.dir);
      await core.openWorkspace(dir);
    } finally {
      await other.cleanup();
    }
    expect(await ok(`SELECT count(*)::INT AS n FROM sales`)).toEqual([{ n: 6 }]);
  });
});
