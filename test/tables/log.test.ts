/**
 * Log replay and commit writing on small hand-written logs: reconciliation rules, protocol checks, and the
 * put-if-absent commit with its conflict rules.
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseActionLine, type Action } from '../../electron/core/tables/actions';
import { commitActions } from '../../electron/core/tables/commit';
import { TableEngine } from '../../electron/core/tables/engine';
import { assertReadable, assertWritable } from '../../electron/core/tables/protocol';
import { duckdbType, parseSchemaString, partitionLiteral } from '../../electron/core/tables/schema';
import { loadSnapshot } from '../../electron/core/tables/snapshot';
import { tempDir } from '../support/temp';

let dir = '';
let cleanup: () => Promise<void> = async () => undefined;
let engine: TableEngine;
let closeEngine: () => void = () => undefined;
let counter = 0;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('lakebench-delta-log-'));
  ({ engine, close: closeEngine } = await TableEngine.inMemory());
});
afterAll(async () => {
  closeEngine();
  await cleanup();
});

const SCHEMA = JSON.stringify({
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: true, metadata: {} },
    { name: 'p', type: 'string', nullable: true, metadata: {} },
  ],
});
const PROTOCOL = { protocol: { minReaderVersion: 1, minWriterVersion: 2 } };
const META = {
  metaData: {
    id: 't1',
    format: { provider: 'parquet', options: {} },
    schemaString: SCHEMA,
    partitionColumns: ['p'],
    configuration: {},
    createdTime: 1,
  },
};
const add = (p: string, extra: Record<string, unknown> = {}) => ({
  add: { path: p, partitionValues: { p: 'a' }, size: 1, modificationTime: 1, dataChange: true, ...extra },
});
const remove = (p: string, extra: Record<string, unknown> = {}) => ({
  remove: { path: p, deletionTimestamp: 5, dataChange: true, ...extra },
});

/** Writes a table whose commits are the given lists of actions. */
async function table(commits: object[][]): Promise<string> {
  const root = path.join(dir, `t${counter++}`);
  await mkdir(path.join(root, '_delta_log'), { recursive: true });
  for (let v = 0; v < commits.length; v++) {
    await writeFile(
      path.join(root, '_delta_log', `${String(v).padStart(20, '0')}.json`),
      commits[v].map((a) => JSON.stringify(a)).join('\n') + '\n',
    );
  }
  return root;
}

const snapshot = (root: string, version?: number) =>
  engine.withConnection((s) => loadSnapshot(s, root, version === undefined ? {} : { version }));

describe('log replay', () => {
  it('reconciles adds and removes by path; a re-added file is live again', async () => {
    const root = await table([
      [PROTOCOL, META, add('a.parquet'), add('b.parquet')],
      [remove('a.parquet'), add('c.parquet')],
      [add('a.parquet', { size: 7 })],
    ]);
    expect((await snapshot(root, 1)).files.map((f) => f.path)).toEqual(['b.parquet', 'c.parquet']);
    expect((await snapshot(root, 1)).tombstones.map((f) => f.path)).toEqual(['a.parquet']);
    const latest = await snapshot(root);
    expect(latest.files.map((f) => [f.path, f.size])).toEqual([
      ['b.parquet', 1],
      ['c.parquet', 1],
      ['a.parquet', 7],
    ]);
    expect(latest.tombstones).toEqual([]);
  });

  it('keys files by path and deletion vector, so a DV update replaces the file without a DV', async () => {
    const dv = { storageType: 'u', pathOrInlineDv: 'abc', offset: 1, sizeInBytes: 36, cardinality: 2 };
    const root = await table([
      [PROTOCOL, META, add('a.parquet')],
      [remove('a.parquet'), add('a.parquet', { deletionVector: dv })],
    ]);
    const snap = await snapshot(root);
    expect(snap.files).toHaveLength(1);
    expect(snap.files[0].deletionVector).toEqual(dv);
  });

  it('keeps the latest protocol, metadata and txn per app, and drops removed domains', async () => {
    const root = await table([
      [
        PROTOCOL,
        META,
        { txn: { appId: 'x', version: 1 } },
        { domainMetadata: { domain: 'd', configuration: '{}', removed: false } },
      ],
      [
        { metaData: { ...META.metaData, configuration: { k: 'v' } } },
        { txn: { appId: 'x', version: 2 } },
        { txn: { appId: 'y', version: 1 } },
        { domainMetadata: { domain: 'd', configuration: '{}', removed: true } },
        { someFutureAction: { a: 1 } },
      ],
    ]);
    const snap = await snapshot(root);
    expect(snap.metadata.configuration).toEqual({ k: 'v' });
    expect([...snap.txns.values()].map((t) => [t.appId, t.version])).toEqual([
      ['x', 2],
      ['y', 1],
    ]);
    expect(snap.domains.size).toBe(0);
  });

  it('says which file lacks protocol or metaData', async () => {
    const root = await table([[META, add('a.parquet')]]);
    await expect(snapshot(root)).rejects.toMatchObject({
      code: 'TABLE_LOG_CORRUPT',
      message: expect.stringContaining('no protocol action'),
    });
    const root2 = await table([
      [
        PROTOCOL,
        {
          metaData: {
            ...META.metaData,
            schemaString: '{"type":"struct","fields":[{"name":"x","type":"uuid"}]}',
          },
        },
      ],
    ]);
    await expect(snapshot(root2)).rejects.toMatchObject({
      message: expect.stringContaining(
        '_delta_log/00000000000000000000.json: metaData.schemaString: x has the unknown type "uuid"',
      ),
    });
  });

  it('rejects lines with two actions or none, naming the line', () => {
    expect(() => parseActionLine('{"add":{},"remove":{}}', { file: 'f.json', line: 3 })).toThrow(
      'f.json line 3: an action must have exactly one key, found add, remove',
    );
    expect(() => parseActionLine('{}', { file: 'f.json', line: 1 })).toThrow('found none');
  });
});

describe('protocol checks', () => {
  const meta = {
    id: 'x',
    format: { provider: 'parquet', options: {} },
    schemaString: SCHEMA,
    partitionColumns: [],
    configuration: {},
  };

  it('reads 1/x, 2/x with column mapping name mode, and 3 with known features only', () => {
    expect(() => assertReadable({ minReaderVersion: 1, minWriterVersion: 7 }, meta, 't')).not.toThrow();
    expect(() =>
      assertReadable(
        { minReaderVersion: 2, minWriterVersion: 5 },
        { ...meta, configuration: { 'delta.columnMapping.mode': 'name' } },
        't',
      ),
    ).not.toThrow();
    expect(() =>
      assertReadable(
        { minReaderVersion: 2, minWriterVersion: 5 },
        { ...meta, configuration: { 'delta.columnMapping.mode': 'id' } },
        't',
      ),
    ).toThrow('column mapping mode `id`');
    expect(() =>
      assertReadable(
        {
          minReaderVersion: 3,
          minWriterVersion: 7,
          readerFeatures: ['timestampNtz'],
          writerFeatures: ['timestampNtz'],
        },
        meta,
        't',
      ),
    ).not.toThrow();
    expect(() =>
      assertReadable(
        { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['v2Checkpoint'], writerFeatures: [] },
        meta,
        't',
      ),
    ).toThrow('reader feature `v2Checkpoint`');
    expect(() => assertReadable({ minReaderVersion: 4, minWriterVersion: 7 }, meta, 't')).toThrow(
      'reader version 4',
    );
  });

  it('writes only tables whose writer features it honours', () => {
    expect(() => assertWritable({ minReaderVersion: 1, minWriterVersion: 2 }, meta, 't')).not.toThrow();
    expect(() => assertWritable({ minReaderVersion: 1, minWriterVersion: 4 }, meta, 't')).toThrow(
      '`changeDataFeed`',
    );
    expect(() =>
      assertWritable(
        { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: [], writerFeatures: ['rowTracking'] },
        meta,
        't',
      ),
    ).toThrow('writer feature `rowTracking`');
  });
});

describe('schema and partition values', () => {
  it('maps Delta types, nested ones included, to DuckDB types', () => {
    const schema = parseSchemaString(
      JSON.stringify({
        type: 'struct',
        fields: [
          { name: 'd', type: 'decimal(12,3)', nullable: true, metadata: {} },
          { name: 'n', type: 'timestamp_ntz', nullable: true, metadata: {} },
          {
            name: 'a',
            type: { type: 'array', elementType: 'date', containsNull: true },
            nullable: true,
            metadata: {},
          },
          {
            name: 'm',
            type: {
              type: 'map',
              keyType: 'string',
              valueType: {
                type: 'struct',
                fields: [{ name: 'b', type: 'binary', nullable: true, metadata: {} }],
              },
              valueContainsNull: true,
            },
            nullable: true,
            metadata: {},
          },
        ],
      }),
      'x',
    );
    expect(schema.fields.map((f) => duckdbType(f.type))).toEqual([
      'DECIMAL(12, 3)',
      'TIMESTAMP',
      'DATE[]',
      'MAP(VARCHAR, STRUCT("b" BLOB))',
    ]);
  });

  it('reads partition values by the serialization rules, empty strings as null', async () => {
    const lit = (v: string | null, type: string) => partitionLiteral(v, { type: 'primitive', name: type });
    const [row] = await engine.rows(
      `SELECT ${lit('2021-03-04', 'date')} AS d, ${lit('1970-01-01 00:00:00.123456', 'timestamp')} AS t,
              ${lit('1970-01-01T00:00:01Z', 'timestamp')} AS tz, ${lit('', 'integer')} AS e, ${lit('true', 'boolean')} AS b,
              ${lit('\u0001\u0002', 'binary')} AS bin, ${lit("it's", 'string')} AS s`,
    );
    expect((row.d as Date).toISOString()).toBe('2021-03-04T00:00:00.000Z');
    expect((row.t as Date).toISOString()).toBe('1970-01-01T00:00:00.123Z');
    expect((row.tz as Date).toISOString()).toBe('1970-01-01T00:00:01.000Z');
    expect(row.e).toBeNull();
    expect(row.b).toBe(true);
    expect(Array.from(row.bin as Uint8Array)).toEqual([1, 2]);
    expect(row.s).toBe("it's");
  });
});

describe('commit writing', () => {
  const blind = { operation: 'WRITE', isBlindAppend: true } as const;
  const addAction = (p: string): Action => ({
    kind: 'add',
    add: { path: p, partitionValues: { p: 'a' }, size: 1, modificationTime: 1, dataChange: true },
  });

  it('writes the next version with commitInfo first, and leaves no temp file', async () => {
    const root = await table([[PROTOCOL, META]]);
    const result = await commitActions(root, [addAction('x.parquet')], {
      ...blind,
      readVersion: 0,
      userMetadata: 'notebook n.ipynb cell 2',
      extra: { 'lakebench.source': 'test' },
    });
    expect(result).toEqual({ version: 1, retries: 0 });
    const lines = (await readFile(path.join(root, '_delta_log', '00000000000000000001.json'), 'utf8'))
      .trim()
      .split('\n');
    const info = JSON.parse(lines[0]).commitInfo;
    expect(info).toMatchObject({
      operation: 'WRITE',
      readVersion: 0,
      isBlindAppend: true,
      engineInfo: 'Lakebench/0.1',
      userMetadata: 'notebook n.ipynb cell 2',
      'lakebench.source': 'test',
    });
    expect(typeof info.timestamp).toBe('number');
    expect(JSON.parse(lines[1])).toEqual({
      add: { path: 'x.parquet', partitionValues: { p: 'a' }, size: 1, modificationTime: 1, dataChange: true },
    });
    expect((await readdir(path.join(root, '_delta_log'))).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('a blind append that lost its version retries at the next one', async () => {
    const root = await table([[PROTOCOL, META], [add('other.parquet')], [add('third.parquet')]]);
    const result = await commitActions(root, [addAction('mine.parquet')], { ...blind, readVersion: 0 });
    expect(result).toEqual({ version: 3, retries: 2 });
    expect((await snapshot(root)).files.map((f) => f.path)).toEqual([
      'other.parquet',
      'third.parquet',
      'mine.parquet',
    ]);
  });

  it('fails with a conflict when the winner removed a file this one read or removes, or changed metadata', async () => {
    const root = await table([[PROTOCOL, META, add('a.parquet'), add('b.parquet')], [remove('a.parquet')]]);
    const mine: Action[] = [
      { kind: 'remove', remove: { path: 'a.parquet', dataChange: true, deletionTimestamp: 9 } },
    ];
    await expect(
      commitActions(root, mine, {
        operation: 'DELETE',
        isBlindAppend: false,
        readVersion: 0,
        readPaths: ['a.parquet', 'b.parquet'],
      }),
    ).rejects.toMatchObject({
      code: 'TABLE_COMMIT_CONFLICT',
      message: expect.stringContaining(
        'another writer committed version 1 (an unknown operation) first, and it also removed the file a.parquet',
      ),
    });
    await expect(
      commitActions(root, [addAction('n.parquet')], {
        operation: 'UPDATE',
        isBlindAppend: false,
        readVersion: 0,
        readPaths: ['a.parquet'],
      }),
    ).rejects.toMatchObject({
      message: expect.stringContaining('it removed the file a.parquet, which this operation read'),
    });
    const root2 = await table([
      [PROTOCOL, META],
      [{ commitInfo: { operation: 'SET TBLPROPERTIES' } }, META],
    ]);
    await expect(
      commitActions(root2, [addAction('n.parquet')], { ...blind, readVersion: 0 }),
    ).rejects.toMatchObject({
      message: expect.stringContaining(
        "version 1 (SET TBLPROPERTIES) first, and it changed the table's schema or settings",
      ),
    });
    const root3 = await table([[PROTOCOL, META, add('a.parquet')], [add('new.parquet')]]);
    await expect(
      commitActions(root3, mine, {
        operation: 'DELETE',
        isBlindAppend: false,
        readVersion: 0,
        readPaths: ['a.parquet'],
      }),
    ).rejects.toMatchObject({
      message: expect.stringContaining('it added data this operation would have had to read'),
    });
  });

  it('refuses actions naming files outside the table', async () => {
    const root = await table([[PROTOCOL, META]]);
    for (const p of ['../other/x.parquet', '/etc/x.parquet', 'file:///tmp/x.parquet', '%2E%2E/x.parquet']) {
      await expect(commitActions(root, [addAction(p)], { ...blind, readVersion: 0 })).rejects.toMatchObject({
        code: 'INVALID_REQUEST',
        message: expect.stringContaining('not a relative path inside the table'),
      });
    }
    expect((await snapshot(root)).version).toBe(0);
  });

  it('creating a table that exists fails and overwrites nothing', async () => {
    const root = await table([[PROTOCOL, META]]);
    const before = await readFile(path.join(root, '_delta_log', '00000000000000000000.json'), 'utf8');
    await expect(
      commitActions(root, [{ kind: 'protocol', protocol: { minReaderVersion: 1, minWriterVersion: 2 } }], {
        operation: 'CREATE TABLE',
        isBlindAppend: true,
        readVersion: -1,
      }),
    ).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(await readFile(path.join(root, '_delta_log', '00000000000000000000.json'), 'utf8')).toBe(before);
  });
});
