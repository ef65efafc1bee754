/**
 * The DuckDB the tables service runs on. Reads and writes of one operation share one connection, so temporary
 * tables live as long as the operation.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBInstance } from '@duckdb/node-api';
import { LakebenchError, errorMessage } from '../../../shared/errors';

/** Anything that hands out DuckDB connections: a `DuckDBInstance` (the warehouse's, or a private one). */
export interface ConnectionSource {
  connect(): Promise<DuckDBConnection>;
}

/** Where the service reports what went wrong without failing the call (e.g. the logs service's sink). */
export type WarningSink = (message: string) => void;

export class TableEngine {
  constructor(
    private readonly source: ConnectionSource,
    readonly warn: WarningSink = (message) => console.warn(message),
  ) {}

  /** An in-memory DuckDB for the tables service alone (tests, the CLI). */
  static async inMemory(warn?: WarningSink): Promise<{ engine: TableEngine; close: () => void }> {
    const instance = await DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    return { engine: new TableEngine(instance, warn), close: () => instance.closeSync() };
  }

  /** Runs `work` on one connection, closed afterwards. */
  async withConnection<T>(work: (session: EngineSession) => Promise<T>): Promise<T> {
    const connection = await this.source.connect();
    try {
      return await work(new EngineSession(connection, this.warn));
    } finally {
      connection.closeSync();
    }
  }

  rows(sql: string): Promise<Record<string, unknown>[]> {
    return this.withConnection((s) => s.rows(sql));
  }
}

export class EngineSession {
  constructor(
    readonly connection: DuckDBConnection,
    readonly warn: WarningSink = (message) => console.warn(message),
  ) {}

  async run(sql: string): Promise<void> {
    try {
      await this.connection.run(sql);
    } catch (err) {
      throw new LakebenchError('SQL_ERROR', errorMessage(err).trim());
    }
  }

  async rows(sql: string): Promise<Record<string, unknown>[]> {
    try {
      const reader = await this.connection.runAndReadAll(sql);
      return reader.getRowObjectsJS() as Record<string, unknown>[];
    } catch (err) {
      throw new LakebenchError('SQL_ERROR', errorMessage(err).trim());
    }
  }
}
