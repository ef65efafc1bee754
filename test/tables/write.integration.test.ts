/**
 * Tables written by Lakebench: Parquet through DuckDB, commits, stats, partitions, checkpoints (read back,
 * single and multi-part), delete / update rewriting only the files concerned, history and vacuum.
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeltaTables, TableEngine, listWorkspaceTables, tablePath } from '../../electron/core/tables';
import { CHECKPOINT_COLUMNS } from '../../electron/core/tables/checkpoint';
import { plain, reference, sortedNumbers, useTables } from './helpers';

const fx = useTables('delta-write');
const root = (name: string) => path.join(fx.dir, name);

async function commitLines(
  table: string,
  version: number,
): Promise<Record<string, Record<string, unknown>>[]> {
  const text = await readFile(
    path.join(table, '_delta_log', `${String(version).padStart(20, '0')}.json`),
    'utf8',
  );
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, Record<string, unknown>>);
}

const count = async (table: string, version?: number) =>
  Number(
    (
      await fx.tables.engine.rows(
        `SELECT count(*) AS n FROM (${(await fx.tables.scan(table, version === undefined ? {} : { version })).sql})`,
      )
    )[0].n,
  );

describe('writing tables', () => {
  it('creates at protocol 1/2, inserts with stats, and reads the rows back', async () => {
    const t = root('events');
    const created = await fx.tables.createTable(t, {
      columns: [
        { name: 'id', type: 'BIGINT' },
        { name: 'name', type: 'VARCHAR' },
        { name: 'day', type: 'DATE' },
        { name: 'amount', type: 'DECIMAL(10,2)' },
        { name: 'at', type: 'TIMESTAMP WITH TIME ZONE' },
        { name: 'ok', type: 'BOOLEAN' },
      ],
      name: 'events',
    });
    expect(created.version).toBe(0);
    const v0 = await commitLines(t, 0);
    expect(v0[0].commitInfo.operation).toBe('CREATE TABLE');
    expect(v0[1]).toEqual({ protocol: { minReaderVersion: 1, minWriterVersion: 2 } });
    expect(v0[2].metaData).toMatchObject({
      name: 'events',
      partitionColumns: [],
      configuration: {},
      format: { provider: 'parquet', options: {} },
    });
    expect(v0[2].metaData.id).toMatch(/^[0-9a-f-]{36}$/);

    const result = await fx.tables.insert(
      t,
      `SELECT i AS id, CASE WHEN i = 3 THEN NULL ELSE 'n' || i END AS name, DATE '2024-01-01' + i::INTEGER AS day,
              (i * 1.25)::DECIMAL(10,2) AS amount, TIMESTAMPTZ '2024-01-01 00:00:00.5+00' + to_seconds(i) AS at, i % 2 = 0 AS ok
         FROM range(1, 6) r(i)`,
      { userMetadata: 'cell 4 of notebooks/ingest.ipynb' },
    );
    expect(result).toMatchObject({ version: 1, retries: 0, numAddedFiles: 1, numOutputRows: 5 });
    const [info, addLine] = await commitLines(t, 1);
    expect(info.commitInfo).toMatchObject({
      operation: 'WRITE',
      operationParameters: { mode: 'Append', partitionBy: '[]' },
      operationMetrics: { numFiles: '1', numOutputRows: '5' },
      isBlindAppend: true,
      readVersion: 0,
      engineInfo: 'Lakebench/0.1',
      userMetadata: 'cell 4 of notebooks/ingest.ipynb',
    });
    const add = addLine.add;
    expect(add.path).toMatch(/^part-00000-[0-9a-f-]{36}-c000\.snappy\.parquet$/);
    expect(add.dataChange).toBe(true);
    expect(JSON.parse(String(add.stats))).toEqual({
      numRecords: 5,
      minValues: { id: 1, name: 'n1', day: '2024-01-02', amount: 1.25, at: '2024-01-01T00:00:01.500Z' },
      maxValues: { id: 5, name: 'n5', day: '2024-01-06', amount: 6.25, at: '2024-01-01T00:00:05.500Z' },
      nullCount: { id: 0, name: 1, day: 0, amount: 0, at: 0, ok: 0 },
    });
    const rows = plain(await fx.tables.readRows(t));
    expect(rows.map((r) => r.id).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(rows.find((r) => r.id === 3)?.name).toBeNull();
    // Reading a version before the insert gives the empty table with its columns.
    expect(await fx.tables.readRows(t, { version: 0 })).toEqual([]);
    const codec = await fx.tables.engine.rows(
      `SELECT DISTINCT compression FROM parquet_metadata(${`'${path.join(t, String(add.path))}'`})`,
    );
    expect(codec.map((r) => r.compression)).toEqual(['SNAPPY']);
  });

  it('refuses rows whose columns do not match the table, naming them', async () => {
    await expect(fx.tables.insert(root('events'), 'SELECT 1 AS id, 2 AS extra')).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringMatching(/missing: name, day, amount, at, ok; not in the table: extra/),
    });
  });

  it('writes partitions as Hive folders with escaped and null values; values come back from the log', async () => {
    const t = root('by-region');
    await fx.tables.createTableAs(
      t,
      `SELECT * FROM (VALUES (1, 'north', DATE '2024-05-01'), (2, 'a b/c=d%', DATE '2024-05-01'), (3, NULL, DATE '2024-05-02'),
                             (4, 'north', DATE '2024-05-02')) v(id, region, day)`,
      { partitionColumns: ['region', 'day'] },
    );
    const snap = await fx.tables.snapshot(t);
    expect(snap.metadata.partitionColumns).toEqual(['region', 'day']);
    const paths = snap.files.map((f) => f.path).sort();
    expect(paths.map((p) => p.split('/').slice(0, 2).join('/'))).toEqual([
      'region=__HIVE_DEFAULT_PARTITION__/day=2024-05-02',
      'region=a b%252Fc%253Dd%2525/day=2024-05-01'.replace(' ', '%20'),
      'region=north/day=2024-05-01',
      'region=north/day=2024-05-02',
    ]);
    expect(
      snap.files
        .map((f) => f.partitionValues)
        .sort((a, b) => String(a.region).localeCompare(String(b.region))),
    ).toEqual([
      { region: 'a b/c=d%', day: '2024-05-01' },
      { region: 'north', day: '2024-05-01' },
      { region: 'north', day: '2024-05-02' },
      { region: null, day: '2024-05-02' },
    ]);
    // On disk the folder holds the Hive-escaped name.
    expect((await readdir(t)).sort()).toContain('region=a b%2Fc%3Dd%25');
    const rows = plain(await fx.tables.readRows(t));
    expect(
      rows
        .sort((a, b) => Number(a.id) - Number(b.id))
        .map((r) => [r.id, r.region, (r.day as Date).toISOString().slice(0, 10)]),
    ).toEqual([
      [1, 'north', '2024-05-01'],
      [2, 'a b/c=d%', '2024-05-01'],
      [3, null, '2024-05-02'],
      [4, 'north', '2024-05-02'],
    ]);
    // The partition columns are not in the Parquet files.
    const cols = await fx.tables.engine.rows(
      `DESCRIBE SELECT * FROM read_parquet('${path.join(t, decodeURIComponent(paths[2]))}', hive_partitioning = false)`,
    );
    expect(cols.map((c) => c.column_name)).toEqual(['id']);
    const plan = await fx.tables.scan(t, { filters: [{ column: 'region', op: '=', value: 'north' }] });
    expect(plan.files).toHaveLength(2);
    expect(sortedNumbers(await fx.tables.engine.rows(plan.sql), 'id')).toEqual([1, 4]);
  });

  it('a timestamp_ntz column raises the protocol to 3/7 with the timestampNtz feature, and reads back', async () => {
    const t = root('ntz');
    await fx.tables.createTableAs(t, `SELECT 1 AS id, TIMESTAMP '2024-02-03 04:05:06.789' AS local_time`);
    const [, protocol] = await commitLines(t, 0);
    expect(protocol).toEqual({
      protocol: {
        minReaderVersion: 3,
        minWriterVersion: 7,
        readerFeatures: ['timestampNtz'],
        writerFeatures: ['timestampNtz'],
      },
    });
    const [row] = plain(await fx.tables.readRows(t));
    expect((row.local_time as Date).toISOString()).toBe('2024-02-03T04:05:06.789Z');
    expect((await fx.tables.describe(t)).columns.map((c) => c.type)).toEqual(['INTEGER', 'TIMESTAMP']);
  });

  it('checkpoints every 10 commits; the checkpoint has the protocol struct columns and reads the same state', async () => {
    const t = root('many');
    await fx.tables.createTable(t, {
      columns: [
        { name: 'n', type: 'INTEGER' },
        { name: 'g', type: 'VARCHAR' },
      ],
      partitionColumns: ['g'],
    });
    for (let i = 1; i <= 12; i++) {
      const r = await fx.tables.insert(t, `SELECT ${i} AS n, 'g${i % 2}' AS g`);
      expect(r.checkpointError).toBeUndefined();
      if (i === 6) await fx.tables.delete(t, 'n = 3');
    }
    const log = path.join(t, '_delta_log');
    const names = await readdir(log);
    expect(names).toContain('00000000000000000010.checkpoint.parquet');
    expect(names.filter((n) => n.includes('checkpoint.parquet'))).toHaveLength(1);
    expect(JSON.parse(await readFile(path.join(log, '_last_checkpoint'), 'utf8'))).toMatchObject({
      version: 10,
      numOfAddFiles: 8,
    });
    const described = await fx.tables.engine.rows(
      `DESCRIBE SELECT * FROM read_parquet('${path.join(log, '00000000000000000010.checkpoint.parquet')}')`,
    );
    // Each checkpoint column has exactly the struct type of the protocol's checkpoint schema.
    expect(Object.fromEntries(described.map((r) => [r.column_name, r.column_type]))).toEqual(
      CHECKPOINT_COLUMNS,
    );
    const fromCheckpoint = await fx.tables.snapshot(t, { version: 10 });
    expect(fromCheckpoint.checkpointVersion).toBe(10);
    expect(fromCheckpoint.tombstones.map((r) => r.path)).toHaveLength(1);
    const latest = await fx.tables.snapshot(t);
    expect(latest.checkpointVersion).toBe(10);
    expect(latest.version).toBe(13);
    expect(sortedNumbers(await fx.tables.readRows(t), 'n')).toEqual([1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // The same state replayed from JSON alone.
    await rm(path.join(log, '00000000000000000010.checkpoint.parquet'));
    const replayed = await fx.tables.snapshot(t, { version: 10 });
    expect(replayed.checkpointVersion).toBeNull();
    const key = (s: typeof replayed) =>
      s.files.map((f) => JSON.stringify([f.path, f.partitionValues, f.size, f.stats])).sort();
    expect(key(replayed)).toEqual(key(fromCheckpoint));
    expect(replayed.metadata).toEqual(fromCheckpoint.metadata);
    expect(replayed.protocol).toEqual(fromCheckpoint.protocol);
    await fx.tables.checkpoint(t);
    expect((await fx.tables.snapshot(t)).checkpointVersion).toBe(13);
  });

  it('reads a multi-part checkpoint, and only when all its parts are there', async () => {
    const t = root('many');
    const log = path.join(t, '_delta_log');
    const single = path.join(log, '00000000000000000013.checkpoint.parquet');
    for (const [part, cond] of [
      [1, 'add IS NULL'],
      [2, 'add IS NOT NULL'],
    ] as const) {
      await fx.tables.engine.rows(
        `COPY (SELECT * FROM read_parquet('${single}') WHERE ${cond}) TO '${path.join(log, `00000000000000000013.checkpoint.000000000${part}.0000000002.parquet`)}' (FORMAT parquet)`,
      );
    }
    await rm(single);
    const snap = await fx.tables.snapshot(t);
    expect(snap.checkpointVersion).toBe(13);
    expect(sortedNumbers(await fx.tables.readRows(t), 'n')).toEqual([1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    await rm(path.join(log, '00000000000000000013.checkpoint.0000000002.0000000002.parquet'));
    const partial = await fx.tables.snapshot(t);
    expect(partial.checkpointVersion).toBeNull(); // no checkpoint of 10 or 13 is complete any more
    expect(partial.files).toHaveLength(snap.files.length);
  });

  it('delete and update rewrite only the files holding matching rows', async () => {
    const t = root('edits');
    await fx.tables.createTableAs(t, 'SELECT 1 AS id, 10 AS v');
    await fx.tables.insert(t, 'SELECT i AS id, i * 10 AS v FROM range(2, 5) r(i)');
    await fx.tables.insert(t, 'SELECT i AS id, i * 10 AS v FROM range(5, 8) r(i)');
    const before = await fx.tables.snapshot(t);
    const deleted = await fx.tables.delete(t, 'id = 3 OR id = 4', { userMetadata: 'cleanup' });
    expect(deleted).toMatchObject({ version: 3, numDeletedRows: 2, numRemovedFiles: 1, numAddedFiles: 1 });
    const afterDelete = await fx.tables.snapshot(t);
    const untouched = before.files.filter((f) => afterDelete.files.some((g) => g.path === f.path));
    expect(untouched).toHaveLength(2);
    expect(sortedNumbers(await fx.tables.readRows(t), 'id')).toEqual([1, 2, 5, 6, 7]);
    const none = await fx.tables.delete(t, 'id > 100');
    expect(none).toMatchObject({ version: 3, numDeletedRows: 0 }); // nothing matched: no commit
    const updated = await fx.tables.update(t, { v: 'v + 1' }, 'id >= 6');
    expect(updated).toMatchObject({ version: 4, numUpdatedRows: 2, numRemovedFiles: 1 });
    expect(
      plain(await fx.tables.engine.rows(`SELECT id, v FROM (${(await fx.tables.scan(t)).sql}) ORDER BY id`)),
    ).toEqual([
      { id: 1, v: 10 },
      { id: 2, v: 20 },
      { id: 5, v: 50 },
      { id: 6, v: 61 },
      { id: 7, v: 71 },
    ]);
    const [delInfo, ...delActions] = await commitLines(t, 3);
    expect(delInfo.commitInfo).toMatchObject({
      operation: 'DELETE',
      isBlindAppend: false,
      readVersion: 2,
      userMetadata: 'cleanup',
    });
    expect(delActions.filter((a) => a.remove).map((a) => a.remove.path)).toEqual([before.files[1].path]);
    expect(delActions.find((a) => a.remove)?.remove).toMatchObject({
      dataChange: true,
      extendedFileMetadata: true,
      size: before.files[1].size,
    });
    // Old versions still read as they were.
    expect(sortedNumbers(await fx.tables.readRows(t, { version: 2 }), 'id')).toEqual([1, 2, 3, 4, 5, 6, 7]);

    const history = await fx.tables.history(t);
    expect(history.map((h) => [h.version, h.operation])).toEqual([
      [4, 'UPDATE'],
      [3, 'DELETE'],
      [2, 'WRITE'],
      [1, 'WRITE'],
      [0, 'CREATE TABLE AS SELECT'],
    ]);
    expect(history[1]).toMatchObject({
      userMetadata: 'cleanup',
      readVersion: 2,
      operationMetrics: { numDeletedRows: '2' },
    });

    await fx.tables.overwrite(t, 'SELECT 100 AS id, 1 AS v');
    expect(sortedNumbers(await fx.tables.readRows(t), 'id')).toEqual([100]);
    expect(await count(t, 4)).toBe(5);
  });

  it('vacuum deletes only files no version within the retention reads', async () => {
    const t = root('edits');
    const dry = await fx.tables.vacuum(t, { dryRun: true });
    expect(dry.deleted).toEqual([]); // everything removed is younger than a week
    const later = Date.now() + 8 * 24 * 3600 * 1000;
    const planned = await fx.tables.vacuum(t, { dryRun: true, now: later });
    // Every file removed so far: the live files of versions 0 to 4, all replaced by the overwrite.
    const tombstones = (await fx.tables.snapshot(t)).tombstones.map((r) => decodeURIComponent(r.path)).sort();
    expect(tombstones).toHaveLength(5);
    expect(planned.deleted).toEqual(tombstones);
    const done = await fx.tables.vacuum(t, { now: later });
    expect(done.deleted).toEqual(planned.deleted);
    expect(sortedNumbers(await fx.tables.readRows(t), 'id')).toEqual([100]);
    await expect(fx.tables.readRows(t, { version: 4 })).rejects.toMatchObject({
      code: 'TABLE_DATA_FILE_MISSING',
      message: expect.stringContaining(
        'Version 4 is older than the latest (5); its files were probably removed by VACUUM',
      ),
    });
    // Leftovers of a writer killed mid-write go too, once older than the retention.
    await mkdir(path.join(t, '_lakebench_staging_dead'), { recursive: true });
    await writeFile(path.join(t, '_lakebench_staging_dead', 'x.parquet'), 'x');
    await writeFile(path.join(t, '_delta_log', '.00000000000000000009.json.dead.tmp'), '{}');
    expect((await fx.tables.vacuum(t)).deleted).toEqual([]);
    expect((await fx.tables.vacuum(t, { now: later })).deleted).toEqual([
      '_delta_log/.00000000000000000009.json.dead.tmp',
      '_lakebench_staging_dead',
    ]);
    expect((await readdir(t)).filter((n) => n.startsWith('_'))).toEqual(['_delta_log']);
  });

  it('append-only tables refuse deletes', async () => {
    const t = root('append-only');
    await fx.tables.createTable(t, {
      columns: [{ name: 'x', type: 'INTEGER' }],
      configuration: { 'delta.appendOnly': 'true' },
    });
    await fx.tables.insert(t, 'SELECT 1 AS x');
    await expect(fx.tables.delete(t, 'x = 1')).rejects.toMatchObject({
      message: expect.stringContaining('append-only'),
    });
    await expect(
      fx.tables.createTable(t, { columns: [{ name: 'x', type: 'INTEGER' }] }),
    ).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  });

  it('refuses to write tables with writer features it does not honour', async () => {
    await expect(fx.tables.insert(reference('cdf-table'), 'SELECT 1 AS id')).rejects.toMatchObject({
      code: 'TABLE_UNSUPPORTED_FEATURE',
      message: expect.stringContaining('`changeDataFeed`'),
    });
  });

  it('matches columns by name regardless of case and order', async () => {
    const t = root('events');
    const r = await fx.tables.insert(
      t,
      `SELECT true AS OK, NULL::TIMESTAMPTZ AS at, 1.5 AS Amount, DATE '2024-03-01' AS day, 'm' AS NAME, 99 AS ID`,
    );
    expect(r.numOutputRows).toBe(1);
    const rows = plain(await fx.tables.readRows(t, { filters: [{ column: 'id', op: '=', value: 99 }] }));
    expect(rows).toMatchObject([{ id: 99, name: 'm', amount: 1.5, ok: true, at: null }]);
  });

  it('skips files only when the statistics can judge the filter', async () => {
    const t = root('skipping');
    await fx.tables.createTableAs(t, `SELECT 'émile' AS name, DATE '2024-01-05' AS day, 1 AS n`);
    await fx.tables.insert(t, `SELECT 'zoé' AS name, DATE '2024-02-05' AS day, 2 AS n`);
    const plan = async (column: string, value: string | number) =>
      fx.tables.scan(t, { filters: [{ column, op: '=', value }] });
    // Non-ASCII bounds order differently in UTF-16 and UTF-8: no file is skipped by them.
    expect((await plan('name', 'zoé')).skippedFiles).toBe(0);
    expect((await plan('day', '2024-02-05')).skippedFiles).toBe(1);
    // A date not in full ISO form cannot be compared as text: nothing skipped, the WHERE still filters.
    const loose = await plan('day', '2024-2-5');
    expect(loose.skippedFiles).toBe(0);
    expect((await plan('n', 2)).skippedFiles).toBe(1);
    expect(sortedNumbers(await fx.tables.engine.rows((await plan('n', 2)).sql), 'n')).toEqual([2]);
  });

  it('refuses to write a table whose columns carry invariants', async () => {
    const t = root('invariants');
    await mkdir(path.join(t, '_delta_log'), { recursive: true });
    const schema = {
      type: 'struct',
      fields: [
        {
          name: 'x',
          type: 'integer',
          nullable: true,
          metadata: { 'delta.invariants': '{"expression":{"expression":"x > 0"}}' },
        },
      ],
    };
    await writeFile(
      path.join(t, '_delta_log', '00000000000000000000.json'),
      [
        { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
        {
          metaData: {
            id: 'i',
            format: { provider: 'parquet', options: {} },
            schemaString: JSON.stringify(schema),
            partitionColumns: [],
            configuration: {},
          },
        },
      ]
        .map((a) => JSON.stringify(a))
        .join('\n'),
    );
    expect(await fx.tables.readRows(t)).toEqual([]);
    await expect(fx.tables.insert(t, 'SELECT 1 AS x')).rejects.toMatchObject({
      code: 'TABLE_UNSUPPORTED_FEATURE',
      message: expect.stringContaining('writer feature `invariants`'),
    });
  });

  it('lists the Delta tables of a workspace', async () => {
    const ws = path.join(fx.dir, 'workspace');
    expect(await listWorkspaceTables(ws)).toEqual([]);
    await fx.tables.createTable(tablePath(ws, 'main', 'orders'), {
      columns: [{ name: 'id', type: 'BIGINT' }],
    });
    await fx.tables.createTable(tablePath(ws, 'raw', 'events'), {
      columns: [{ name: 'id', type: 'BIGINT' }],
    });
    await mkdir(path.join(ws, 'tables', 'main', 'not_a_table'), { recursive: true });
    expect(await listWorkspaceTables(ws)).toEqual([
      { schema: 'main', name: 'orders', path: path.join(ws, 'tables', 'main', 'orders') },
      { schema: 'raw', name: 'events', path: path.join(ws, 'tables', 'raw', 'events') },
    ]);
  });

  it('places workspace tables under tables/<schema>/<name> and rejects names that leave it', () => {
    expect(tablePath('/ws', 'main', 'sales_2024')).toBe(path.join('/ws', 'tables', 'main', 'sales_2024'));
    expect(() => tablePath('/ws', '..', 'x')).toThrow('".." is not a valid schema');
    expect(() => tablePath('/ws', 'main', 'a/b')).toThrow('is not a valid table name');
  });

  it('an insert with a transaction id is committed once, however often it is retried', async () => {
    const t = root('exactly-once');
    await fx.tables.createTable(t, { columns: [{ name: 'x', type: 'INTEGER' }] });
    const batch = { appId: 'landing/orders', version: 3 };
    const first = await fx.tables.insert(t, 'SELECT 1 AS x', { transaction: batch });
    expect(first).toMatchObject({ version: 1, numOutputRows: 1 });
    expect((await commitLines(t, 1))[1]).toMatchObject({ txn: { appId: 'landing/orders', version: 3 } });
    const again = await fx.tables.insert(t, 'SELECT 1 AS x', { transaction: batch });
    expect(again).toMatchObject({ version: 1, skipped: true, numOutputRows: 0 });
    const older = await fx.tables.insert(t, 'SELECT 1 AS x', { transaction: { ...batch, version: 2 } });
    expect(older.skipped).toBe(true);
    const next = await fx.tables.insert(t, 'SELECT 2 AS x', { transaction: { ...batch, version: 4 } });
    expect(next).toMatchObject({ version: 2 });
    expect(sortedNumbers(await fx.tables.readRows(t), 'x')).toEqual([1, 2]);
    expect((await fx.tables.snapshot(t)).txns.get('landing/orders')?.version).toBe(4);
  });

  it('log cleanup deletes only commits older than the retention that a checkpoint covers', async () => {
    const t = root('many');
    const log = path.join(t, '_delta_log');
    // Checkpoint 10 was removed and the multi-part one of 13 made incomplete above: write a full one again.
    await fx.tables.checkpoint(t);
    expect(await fx.tables.cleanupLog(t)).toEqual([]); // nothing is 30 days old
    const later = Date.now() + 31 * 24 * 3600 * 1000;
    const deleted = await fx.tables.cleanupLog(t, { now: later });
    expect(deleted).toContain('00000000000000000000.json');
    expect(deleted).toContain('00000000000000000012.json');
    expect(deleted).not.toContain('00000000000000000013.json');
    expect((await readdir(log)).filter((n) => /^\d{20}\.json$/.test(n))).toEqual([
      '00000000000000000013.json',
    ]);
    await expect(fx.tables.snapshot(t, { version: 12 })).rejects.toMatchObject({
      code: 'TABLE_VERSION_NOT_FOUND',
      message: expect.stringContaining('the oldest version that can be read is 13'),
    });
    expect(sortedNumbers(await fx.tables.readRows(t), 'n')).toEqual([1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('a NOT NULL column refuses a null, and nothing is committed', async () => {
    const t = root('not-null');
    await fx.tables.createTable(t, {
      columns: [
        { name: 'id', type: 'INTEGER', nullable: false },
        { name: 'note', type: 'VARCHAR' },
      ],
    });
    await expect(
      fx.tables.insert(t, `SELECT * FROM (VALUES (1, 'a'), (NULL, 'b')) v(id, note)`),
    ).rejects.toMatchObject({
      message: expect.stringContaining('the column id cannot be null'),
    });
    expect((await fx.tables.snapshot(t)).version).toBe(0);
    // The failed write left no file behind.
    expect(await readdir(t)).toEqual(['_delta_log']);
    await fx.tables.insert(t, `SELECT 1 AS id, NULL AS note`);
    expect((await fx.tables.snapshot(t)).version).toBe(1);
  });

  it('many partitions read through one scan joined with their values, and delete works there too', async () => {
    const t = root('many-partitions');
    await fx.tables.createTableAs(
      t,
      `SELECT i AS id, (i % 12)::INTEGER AS bucket, CASE WHEN i % 12 = 11 THEN NULL ELSE 'c' || (i % 3) END AS colour FROM range(240) r(i)`,
      { partitionColumns: ['bucket', 'colour'] },
    );
    const plan = await fx.tables.scan(t);
    expect(plan.files).toHaveLength(12);
    expect(plan.sql).toContain(' JOIN (VALUES ');
    const rows = plain(
      await fx.tables.engine.rows(
        `SELECT bucket, colour, count(*) AS n, min(id) AS first FROM (${plan.sql}) GROUP BY ALL ORDER BY bucket`,
      ),
    );
    expect(rows).toHaveLength(12);
    expect(rows[0]).toEqual({ bucket: 0, colour: 'c0', n: 20, first: 0 });
    expect(rows[11]).toEqual({ bucket: 11, colour: null, n: 20, first: 11 });
    const types = await fx.tables.engine.rows(`DESCRIBE ${plan.sql}`);
    expect(types.map((r) => [r.column_name, r.column_type])).toEqual([
      ['id', 'BIGINT'],
      ['bucket', 'INTEGER'],
      ['colour', 'VARCHAR'],
    ]);
    const deleted = await fx.tables.delete(t, 'bucket = 11 OR id = 5');
    expect(deleted).toMatchObject({ numDeletedRows: 21, numRemovedFiles: 2 });
    expect(await count(t)).toBe(219);
  });

  it('timestamp statistics skip files for filters with an explicit zone, widened by their millisecond', async () => {
    const t = root('times');
    await fx.tables.createTableAs(t, `SELECT 1 AS n, TIMESTAMPTZ '2024-01-01 10:00:00.0004+00' AS at`);
    await fx.tables.insert(t, `SELECT 2 AS n, TIMESTAMPTZ '2024-06-01 10:00:00+00' AS at`);
    const skipped = async (op: '<' | '>' | '=' | '<=', value: string) =>
      (await fx.tables.scan(t, { filters: [{ column: 'at', op, value }] })).skippedFiles;
    expect(await skipped('<', '2024-03-01T00:00:00Z')).toBe(1);
    expect(await skipped('>', '2024-03-01T00:00:00+02:00')).toBe(1);
    expect(await skipped('=', '2024-06-01T10:00:00.000Z')).toBe(1);
    // The first file's true max is 0.4 ms past its stored max: it must be kept.
    expect(await skipped('>', '2024-01-01T10:00:00.000Z')).toBe(0);
    expect(await skipped('<=', '2024-03-01 00:00:00')).toBe(0); // no zone: not comparable, nothing skipped
    const rows = plain(
      await fx.tables.engine.rows(
        (await fx.tables.scan(t, { filters: [{ column: 'at', op: '>', value: '2024-01-01T10:00:00.000Z' }] }))
          .sql,
      ),
    );
    expect(rows.map((r) => r.n).sort()).toEqual([1, 2]);
  });

  it('a checkpoint that cannot be written is reported, and the commit stands', async () => {
    const warnings: string[] = [];
    const { engine, close } = await TableEngine.inMemory((m) => warnings.push(m));
    try {
      const tables = new DeltaTables(engine);
      const t = root('checkpoint-fails');
      await tables.createTable(t, {
        columns: [{ name: 'x', type: 'INTEGER' }],
        configuration: { 'delta.checkpointInterval': '2' },
      });
      await tables.insert(t, 'SELECT 1 AS x');
      // A folder where _last_checkpoint should be: the checkpoint step fails.
      await mkdir(path.join(t, '_delta_log', '_last_checkpoint'));
      const r = await tables.insert(t, 'SELECT 2 AS x');
      expect(r.version).toBe(2);
      expect(r.checkpointError).toContain('the checkpoint of version 2 was not written');
      expect(warnings).toEqual([r.checkpointError]);
      expect(sortedNumbers(await tables.readRows(t), 'x')).toEqual([1, 2]);
    } finally {
      close();
    }
  });

  it('a column added to the schema later reads as NULL in the files written before it', async () => {
    const t = root('evolved');
    await fx.tables.createTableAs(t, 'SELECT i AS id, (i % 10)::INTEGER AS g FROM range(20) r(i)', {
      partitionColumns: ['g'],
    });
    const snap = await fx.tables.snapshot(t);
    const schema = JSON.parse(snap.metadata.schemaString) as { fields: object[] };
    schema.fields.push({ name: 'note', type: 'string', nullable: true, metadata: {} });
    await fx.tables.commit(
      t,
      [{ kind: 'metaData', metaData: { ...snap.metadata, schemaString: JSON.stringify(schema) } }],
      {
        operation: 'ADD COLUMNS',
        readVersion: snap.version,
        isBlindAppend: false,
      },
    );
    // Ten partitions: the joined scan; one partition: the per-group scan.
    expect(plain(await fx.tables.readRows(t, { filters: [{ column: 'id', op: '=', value: 3 }] }))).toEqual([
      { id: 3, g: 3, note: null },
    ]);
    expect(
      plain(await fx.tables.readRows(t, { filters: [{ column: 'g', op: '=', value: 4 }] })),
    ).toHaveLength(2);
    await fx.tables.insert(t, `SELECT 100 AS id, 4 AS g, 'new' AS note`);
    const g4 = plain(await fx.tables.readRows(t, { filters: [{ column: 'g', op: '=', value: 4 }] }));
    expect(g4.map((r) => [r.id, r.note]).sort()).toEqual([
      [100, 'new'],
      [14, null],
      [4, null],
    ]);
    expect(await count(t)).toBe(21);
    expect((await fx.tables.delete(t, 'note IS NULL AND id < 10')).numDeletedRows).toBe(10);
    expect(await count(t)).toBe(11);
  });
});
