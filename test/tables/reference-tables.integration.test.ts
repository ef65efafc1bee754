/**
 * Every reference table (written by Spark and delta-rs) read at every version through Lakebench's log replay
 * and DuckDB, against what the tables' README and delta-rs's own tests say they hold.
 */
import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { DeltaTables, TableEngine } from '../../electron/core/tables';
import { copyTable, plain, reference, sortedNumbers, useTables } from './helpers';

const fx = useTables('delta-read');

async function ids(table: string, column: string, version?: number): Promise<number[]> {
  return sortedNumbers(
    await fx.tables.readRows(reference(table), version === undefined ? {} : { version }),
    column,
  );
}

describe('reading the reference Delta tables', () => {
  it('simple_table: every version, with removes replayed; the latest is what delta-rs reads', async () => {
    const snap = await fx.tables.snapshot(reference('simple_table'));
    expect(snap.version).toBe(4);
    expect(snap.protocol).toEqual({ minReaderVersion: 1, minWriterVersion: 2 });
    // delta-rs read_simple_table: the live files at version 4.
    expect(snap.files.map((f) => f.path).sort()).toEqual(
      [
        'part-00000-c1777d7d-89d9-4790-b38a-6ee7e24456b1-c000.snappy.parquet',
        'part-00001-7891c33d-cedc-47c3-88a6-abcfb049d3b4-c000.snappy.parquet',
        'part-00004-315835fe-fb44-4562-98f6-5e6cfa3ae45d-c000.snappy.parquet',
        'part-00007-3a0e4727-de0d-41b6-81ef-5223cf40f025-c000.snappy.parquet',
        'part-00000-2befed33-c358-4768-a43c-3eda0d2a499d-c000.snappy.parquet',
      ].sort(),
    );
    // delta-rs test_read_simple_table_to_dict: {"id": [5, 7, 9]}.
    expect(await ids('simple_table', 'id')).toEqual([5, 7, 9]);
    expect(await ids('simple_table', 'id', 0)).toEqual([0, 1, 2, 3, 4]);
    expect(await ids('simple_table', 'id', 1)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await ids('simple_table', 'id', 2)).toEqual([5, 6, 7, 8, 9]);
    expect(await ids('simple_table', 'id', 3)).toEqual([5, 7, 9, 106, 108]);
    expect(await ids('simple_table', 'id', 4)).toEqual([5, 7, 9]);
    const v1 = await fx.tables.snapshot(reference('simple_table'), { version: 1 });
    expect(v1.files).toHaveLength(22); // 6 added at v0, 5 of them removed and 21 added at v1
    expect(v1.tombstones).toHaveLength(5);
  });

  it('simple_table: history lists every commit from its commitInfo, newest first', async () => {
    const history = await fx.tables.history(reference('simple_table'));
    expect(history.map((h) => [h.version, h.operation, h.readVersion])).toEqual([
      [4, 'DELETE', 3],
      [3, 'UPDATE', 2],
      [2, 'WRITE', 1],
      [1, 'MERGE', 0],
      [0, 'WRITE', null],
    ]);
    expect(history[2].operationParameters).toEqual({ mode: 'Overwrite', partitionBy: '[]' });
    expect(history[4].timestamp).toBe(1587968586154);
  });

  it('simple_table: time travel by timestamp picks the version committed at or before it', async () => {
    // commitInfo timestamps: v0 1587968586154, v1 1587968596254, v2 1587968604143.
    expect((await fx.tables.snapshot(reference('simple_table'), { timestamp: 1587968596254 })).version).toBe(
      1,
    );
    expect((await fx.tables.snapshot(reference('simple_table'), { timestamp: 1587968604142 })).version).toBe(
      1,
    );
    expect((await fx.tables.snapshot(reference('simple_table'), { timestamp: 1e13 })).version).toBe(4);
    await expect(fx.tables.snapshot(reference('simple_table'), { timestamp: 1000 })).rejects.toMatchObject({
      code: 'TABLE_VERSION_NOT_FOUND',
      message: expect.stringContaining('no version existed at 1970-01-01T00:00:01.000Z'),
    });
  });

  it('simple_table_with_checkpoint: version 10 starts from the checkpoint; earlier versions replay JSON', async () => {
    const latest = await fx.tables.snapshot(reference('simple_table_with_checkpoint'));
    expect(latest.version).toBe(10);
    expect(latest.checkpointVersion).toBe(10);
    expect(latest.files).toHaveLength(11);
    for (let v = 0; v <= 9; v++) {
      const snap = await fx.tables.snapshot(reference('simple_table_with_checkpoint'), { version: v });
      expect(snap.checkpointVersion).toBeNull();
      expect(await ids('simple_table_with_checkpoint', 'version', v)).toEqual(
        Array.from({ length: v + 1 }, (_, i) => i),
      );
    }
    expect(await ids('simple_table_with_checkpoint', 'version')).toEqual([0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('checkpoints: the log replays to 12 files at version 12, and reading names the missing data files', async () => {
    for (let v = 0; v <= 12; v++) {
      const snap = await fx.tables.snapshot(reference('checkpoints'), { version: v });
      expect(snap.files).toHaveLength(v);
    }
    const snap = await fx.tables.snapshot(reference('checkpoints'));
    expect(snap.metadata.partitionColumns).toEqual(['date']);
    expect(snap.files.filter((f) => f.partitionValues.date === '2020-06-03')).toHaveLength(4);
    const described = await fx.tables.describe(reference('checkpoints'));
    expect(described.columns).toEqual([
      {
        name: 'some_struct',
        type: 'STRUCT("some_struct_member" VARCHAR, "some_struct_timestamp" TIMESTAMP WITH TIME ZONE)',
        nullable: true,
        partition: false,
      },
      { name: 'value', type: 'VARCHAR', nullable: true, partition: false },
      { name: 'ts', type: 'TIMESTAMP WITH TIME ZONE', nullable: true, partition: false },
      { name: 'date', type: 'VARCHAR', nullable: true, partition: true },
    ]);
    // The table is log only: its data files are not there, and the error says which.
    await expect(fx.tables.readRows(reference('checkpoints'))).rejects.toMatchObject({
      code: 'TABLE_DATA_FILE_MISSING',
      message: expect.stringContaining('12 data files that are missing: date=2020-06-0'),
    });
  });

  it('delta-0.8.0: a delete rewrote one file; _change_data and _delta_index are ignored', async () => {
    expect(await ids('delta-0.8.0', 'value', 0)).toEqual([0, 1, 2, 3, 4]);
    // delta-rs: the latest version holds [0, 1, 2, 4].
    expect(await ids('delta-0.8.0', 'value')).toEqual([0, 1, 2, 4]);
  });

  it('delta-0.8.0-partitioned: partition values come from the log', async () => {
    const rows = plain(await fx.tables.readRows(reference('delta-0.8.0-partitioned')));
    expect(rows.sort((a, b) => Number(a.value) - Number(b.value))).toEqual([
      { value: '1', year: '2020', month: '1', day: '1' },
      { value: '2', year: '2020', month: '2', day: '3' },
      { value: '3', year: '2020', month: '2', day: '5' },
      { value: '4', year: '2021', month: '4', day: '5' },
      { value: '5', year: '2021', month: '12', day: '4' },
      { value: '6', year: '2021', month: '12', day: '20' },
      { value: '7', year: '2021', month: '12', day: '20' },
    ]);
    const plan = await fx.tables.scan(reference('delta-0.8.0-partitioned'), {
      filters: [{ column: 'year', op: '=', value: '2021' }],
    });
    expect(plan.files).toHaveLength(3);
    expect(plan.skippedFiles).toBe(3);
    expect(sortedNumbers(await fx.tables.engine.rows(plan.sql), 'value')).toEqual([4, 5, 6, 7]);
  });

  it('reads as Arrow IPC batches, partition columns typed', async () => {
    const batches = await fx.tables.readArrow(reference('delta-2.2.0-partitioned-types'), { batchRows: 2 });
    const tables = batches.map((b) => tableFromIPC(b));
    expect(tables.reduce((n, t) => n + t.numRows, 0)).toBe(3);
    expect(tables[0].schema.fields.map((f) => [f.name, String(f.type)])).toEqual([
      ['c1', 'Int32'],
      ['c2', 'Utf8'],
      ['c3', 'Int32'],
    ]);
    const empty = await fx.tables.readArrow(reference('delta-0.8-empty'));
    expect(empty).toHaveLength(1);
    expect(tableFromIPC(empty[0]).schema.fields.map((f) => f.name)).toEqual(['column']);
  });

  it('delta-0.8.0-null-partition: a null partition value reads as NULL', async () => {
    const rows = plain(await fx.tables.readRows(reference('delta-0.8.0-null-partition')));
    expect(rows.sort((a, b) => Number(a.v) - Number(b.v))).toEqual([
      { k: 'A', v: 1 },
      { k: null, v: 2 },
    ]);
  });

  it('delta-0.8-empty: all data removed leaves an empty snapshot with its schema', async () => {
    // commitInfo of version 0: numOutputRows 1 (in two files).
    expect(await ids('delta-0.8-empty', 'column', 0)).toHaveLength(1);
    const snap = await fx.tables.snapshot(reference('delta-0.8-empty'));
    expect(snap.files).toEqual([]);
    expect(await fx.tables.readRows(reference('delta-0.8-empty'))).toEqual([]);
    const plan = await fx.tables.scan(reference('delta-0.8-empty'));
    const described = await fx.tables.engine.rows(`DESCRIBE ${plan.sql}`);
    expect(described.map((r) => [r.column_name, r.column_type])).toEqual([['column', 'BIGINT']]);
  });

  it('delta-2.2.0-partitioned-types: integer and string partition columns are typed from the schema', async () => {
    const plan = await fx.tables.scan(reference('delta-2.2.0-partitioned-types'));
    const types = await fx.tables.engine.rows(`DESCRIBE ${plan.sql}`);
    expect(types.map((r) => [r.column_name, r.column_type])).toEqual([
      ['c1', 'INTEGER'],
      ['c2', 'VARCHAR'],
      ['c3', 'INTEGER'],
    ]);
    const rows = plain(await fx.tables.engine.rows(`${plan.sql} ORDER BY c1`));
    expect(rows).toEqual([
      { c1: 4, c2: 'c', c3: 5 },
      { c1: 5, c2: 'b', c3: 6 },
      { c1: 6, c2: 'a', c3: 4 },
    ]);
    const filtered = await fx.tables.scan(reference('delta-2.2.0-partitioned-types'), {
      filters: [{ column: 'c3', op: '>=', value: 5 }],
    });
    expect(filtered.skippedFiles).toBe(1); // c1=6 holds c3=4 only
    expect(sortedNumbers(await fx.tables.engine.rows(filtered.sql), 'c3')).toEqual([5, 6]);
  });

  it('table-without-dv-small: protocol 1/2, ten rows', async () => {
    expect(await ids('table-without-dv-small', 'value')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('table-with-dv-small: refused, naming the reader feature deletionVectors', async () => {
    for (const version of [0, 1]) {
      await expect(fx.tables.snapshot(reference('table-with-dv-small'), { version })).rejects.toMatchObject({
        code: 'TABLE_UNSUPPORTED_FEATURE',
        message: expect.stringContaining('reader feature `deletionVectors`'),
      });
    }
  });

  it('table_with_column_mapping: physical Parquet names read under their logical names', async () => {
    const rows = plain(await fx.tables.readRows(reference('table_with_column_mapping')));
    expect(rows.map((r) => `${String(r['Company Very Short'])}/${String(r['Super Name'])}`).sort()).toEqual([
      'BME/Timothy Lamb',
      'BMS/Anthony Johnson',
      'BMS/Mr. Daniel Ferguson MD',
      'BMS/Nathan Bennett',
      'BMS/Stephanie Mcgrath',
    ]);
    const plan = await fx.tables.scan(reference('table_with_column_mapping'), {
      filters: [{ column: 'Super Name', op: '=', value: 'Timothy Lamb' }],
    });
    expect(plan.files).toHaveLength(1); // skipped by the stats kept under physical names
  });

  it('cdf-table: cdc actions are not data; every version reads its rows', async () => {
    const all = Array.from({ length: 10 }, (_, i) => i + 1);
    for (const v of [0, 1, 2]) expect(await ids('cdf-table', 'id', v)).toEqual(all);
    expect(await ids('cdf-table', 'id', 3)).toEqual(all.filter((i) => i !== 7));
    const rows = plain(await fx.tables.readRows(reference('cdf-table'), { version: 2 }));
    const moved = rows.filter((r) => [5, 6, 7].includes(Number(r.id)));
    expect(moved.map((r) => (r.birthday as Date).toISOString().slice(0, 10))).toEqual([
      '2023-12-29',
      '2023-12-29',
      '2023-12-29',
    ]);
  });

  it('simple_table_features: refused at every version, naming the unknown reader feature blahabl', async () => {
    for (let version = 0; version <= 4; version++) {
      await expect(fx.tables.snapshot(reference('simple_table_features'), { version })).rejects.toMatchObject(
        {
          code: 'TABLE_UNSUPPORTED_FEATURE',
          message: expect.stringMatching(/reader features `blahabl`, `deletionVectors`, `v2Checkpoint`/),
        },
      );
    }
  });
});

describe('errors that say what is wrong and where', () => {
  it('a folder without _delta_log is not a Delta table', async () => {
    await mkdir(path.join(fx.dir, 'plain'), { recursive: true });
    await expect(fx.tables.snapshot(path.join(fx.dir, 'plain'))).rejects.toMatchObject({
      code: 'TABLE_NOT_DELTA',
      message: expect.stringContaining('has no _delta_log folder'),
    });
    await mkdir(path.join(fx.dir, 'empty-log', '_delta_log'), { recursive: true });
    await expect(fx.tables.snapshot(path.join(fx.dir, 'empty-log'))).rejects.toMatchObject({
      code: 'TABLE_NOT_DELTA',
      message: expect.stringContaining('has no commits'),
    });
  });

  it('a corrupt JSON line names the commit file and line', async () => {
    const root = await copyTable('simple_table', path.join(fx.dir, 'corrupt'));
    await appendFile(path.join(root, '_delta_log', '00000000000000000003.json'), '{"add": {"path": \n');
    await expect(fx.tables.snapshot(root)).rejects.toMatchObject({
      code: 'TABLE_LOG_CORRUPT',
      message: expect.stringMatching(/^_delta_log\/00000000000000000003\.json line 6: not valid JSON/),
      location: { file: '_delta_log/00000000000000000003.json', line: 6 },
    });
    // The versions before it still read.
    expect((await fx.tables.snapshot(root, { version: 2 })).version).toBe(2);
    await writeFile(path.join(root, '_delta_log', '00000000000000000003.json'), '{"add": {"path": 7}}\n');
    await expect(fx.tables.snapshot(root)).rejects.toMatchObject({
      message: expect.stringContaining('line 1: add.path must be a string'),
    });
  });

  it('a commit missing from the version sequence is named', async () => {
    const root = await copyTable('simple_table', path.join(fx.dir, 'gap'));
    await rm(path.join(root, '_delta_log', '00000000000000000002.json'));
    await expect(fx.tables.snapshot(root)).rejects.toMatchObject({
      code: 'TABLE_LOG_CORRUPT',
      message: expect.stringContaining(
        'commit 2 (_delta_log/00000000000000000002.json) is missing from the log (it has commit 1 and commit 3)',
      ),
    });
    expect(await sortedNumbers(await fx.tables.readRows(root, { version: 1 }), 'id')).toHaveLength(20);
  });

  it('a version whose log was cleaned up says so, and the checkpoint still serves later versions', async () => {
    const root = await copyTable('simple_table_with_checkpoint', path.join(fx.dir, 'expired'));
    for (let v = 0; v < 10; v++)
      await rm(path.join(root, '_delta_log', `${String(v).padStart(20, '0')}.json`));
    await expect(fx.tables.snapshot(root, { version: 5 })).rejects.toMatchObject({
      code: 'TABLE_VERSION_NOT_FOUND',
      message: expect.stringContaining('version 5 is no longer available'),
    });
    await expect(fx.tables.snapshot(root, { version: 11 })).rejects.toMatchObject({
      code: 'TABLE_VERSION_NOT_FOUND',
      message: expect.stringContaining('version 11 does not exist; the latest version is 10'),
    });
    expect(await ids('simple_table_with_checkpoint', 'version')).toHaveLength(11);
    expect(sortedNumbers(await fx.tables.readRows(root), 'version')).toEqual([
      0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    // The version read from the checkpoint keeps the time of its commit.
    expect((await fx.tables.snapshot(root)).timestamp).toBe(1615751716705);
  });

  it('a torn checkpoint gives way to replay from the commits, with a warning; without them it is named', async () => {
    const warnings: string[] = [];
    const { engine, close } = await TableEngine.inMemory((m) => warnings.push(m));
    try {
      const tables = new DeltaTables(engine);
      const root = await copyTable('simple_table_with_checkpoint', path.join(fx.dir, 'torn'));
      await writeFile(path.join(root, '_delta_log', '00000000000000000010.checkpoint.parquet'), 'PAR1 torn');
      const snap = await tables.snapshot(root);
      expect(snap.version).toBe(10);
      expect(snap.checkpointVersion).toBeNull();
      expect(snap.files).toHaveLength(11);
      expect(warnings[0]).toMatch(
        /the checkpoint _delta_log\/00000000000000000010\.checkpoint\.parquet cannot be read/,
      );
      for (let v = 0; v < 10; v++)
        await rm(path.join(root, '_delta_log', `${String(v).padStart(20, '0')}.json`));
      await expect(tables.snapshot(root)).rejects.toMatchObject({
        code: 'TABLE_LOG_CORRUPT',
        message: expect.stringContaining('00000000000000000010.checkpoint.parquet cannot be read'),
      });
    } finally {
      close();
    }
  });

  it('a data file listed but missing is named', async () => {
    const root = await copyTable('delta-0.8.0', path.join(fx.dir, 'lost'));
    await rm(path.join(root, 'part-00000-04ec9591-0b73-459e-8d18-ba5711d6cbe1-c000.snappy.parquet'));
    await expect(fx.tables.readRows(root)).rejects.toMatchObject({
      code: 'TABLE_DATA_FILE_MISSING',
      message: expect.stringContaining('a data file that is missing: part-00000-04ec9591'),
    });
    expect(await sortedNumbers(await fx.tables.readRows(root, { version: 0 }), 'value')).toEqual([
      0, 1, 2, 3, 4,
    ]);
  });
});
