/**
 * Lakebench's local tables: Delta Lake tables (Parquet data files plus a `_delta_log/`) read and written by
 * Lakebench's own log code, with DuckDB reading and writing the Parquet files.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { LakebenchError } from '../../../shared/errors';
import { ArrowBatchBuilder } from '../warehouse';
import type { Action } from './actions';
import { commitActions, type CommitOptions, type CommitResult } from './commit';
import type { ConnectionSource, WarningSink } from './engine';
import { TableEngine } from './engine';
import {
  checkpointNow,
  cleanupLog,
  columnsOfQuery,
  createTable,
  deleteWhere,
  history,
  insertInto,
  overwrite,
  updateWhere,
  vacuum,
  type HistoryEntry,
  type InsertOptions,
  type TableDefinition,
  type VacuumResult,
  type WriteProvenance,
  type WriteResult,
} from './operations';
import { fileColumns } from './file-columns';
import { planScan, type ScanOptions, type ScanPlan } from './scan';
import { duckdbType } from './schema';
import { latestVersion, loadSnapshot, type Snapshot, type VersionSelector } from './snapshot';

export interface TableColumn {
  name: string;
  /** The DuckDB type the column reads as. */
  type: string;
  nullable: boolean;
  partition: boolean;
}

/** What a table looks like at one version, for listings and the UI. */
export interface TableDescription {
  version: number;
  timestamp: number;
  id: string;
  name: string | null;
  columns: TableColumn[];
  partitionColumns: string[];
  numFiles: number;
  sizeInBytes: number;
  protocol: {
    minReaderVersion: number;
    minWriterVersion: number;
    readerFeatures: string[];
    writerFeatures: string[];
  };
  configuration: Record<string, string>;
}

/** The folder of a workspace table: `tables/<schema>/<name>/`. */
export function tablePath(workspace: string, schema: string, name: string): string {
  for (const [what, part] of [
    ['schema', schema],
    ['table name', name],
  ] as const) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(part)) {
      throw new LakebenchError(
        'INVALID_REQUEST',
        `${JSON.stringify(part)} is not a valid ${what}: use letters, digits and _, starting with a letter or _`,
      );
    }
  }
  return path.join(workspace, 'tables', schema, name);
}

/** A table found in a workspace. */
export interface WorkspaceTable {
  schema: string;
  name: string;
  path: string;
}

/** The Delta tables of a workspace: every `tables/<schema>/<name>/` folder that holds a `_delta_log/`. */
export async function listWorkspaceTables(workspace: string): Promise<WorkspaceTable[]> {
  const root = path.join(workspace, 'tables');
  const dirs = async (dir: string): Promise<string[]> => {
    try {
      return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []; // no tables yet
      throw err;
    }
  };
  const out: WorkspaceTable[] = [];
  for (const schema of (await dirs(root)).sort()) {
    for (const name of (await dirs(path.join(root, schema))).sort()) {
      const p = path.join(root, schema, name);
      if ((await dirs(p)).includes('_delta_log')) out.push({ schema, name, path: p });
    }
  }
  return out;
}

type ReadOptions = ScanOptions & VersionSelector;

/** What the tables service offers; every call names a table by its folder. */
export interface LocalTables {
  snapshot(tableRoot: string, selector?: VersionSelector): Promise<Snapshot>;
  describe(tableRoot: string, selector?: VersionSelector): Promise<TableDescription>;
  scan(tableRoot: string, options?: ReadOptions): Promise<ScanPlan>;
  readRows(tableRoot: string, options?: ReadOptions): Promise<Record<string, unknown>[]>;
  readArrow(tableRoot: string, options?: ReadOptions & { batchRows?: number }): Promise<Uint8Array[]>;
  createTable(
    tableRoot: string,
    definition: TableDefinition,
    options?: WriteProvenance & { asSelect?: string },
  ): Promise<WriteResult>;
  createTableAs(
    tableRoot: string,
    selectSql: string,
    definition?: Omit<TableDefinition, 'columns'>,
    options?: WriteProvenance,
  ): Promise<WriteResult>;
  insert(tableRoot: string, selectSql: string, options?: InsertOptions): Promise<WriteResult>;
  overwrite(tableRoot: string, selectSql: string, options?: WriteProvenance): Promise<WriteResult>;
  delete(
    tableRoot: string,
    predicate: string,
    options?: WriteProvenance,
  ): Promise<WriteResult & { numDeletedRows: number }>;
  update(
    tableRoot: string,
    assignments: Record<string, string>,
    predicate: string,
    options?: WriteProvenance,
  ): Promise<WriteResult & { numUpdatedRows: number }>;
  commit(tableRoot: string, actions: Action[], options: CommitOptions): Promise<CommitResult>;
  history(tableRoot: string, limit?: number): Promise<HistoryEntry[]>;
  vacuum(
    tableRoot: string,
    options?: { retentionMs?: number; dryRun?: boolean; now?: number },
  ): Promise<VacuumResult>;
  checkpoint(tableRoot: string): Promise<{ version: number }>;
  cleanupLog(tableRoot: string, options?: { now?: number }): Promise<string[]>;
}

/** The tables service on DuckDB. */
export class DeltaTables implements LocalTables {
  readonly engine: TableEngine;

  /** `onWarning` receives what went wrong without failing a call (a checkpoint not written). */
  constructor(source: ConnectionSource | TableEngine, onWarning?: WarningSink) {
    this.engine = source instanceof TableEngine ? source : new TableEngine(source, onWarning);
  }

  /** The table's state at a version (default: the latest). */
  snapshot(tableRoot: string, selector: VersionSelector = {}): Promise<Snapshot> {
    return this.engine.withConnection((s) => loadSnapshot(s, tableRoot, selector));
  }

  async describe(tableRoot: string, selector: VersionSelector = {}): Promise<TableDescription> {
    return describeSnapshot(await this.snapshot(tableRoot, selector));
  }

  /** The DuckDB SELECT that reads a table at a version. */
  async scan(tableRoot: string, options: ScanOptions & VersionSelector = {}): Promise<ScanPlan> {
    const snapshot = await this.snapshot(tableRoot, options);
    try {
      return await planScan(snapshot, {
        ...options,
        columnsOf: (paths) => this.engine.withConnection((s) => fileColumns(s, paths)),
      });
    } catch (err) {
      if (!(err instanceof LakebenchError) || err.code !== 'TABLE_DATA_FILE_MISSING') throw err;
      const latest = await latestVersion(tableRoot);
      if (latest === null || latest <= snapshot.version) throw err;
      // An old version whose files are gone was most likely vacuumed: say so.
      throw new LakebenchError(
        'TABLE_DATA_FILE_MISSING',
        `${err.message}. Version ${snapshot.version} is older than the latest (${latest}); its files were probably removed by VACUUM, so it can no longer be read`,
        err.location,
      );
    }
  }

  /** Reads a table's rows (small results; large ones go through `scan` and the warehouse's streaming). */
  async readRows(
    tableRoot: string,
    options: ScanOptions & VersionSelector = {},
  ): Promise<Record<string, unknown>[]> {
    const plan = await this.scan(tableRoot, options);
    return this.engine.rows(plan.sql);
  }

  /**
   * Reads a table as Arrow IPC streams of up to `batchRows` rows each (the form query results travel in);
   * an empty table gives one stream with the schema and no rows.
   */
  async readArrow(
    tableRoot: string,
    options: ReadOptions & { batchRows?: number } = {},
  ): Promise<Uint8Array[]> {
    const plan = await this.scan(tableRoot, options);
    const batchRows = options.batchRows ?? 65_536;
    return this.engine.withConnection(async (s) => {
      const result = await s.connection.stream(plan.sql);
      const builder = new ArrowBatchBuilder(
        result.columnNames().map((name, i) => ({ name, type: result.columnType(i) })),
      );
      const batches: Uint8Array[] = [];
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        builder.append(chunk);
        if (builder.rowCount >= batchRows) batches.push(builder.flush());
      }
      if (builder.rowCount > 0 || batches.length === 0) batches.push(builder.flush());
      return batches;
    });
  }

  /** Creates a table; with `asSelect`, version 0 already holds the query's rows. */
  createTable(
    tableRoot: string,
    definition: TableDefinition,
    options: WriteProvenance & { asSelect?: string } = {},
  ): Promise<WriteResult> {
    return this.engine.withConnection((s) => createTable(s, tableRoot, definition, options));
  }

  /** CREATE TABLE AS SELECT: the columns and rows of a query. */
  createTableAs(
    tableRoot: string,
    selectSql: string,
    definition: Omit<TableDefinition, 'columns'> = {},
    options: WriteProvenance = {},
  ): Promise<WriteResult> {
    return this.engine.withConnection(async (s) =>
      createTable(
        s,
        tableRoot,
        { ...definition, columns: await columnsOfQuery(s, selectSql) },
        { ...options, asSelect: selectSql },
      ),
    );
  }

  /** Appends the rows of a query. */
  insert(tableRoot: string, selectSql: string, options: InsertOptions = {}): Promise<WriteResult> {
    return this.engine.withConnection((s) => insertInto(s, tableRoot, selectSql, options));
  }

  /** Replaces the table's rows with those of a query. */
  overwrite(tableRoot: string, selectSql: string, options: WriteProvenance = {}): Promise<WriteResult> {
    return this.engine.withConnection((s) => overwrite(s, tableRoot, selectSql, options));
  }

  /** Deletes rows where a DuckDB predicate holds, rewriting only the files that hold such rows. */
  delete(
    tableRoot: string,
    predicate: string,
    options: WriteProvenance = {},
  ): Promise<WriteResult & { numDeletedRows: number }> {
    return this.engine.withConnection((s) => deleteWhere(s, tableRoot, predicate, options));
  }

  /** Sets columns to DuckDB expressions where a predicate holds, rewriting only the files concerned. */
  update(
    tableRoot: string,
    assignments: Record<string, string>,
    predicate: string,
    options: WriteProvenance = {},
  ): Promise<WriteResult & { numUpdatedRows: number }> {
    return this.engine.withConnection((s) => updateWhere(s, tableRoot, assignments, predicate, options));
  }

  /** Commits actions the caller built (the files they add must already be written). */
  commit(tableRoot: string, actions: Action[], options: CommitOptions): Promise<CommitResult> {
    return commitActions(tableRoot, actions, options);
  }

  /** The table's commits, newest first. */
  history(tableRoot: string, limit?: number): Promise<HistoryEntry[]> {
    return history(tableRoot, limit);
  }

  /** Deletes data files no version within the retention period reads. */
  vacuum(
    tableRoot: string,
    options: { retentionMs?: number; dryRun?: boolean; now?: number } = {},
  ): Promise<VacuumResult> {
    return this.engine.withConnection((s) => vacuum(s, tableRoot, options));
  }

  /** Writes a checkpoint of the latest version now (commits write one every `delta.checkpointInterval`). */
  checkpoint(tableRoot: string): Promise<{ version: number }> {
    return this.engine.withConnection((s) => checkpointNow(s, tableRoot));
  }

  /**
   * Deletes log files older than `delta.logRetentionDuration` (30 days) that a newer checkpoint covers; done
   * after each automatic checkpoint unless `delta.enableExpiredLogCleanup` is `false`.
   */
  async cleanupLog(tableRoot: string, options: { now?: number } = {}): Promise<string[]> {
    return cleanupLog(tableRoot, await this.snapshot(tableRoot), options.now);
  }
}

export function describeSnapshot(snapshot: Snapshot): TableDescription {
  const partitions = new Set(snapshot.metadata.partitionColumns);
  return {
    version: snapshot.version,
    timestamp: snapshot.timestamp,
    id: snapshot.metadata.id,
    name: snapshot.metadata.name ?? null,
    columns: snapshot.schema.fields.map((f) => ({
      name: f.name,
      type: duckdbType(f.type),
      nullable: f.nullable,
      partition: partitions.has(f.name),
    })),
    partitionColumns: snapshot.metadata.partitionColumns,
    numFiles: snapshot.files.length,
    sizeInBytes: snapshot.files.reduce((n, f) => n + f.size, 0),
    protocol: {
      minReaderVersion: snapshot.protocol.minReaderVersion,
      minWriterVersion: snapshot.protocol.minWriterVersion,
      readerFeatures: snapshot.protocol.readerFeatures ?? [],
      writerFeatures: snapshot.protocol.writerFeatures ?? [],
    },
    configuration: snapshot.metadata.configuration,
  };
}

export { TableEngine } from './engine';
export { WorkspaceTables } from './workspace-tables';
export type { ConnectionSource, WarningSink } from './engine';
export type { ScanFilter, ScanOptions, ScanPlan } from './scan';
export type { Snapshot, VersionSelector } from './snapshot';
export type { Action, AddFile, RemoveFile, Metadata, Protocol, CommitInfo } from './actions';
export type { DeltaSchema, DeltaField, DeltaType } from './schema';
export type { CommitOptions, CommitResult } from './commit';
export type {
  ColumnDefinition,
  HistoryEntry,
  InsertOptions,
  TableDefinition,
  VacuumResult,
  WriteProvenance,
  WriteResult,
} from './operations';
export type { ParquetCodec } from './write';
