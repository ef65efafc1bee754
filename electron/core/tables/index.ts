/**
 * Lakebench's local tables: Delta Lake tables (Parquet data files plus a `_delta_log/`) read and written by
 * Lakebench's own log code, with DuckDB reading and writing the Parquet files.
 */
import type { ConnectionSource} from './engine';
import { TableEngine } from './engine';
import { planScan, type ScanOptions, type ScanPlan } from './scan';
import { duckdbType } from './schema';
import { loadSnapshot, type Snapshot, type VersionSelector } from './snapshot';

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

/** The tables service: every call names a table by its folder. */
export class DeltaTables {
  readonly engine: TableEngine;

  constructor(source: ConnectionSource | TableEngine) {
    this.engine = source instanceof TableEngine ? source : new TableEngine(source);
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
    return planScan(await this.snapshot(tableRoot, options), options);
  }

  /** Reads a table's rows (small results; large ones go through `scan` and the warehouse's streaming). */
  async readRows(
    tableRoot: string,
    options: ScanOptions & VersionSelector = {},
  ): Promise<Record<string, unknown>[]> {
    const plan = await this.scan(tableRoot, options);
    return this.engine.rows(plan.sql);
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
export type { ConnectionSource } from './engine';
export type { ScanFilter, ScanOptions, ScanPlan } from './scan';
export type { Snapshot, VersionSelector } from './snapshot';
export type { Action, AddFile, RemoveFile, Metadata, Protocol, CommitInfo } from './actions';
export type { DeltaSchema, DeltaField, DeltaType } from './schema';
