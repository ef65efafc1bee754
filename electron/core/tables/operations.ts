/**
 * What users do to tables, each one Delta commit: create (optionally from a query), insert, overwrite, delete
 * and update (rewriting only the files that hold matching rows), history, checkpoint, vacuum.
 */
import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { LakebenchError, errorMessage } from '../../../shared/errors';
import type { Action, AddFile, Metadata, Protocol, RemoveFile } from './actions';
import { checkpointInterval, parseInterval, tombstoneRetentionMs, writeCheckpoint } from './checkpoint';
import { commitActions, type CommitOptions, type CommitResult } from './commit';
import type { EngineSession } from './engine';
import { LOG_DIR, listLog, readCommit } from './log';
import { assertWritable, isAppendOnly } from './protocol';
import { fileColumns } from './file-columns';
import { dataFilePath, planScan } from './scan';
import {
  deltaTypeOfDuckdb,
  quoteIdent,
  schemaString,
  usesTimestampNtz,
  type DeltaField,
  type DeltaSchema,
  type DeltaType,
} from './schema';
import { loadSnapshot, readableRange, type Snapshot } from './snapshot';
import { writeDataFiles, type ParquetCodec } from './write';

/** Provenance every write may carry into its commitInfo. */
export interface WriteProvenance {
  /** Who or what wrote it, in free text (a notebook cell, a pipeline task). */
  userMetadata?: string;
  extra?: Record<string, unknown>;
  codec?: ParquetCodec;
}

export interface InsertOptions extends WriteProvenance {
  /**
   * Exactly-once appends (Delta's `txn` action): the batch `version` of application `appId` is written once;
   * inserting the same or an older batch again commits nothing and returns `skipped`.
   */
  transaction?: { appId: string; version: number };
}

export interface ColumnDefinition {
  name: string;
  /** A DuckDB type (`BIGINT`, `VARCHAR`, `TIMESTAMP WITH TIME ZONE`, `DECIMAL(10,2)`, ...) or a Delta type. */
  type: string | DeltaType;
  nullable?: boolean;
}

export interface TableDefinition {
  columns: ColumnDefinition[];
  partitionColumns?: string[];
  configuration?: Record<string, string>;
  name?: string;
  description?: string;
}

export interface WriteResult extends CommitResult {
  numAddedFiles: number;
  numRemovedFiles: number;
  numOutputRows: number;
  /** Set when the commit succeeded but its checkpoint could not be written (the table is fine). */
  checkpointError?: string;
  /** True when nothing was committed because the transaction's batch was already in the table. */
  skipped?: boolean;
}

function toField(c: ColumnDefinition, table: string): DeltaField {
  const type = typeof c.type === 'string' ? deltaTypeOfDuckdb(c.type) : c.type;
  if (!type) {
    throw new LakebenchError(
      'INVALID_REQUEST',
      `${table}: column ${c.name} has the type ${String(c.type)}, which a Delta table cannot store`,
    );
  }
  return { name: c.name, type, nullable: c.nullable !== false, metadata: {} };
}

/** The lowest protocol that serves a schema: 1/2, or 3/7 with `timestampNtz` when a column needs it. */
export function protocolFor(schema: DeltaSchema, configuration: Record<string, string>): Protocol {
  if (!schema.fields.some((f) => usesTimestampNtz(f.type)))
    return { minReaderVersion: 1, minWriterVersion: 2 };
  const writerFeatures = ['timestampNtz'];
  if (configuration['delta.appendOnly'] === 'true') writerFeatures.unshift('appendOnly');
  return { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['timestampNtz'], writerFeatures };
}

function validateDefinition(
  def: TableDefinition,
  table: string,
): { schema: DeltaSchema; partitionColumns: string[] } {
  if (def.columns.length === 0)
    throw new LakebenchError('INVALID_REQUEST', `${table}: a table needs at least one column`);
  const fields = def.columns.map((c) => toField(c, table));
  const seen = new Set<string>();
  for (const f of fields) {
    const key = f.name.toLowerCase();
    if (f.name.trim() === '') throw new LakebenchError('INVALID_REQUEST', `${table}: a column name is empty`);
    if (seen.has(key))
      throw new LakebenchError('INVALID_REQUEST', `${table}: the column ${f.name} appears twice`);
    seen.add(key);
  }
  const partitionColumns = def.partitionColumns ?? [];
  for (const p of partitionColumns) {
    const f = fields.find((x) => x.name === p);
    if (!f)
      throw new LakebenchError('INVALID_REQUEST', `${table}: the partition column ${p} is not a column`);
    if (f.type.type !== 'primitive' && f.type.type !== 'decimal') {
      throw new LakebenchError(
        'INVALID_REQUEST',
        `${table}: the partition column ${p} must have a simple type`,
      );
    }
    if (
      f.type.type === 'primitive' &&
      (f.type.name === 'binary' || f.type.name === 'float' || f.type.name === 'double')
    ) {
      throw new LakebenchError(
        'INVALID_REQUEST',
        `${table}: the partition column ${p} cannot be ${f.type.name}`,
      );
    }
  }
  if (partitionColumns.length && partitionColumns.length === fields.length) {
    throw new LakebenchError(
      'INVALID_REQUEST',
      `${table}: at least one column must not be a partition column`,
    );
  }
  return { schema: { fields }, partitionColumns };
}

async function checkpointIfDue(
  session: EngineSession,
  tableRoot: string,
  version: number,
  interval: number,
): Promise<string | undefined> {
  if (version === 0 || version % interval !== 0) return undefined;
  try {
    const snapshot = await loadSnapshot(session, tableRoot, { version });
    await writeCheckpoint(session, snapshot);
    if (snapshot.metadata.configuration['delta.enableExpiredLogCleanup'] !== 'false') {
      await cleanupLog(tableRoot, snapshot);
    }
    return undefined;
  } catch (err) {
    // The commit stands; without the checkpoint readers replay a few more JSON commits.
    const message = `${tableRoot}: the checkpoint of version ${version} was not written: ${errorMessage(err)}`;
    session.warn(message);
    return message;
  }
}

async function commitWrite(
  session: EngineSession,
  tableRoot: string,
  actions: Action[],
  options: CommitOptions,
  counts: { added: number; removed: number; rows: number },
  interval: number,
): Promise<WriteResult> {
  const result = await commitActions(tableRoot, actions, options);
  const checkpointError = await checkpointIfDue(session, tableRoot, result.version, interval);
  return {
    ...result,
    numAddedFiles: counts.added,
    numRemovedFiles: counts.removed,
    numOutputRows: counts.rows,
    ...(checkpointError ? { checkpointError } : {}),
  };
}

/** How long commits are kept for time travel (`delta.logRetentionDuration`, 30 days as in Delta). */
export function logRetentionMs(metadata: Metadata): number {
  return parseInterval(metadata.configuration['delta.logRetentionDuration'], 30 * 86_400_000);
}

/**
 * Metadata cleanup (PROTOCOL.md): deletes the commits and checkpoints before the newest checkpoint whose
 * earlier versions are all older than the log retention, so the oldest kept version still has its checkpoint.
 * Returns the names deleted.
 */
export async function cleanupLog(tableRoot: string, snapshot: Snapshot, now = Date.now()): Promise<string[]> {
  const listing = await listLog(tableRoot);
  const horizon = now - logRetentionMs(snapshot.metadata);
  let keepFrom: number | null = null;
  for (const c of [...listing.checkpoints].reverse()) {
    if (c.version === 0 || c.version > snapshot.version) continue;
    const before = c.version - 1;
    const expired = listing.commits.has(before)
      ? (await readCommit(listing.logDir, before)).timestamp <= horizon
      : true;
    if (expired) {
      keepFrom = c.version;
      break;
    }
  }
  if (keepFrom === null) return [];
  const from = keepFrom;
  const names = [
    ...[...listing.commits].filter(([v]) => v < from).map(([, name]) => name),
    ...listing.checkpoints.filter((c) => c.version < from).flatMap((c) => c.files),
  ].sort();
  for (const name of names) await rm(path.join(listing.logDir, name), { force: true });
  return names;
}

/** Creates a table (version 0), optionally holding the rows of a query. */
export async function createTable(
  session: EngineSession,
  tableRoot: string,
  def: TableDefinition,
  options: WriteProvenance & { asSelect?: string } = {},
): Promise<WriteResult> {
  const { schema, partitionColumns } = validateDefinition(def, tableRoot);
  const configuration = def.configuration ?? {};
  const protocol = protocolFor(schema, configuration);
  const metadata: Metadata = {
    id: randomUUID(),
    ...(def.name ? { name: def.name } : {}),
    ...(def.description ? { description: def.description } : {}),
    format: { provider: 'parquet', options: {} },
    schemaString: schemaString(schema),
    partitionColumns,
    configuration,
    createdTime: Date.now(),
  };
  const existing = await listLog(tableRoot).then(
    (l) => readableRange(l) !== null,
    (err: unknown) => {
      if (err instanceof LakebenchError && err.code === 'TABLE_NOT_DELTA') return false;
      throw err;
    },
  );
  if (existing)
    throw new LakebenchError('ALREADY_EXISTS', `${tableRoot} already is a Delta table`, { file: tableRoot });
  await mkdir(path.join(tableRoot, LOG_DIR), { recursive: true });
  const written = options.asSelect
    ? await writeDataFiles(session, tableRoot, schema, partitionColumns, options.asSelect, options)
    : { adds: [], numOutputRows: 0, numOutputBytes: 0 };
  const actions: Action[] = [
    { kind: 'protocol', protocol },
    { kind: 'metaData', metaData: metadata },
    ...written.adds.map((add): Action => ({ kind: 'add', add })),
  ];
  return commitWrite(
    session,
    tableRoot,
    actions,
    {
      readVersion: -1,
      operation: options.asSelect ? 'CREATE TABLE AS SELECT' : 'CREATE TABLE',
      operationParameters: {
        isManaged: 'false',
        description: def.description ?? null,
        partitionBy: JSON.stringify(partitionColumns),
        properties: JSON.stringify(configuration),
      },
      operationMetrics: metrics(written.adds.length, 0, written.numOutputRows, written.numOutputBytes),
      isBlindAppend: true,
      ...provenance(options),
    },
    { added: written.adds.length, removed: 0, rows: written.numOutputRows },
    10, // version 0 is never checkpointed
  );
}

/** The columns of a query as table columns (for CREATE TABLE AS SELECT). */
export async function columnsOfQuery(session: EngineSession, selectSql: string): Promise<ColumnDefinition[]> {
  const rows = await session.rows(`DESCRIBE SELECT * FROM (${selectSql})`);
  return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
}

function metrics(files: number, removed: number, rows: number, bytes: number): Record<string, string> {
  // Delta writes operation metrics as strings.
  return {
    numFiles: String(files),
    numRemovedFiles: String(removed),
    numOutputRows: String(rows),
    numOutputBytes: String(bytes),
  };
}

function provenance(p: WriteProvenance): Pick<CommitOptions, 'userMetadata' | 'extra'> {
  return {
    ...(p.userMetadata === undefined ? {} : { userMetadata: p.userMetadata }),
    ...(p.extra === undefined ? {} : { extra: p.extra }),
  };
}

async function writableSnapshot(session: EngineSession, tableRoot: string): Promise<Snapshot> {
  const snapshot = await loadSnapshot(session, tableRoot);
  assertWritable(snapshot.protocol, snapshot.metadata, tableRoot);
  return snapshot;
}

function removeOf(add: AddFile, now: number): RemoveFile {
  return {
    path: add.path,
    deletionTimestamp: now,
    dataChange: true,
    extendedFileMetadata: true,
    partitionValues: add.partitionValues,
    size: add.size,
    ...(add.stats ? { stats: add.stats } : {}),
  };
}

/** Appends the rows of a query (a blind append: it conflicts with no concurrent append). */
export async function insertInto(
  session: EngineSession,
  tableRoot: string,
  selectSql: string,
  options: InsertOptions & { beforeLink?: (version: number) => void } = {},
): Promise<WriteResult> {
  const snapshot = await writableSnapshot(session, tableRoot);
  const txn = options.transaction;
  if (txn) {
    if (!txn.appId || !Number.isSafeInteger(txn.version) || txn.version < 0) {
      throw new LakebenchError('INVALID_REQUEST', 'a transaction needs an appId and a version of 0 or more');
    }
    const done = snapshot.txns.get(txn.appId);
    if (done && done.version >= txn.version) {
      // This application already committed this (or a later) batch: writing it again would duplicate rows.
      return {
        version: snapshot.version,
        retries: 0,
        numAddedFiles: 0,
        numRemovedFiles: 0,
        numOutputRows: 0,
        skipped: true,
      };
    }
  }
  const written = await writeDataFiles(
    session,
    tableRoot,
    snapshot.schema,
    snapshot.metadata.partitionColumns,
    selectSql,
    options,
  );
  return commitWrite(
    session,
    tableRoot,
    [
      ...(txn
        ? [
            {
              kind: 'txn',
              txn: { appId: txn.appId, version: txn.version, lastUpdated: Date.now() },
            } as Action,
          ]
        : []),
      ...written.adds.map((add): Action => ({ kind: 'add', add })),
    ],
    {
      readVersion: snapshot.version,
      operation: 'WRITE',
      operationParameters: {
        mode: 'Append',
        partitionBy: JSON.stringify(snapshot.metadata.partitionColumns),
      },
      operationMetrics: metrics(written.adds.length, 0, written.numOutputRows, written.numOutputBytes),
      isBlindAppend: true,
      ...(options.beforeLink ? { beforeLink: options.beforeLink } : {}),
      ...provenance(options),
    },
    { added: written.adds.length, removed: 0, rows: written.numOutputRows },
    checkpointInterval(snapshot),
  );
}

/** Replaces all rows with those of a query. */
export async function overwrite(
  session: EngineSession,
  tableRoot: string,
  selectSql: string,
  options: WriteProvenance = {},
): Promise<WriteResult> {
  const snapshot = await writableSnapshot(session, tableRoot);
  if (isAppendOnly(snapshot.metadata)) throw appendOnlyError(tableRoot, 'overwritten');
  const written = await writeDataFiles(
    session,
    tableRoot,
    snapshot.schema,
    snapshot.metadata.partitionColumns,
    selectSql,
    options,
  );
  const now = Date.now();
  return commitWrite(
    session,
    tableRoot,
    [
      ...snapshot.files.map((f): Action => ({ kind: 'remove', remove: removeOf(f, now) })),
      ...written.adds.map((add): Action => ({ kind: 'add', add })),
    ],
    {
      readVersion: snapshot.version,
      operation: 'WRITE',
      operationParameters: {
        mode: 'Overwrite',
        partitionBy: JSON.stringify(snapshot.metadata.partitionColumns),
      },
      operationMetrics: metrics(
        written.adds.length,
        snapshot.files.length,
        written.numOutputRows,
        written.numOutputBytes,
      ),
      isBlindAppend: false,
      readPaths: snapshot.files.map((f) => f.path),
      ...provenance(options),
    },
    { added: written.adds.length, removed: snapshot.files.length, rows: written.numOutputRows },
    checkpointInterval(snapshot),
  );
}

function appendOnlyError(table: string, what: string): LakebenchError {
  return new LakebenchError(
    'INVALID_REQUEST',
    `${table} is append-only (delta.appendOnly): rows cannot be ${what}`,
  );
}

const FILE_COLUMN = '__lakebench_file';

/** The files holding rows that match a predicate, and the scan they were found in. */
async function filesMatching(
  session: EngineSession,
  snapshot: Snapshot,
  predicate: string,
): Promise<{ matched: AddFile[]; rows: number }> {
  const plan = await planScan(snapshot, {
    fileColumn: FILE_COLUMN,
    columnsOf: (paths) => fileColumns(session, paths),
  });
  const found = await session.rows(
    `SELECT ${quoteIdent(FILE_COLUMN)} AS f, count(*) AS n FROM (${plan.sql}) WHERE (${predicate}) GROUP BY ALL`,
  );
  const byPath = new Map(snapshot.files.map((f) => [dataFilePath(snapshot.tableRoot, f.path), f]));
  const matched = found.map((r) => {
    const add = byPath.get(String(r.f));
    if (!add)
      throw new LakebenchError('INTERNAL', `DuckDB read a file the snapshot does not list: ${String(r.f)}`);
    return add;
  });
  return { matched, rows: found.reduce((n, r) => n + Number(r.n), 0) };
}

/** Rewrites the matched files with the rows of `select` (over the scan, restricted to those files). */
async function rewrite(
  session: EngineSession,
  snapshot: Snapshot,
  matched: AddFile[],
  selectOverScan: (scan: string) => string,
  options: WriteProvenance,
): Promise<{ actions: Action[]; added: number; rows: number; bytes: number }> {
  // Only the matched files are read again: the others stay as they are.
  const restricted = (
    await planScan(
      { ...snapshot, files: matched },
      { fileColumn: FILE_COLUMN, columnsOf: (paths) => fileColumns(session, paths) },
    )
  ).sql;
  const written = await writeDataFiles(
    session,
    snapshot.tableRoot,
    snapshot.schema,
    snapshot.metadata.partitionColumns,
    selectOverScan(restricted),
    options,
  );
  const now = Date.now();
  return {
    actions: [
      ...matched.map((f): Action => ({ kind: 'remove', remove: removeOf(f, now) })),
      ...written.adds.map((add): Action => ({ kind: 'add', add })),
    ],
    added: written.adds.length,
    rows: written.numOutputRows,
    bytes: written.numOutputBytes,
  };
}

/** Deletes the rows where `predicate` (DuckDB SQL over the table's columns) is true. */
export async function deleteWhere(
  session: EngineSession,
  tableRoot: string,
  predicate: string,
  options: WriteProvenance = {},
): Promise<WriteResult & { numDeletedRows: number }> {
  const snapshot = await writableSnapshot(session, tableRoot);
  if (isAppendOnly(snapshot.metadata)) throw appendOnlyError(tableRoot, 'deleted');
  const { matched, rows } = await filesMatching(session, snapshot, predicate);
  if (matched.length === 0) {
    return {
      version: snapshot.version,
      retries: 0,
      numAddedFiles: 0,
      numRemovedFiles: 0,
      numOutputRows: 0,
      numDeletedRows: 0,
    };
  }
  const columns = snapshot.schema.fields.map((f) => quoteIdent(f.name)).join(', ');
  const re = await rewrite(
    session,
    snapshot,
    matched,
    (scan) => `SELECT ${columns} FROM (${scan}) WHERE NOT coalesce((${predicate}), false)`,
    options,
  );
  const result = await commitWrite(
    session,
    tableRoot,
    re.actions,
    {
      readVersion: snapshot.version,
      operation: 'DELETE',
      operationParameters: { predicate: JSON.stringify([predicate]) },
      operationMetrics: {
        numRemovedFiles: String(matched.length),
        numAddedFiles: String(re.added),
        numDeletedRows: String(rows),
        numCopiedRows: String(re.rows),
      },
      isBlindAppend: false,
      readPaths: snapshot.files.map((f) => f.path),
      ...provenance(options),
    },
    { added: re.added, removed: matched.length, rows: re.rows },
    checkpointInterval(snapshot),
  );
  return { ...result, numDeletedRows: rows };
}

/** Sets columns to DuckDB SQL expressions in the rows where `predicate` is true. */
export async function updateWhere(
  session: EngineSession,
  tableRoot: string,
  assignments: Record<string, string>,
  predicate: string,
  options: WriteProvenance = {},
): Promise<WriteResult & { numUpdatedRows: number }> {
  const snapshot = await writableSnapshot(session, tableRoot);
  if (isAppendOnly(snapshot.metadata)) throw appendOnlyError(tableRoot, 'updated');
  for (const c of Object.keys(assignments)) {
    if (!snapshot.schema.fields.some((f) => f.name === c)) {
      throw new LakebenchError('INVALID_REQUEST', `${tableRoot} has no column ${c} to update`);
    }
  }
  const { matched, rows } = await filesMatching(session, snapshot, predicate);
  if (matched.length === 0) {
    return {
      version: snapshot.version,
      retries: 0,
      numAddedFiles: 0,
      numRemovedFiles: 0,
      numOutputRows: 0,
      numUpdatedRows: 0,
    };
  }
  const columns = snapshot.schema.fields
    .map((f) =>
      f.name in assignments
        ? `CASE WHEN coalesce((${predicate}), false) THEN (${assignments[f.name]}) ELSE ${quoteIdent(f.name)} END AS ${quoteIdent(f.name)}`
        : quoteIdent(f.name),
    )
    .join(', ');
  const re = await rewrite(session, snapshot, matched, (scan) => `SELECT ${columns} FROM (${scan})`, options);
  const result = await commitWrite(
    session,
    tableRoot,
    re.actions,
    {
      readVersion: snapshot.version,
      operation: 'UPDATE',
      operationParameters: { predicate: JSON.stringify([predicate]) },
      operationMetrics: {
        numRemovedFiles: String(matched.length),
        numAddedFiles: String(re.added),
        numUpdatedRows: String(rows),
        numCopiedRows: String(re.rows - rows),
      },
      isBlindAppend: false,
      readPaths: snapshot.files.map((f) => f.path),
      ...provenance(options),
    },
    { added: re.added, removed: matched.length, rows: re.rows },
    checkpointInterval(snapshot),
  );
  return { ...result, numUpdatedRows: rows };
}

export interface HistoryEntry {
  version: number;
  timestamp: number;
  operation: string | null;
  operationParameters: Record<string, unknown>;
  operationMetrics: Record<string, unknown>;
  readVersion: number | null;
  isBlindAppend: boolean | null;
  engineInfo: string | null;
  userMetadata: string | null;
}

/** The table's commits, newest first, from their commitInfo (versions whose commit was cleaned up are absent). */
export async function history(tableRoot: string, limit = Infinity): Promise<HistoryEntry[]> {
  const listing = await listLog(tableRoot);
  const versions = [...listing.commits.keys()].sort((a, b) => b - a).slice(0, limit);
  const out: HistoryEntry[] = [];
  for (const v of versions) {
    const commit = await readCommit(listing.logDir, v);
    const info = commit.actions.find((a) => a.kind === 'commitInfo');
    const ci = info?.kind === 'commitInfo' ? info.commitInfo : {};
    const obj = (x: unknown) => (typeof x === 'object' && x !== null ? (x as Record<string, unknown>) : {});
    out.push({
      version: v,
      timestamp: commit.timestamp,
      operation: typeof ci.operation === 'string' ? ci.operation : null,
      operationParameters: obj(ci.operationParameters),
      operationMetrics: obj(ci.operationMetrics),
      readVersion: typeof ci.readVersion === 'number' ? ci.readVersion : null,
      isBlindAppend: typeof ci.isBlindAppend === 'boolean' ? ci.isBlindAppend : null,
      engineInfo: typeof ci.engineInfo === 'string' ? ci.engineInfo : null,
      userMetadata: typeof ci.userMetadata === 'string' ? ci.userMetadata : null,
    });
  }
  return out;
}

export interface VacuumResult {
  deleted: string[];
  dryRun: boolean;
}

/**
 * Deletes data files no version within the retention period can read: files the latest version does not
 * list, unless their tombstone is younger than the retention (old versions may still read them) or the
 * file itself is (it may belong to a write that has not committed yet). Also removes the staging folders and
 * commit temp files of writers that died, once older than the retention.
 */
export async function vacuum(
  session: EngineSession,
  tableRoot: string,
  options: { retentionMs?: number; dryRun?: boolean; now?: number } = {},
): Promise<VacuumResult> {
  const snapshot = await writableSnapshot(session, tableRoot);
  const now = options.now ?? Date.now();
  const retention = options.retentionMs ?? tombstoneRetentionMs(snapshot);
  const horizon = now - retention;
  const keep = new Set(snapshot.files.map((f) => dataFilePath(tableRoot, f.path)));
  for (const t of snapshot.tombstones) {
    if ((t.deletionTimestamp ?? now) > horizon) keep.add(dataFilePath(tableRoot, t.path));
  }
  const deleted: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      // `_delta_log`, `_change_data`, staging folders and hidden files are never data files of the table.
      if (entry.name.startsWith('_') || entry.name.startsWith('.')) continue;
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(p);
        continue;
      }
      if (!entry.isFile() || keep.has(p)) continue;
      if ((await lstat(p)).mtimeMs > horizon) continue;
      deleted.push(path.relative(tableRoot, p));
      if (!options.dryRun) await rm(p);
    }
  };
  await walk(tableRoot);
  // What writers killed mid-write left behind: staging folders of data files and commit temp files.
  for (const entry of await readdir(tableRoot, { withFileTypes: true })) {
    const p = path.join(tableRoot, entry.name);
    if (!entry.isDirectory() || !entry.name.startsWith('_lakebench_staging_')) continue;
    if ((await lstat(p)).mtimeMs > horizon) continue;
    deleted.push(entry.name);
    if (!options.dryRun) await rm(p, { recursive: true, force: true });
  }
  for (const name of await readdir(path.join(tableRoot, LOG_DIR))) {
    const p = path.join(tableRoot, LOG_DIR, name);
    if (!name.startsWith('.') || !name.endsWith('.tmp') || (await lstat(p)).mtimeMs > horizon) continue;
    deleted.push(path.join(LOG_DIR, name));
    if (!options.dryRun) await rm(p, { force: true });
  }
  return { deleted: deleted.sort(), dryRun: options.dryRun === true };
}

/** Writes a checkpoint of the latest version now. */
export async function checkpointNow(session: EngineSession, tableRoot: string): Promise<{ version: number }> {
  // A checkpoint restates the whole state: only tables whose every feature Lakebench honours are rewritten so.
  const snapshot = await writableSnapshot(session, tableRoot);
  await writeCheckpoint(session, snapshot);
  return { version: snapshot.version };
}
