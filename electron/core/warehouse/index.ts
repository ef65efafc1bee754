import { randomUUID } from 'node:crypto';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { DuckDBInstance, StatementType, type DuckDBResult } from '@duckdb/node-api';
import type { ColumnInfo, EventPayload, RequestParsedArgs, TableInfo } from '../../../shared/api/contract';
import type { EventSink } from '../../../shared/api/client';
import {
  LakebenchError,
  errorMessage,
  storageError,
  toErrorData,
  type LakebenchErrorData,
} from '../../../shared/errors';
import {
  duckdbErrorOffset,
  duckdbErrorSummary,
  lineColumnAt,
  splitStatements,
} from '../../../shared/sql/statements';
import type { SqlCompletionResult } from '../../../shared/sql/completion';
import { ArrowBatchBuilder } from './arrow-batch';
import { SqlCompleter } from './completion';

export interface WarehouseSettings {
  threads?: number;
  memoryLimit?: string;
}

/** Rows in the first batch of a result: small, so the first rows show at once. */
const FIRST_BATCH_ROWS = 2048;
/** Rows per later batch: large enough that per-batch costs vanish, small enough to keep the UI fed. */
const BATCH_ROWS = 65_536;
/** A batch is also sent when this much time passed since the last, so slow queries still stream. */
const BATCH_INTERVAL_MS = 250;
const PROGRESS_INTERVAL_MS = 300;

/** A query from the moment it is accepted; `connection` is null until DuckDB has given it one. */
interface RunningQuery {
  connection: DuckDBConnection | null;
  cancelled: boolean;
}

/** The error DuckDB gives when another process holds the database file. */
function lockHolder(message: string): string | null {
  if (!/Could not set lock on file/i.test(message)) return null;
  const pid = /PID (\d+)/.exec(message);
  return pid ? `process ${pid[1]}` : 'another process';
}

/** What a router made of one statement: the SQL to run in its place, and how to report it. */
export interface RoutedStatement {
  sql: string;
  /** Reported instead of the statement type of `sql` (e.g. `INSERT` for a Delta write). */
  statementType?: string;
  rowsChanged?: number;
}

/**
 * Takes over statements DuckDB alone cannot run (writes to Delta tables, time travel); `null` leaves a
 * statement to DuckDB. `who` names the writer (a notebook cell, a pipeline task).
 */
export interface StatementRouter {
  route(statement: string, who: string): Promise<RoutedStatement | null>;
}

/** Who ran a query, for the commit info of the tables it writes. */
function queryAuthor(queryId: string, origin?: { notebook?: string; cellId?: string }): string {
  if (origin?.notebook || origin?.cellId) {
    return `notebook ${origin.notebook ?? '?'}${origin.cellId ? ` cell ${origin.cellId}` : ''}`;
  }
  // Pipeline SQL tasks name their queries `pipeline:<try>:<task>:<uuid>`.
  const pipeline = /^pipeline:([^:]+):([^:]+):/.exec(queryId);
  if (pipeline) return `pipeline try ${pipeline[1]} task ${pipeline[2]}`;
  return `query ${queryId}`;
}

/** The workspace's DuckDB database: runs SQL and streams results as Arrow batches. */
export class Warehouse {
  private readonly running = new Map<string, RunningQuery>();
  private router: StatementRouter | null = null;
  private closed = false;
  private readonly completer = new SqlCompleter(this);

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
  ) {}

  /** The DuckDB instance, for services that run on the same database (the tables service). */
  get connections(): { connect(): Promise<DuckDBConnection> } {
    return this.instance;
  }

  /** Installs the router that sees every statement of `runQuery` first (the tables service's). */
  setRouter(router: StatementRouter | null): void {
    this.router = router;
  }

  static async open(path: string, settings: WarehouseSettings = {}): Promise<Warehouse> {
    const options: Record<string, string> = {
      // Only built-in extensions exist offline: a missing one must fail at once, not try a download.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    };
    if (settings.threads) options.threads = String(settings.threads);
    if (settings.memoryLimit) options.memory_limit = settings.memoryLimit;
    try {
      return new Warehouse(path, await DuckDBInstance.create(path, options));
    } catch (err) {
      const message = errorMessage(err);
      const holder = lockHolder(message);
      if (holder) {
        throw new LakebenchError(
          'WORKSPACE_LOCKED',
          `This workspace is already open in another Lakebench (${holder}). Close it there, or open another folder.`,
          { file: path },
        );
      }
      throw new LakebenchError('INTERNAL', `Could not open the workspace database ${path}: ${message}`, {
        file: path,
      });
    }
  }

  /** Runs SQL to completion without streaming (for services: sample data, pipeline tasks). */
  async execute(sql: string): Promise<void> {
    const connection = await this.instance.connect();
    try {
      for (const statement of splitStatements(sql)) await connection.run(statement.text);
    } finally {
      connection.closeSync();
    }
  }

  /** Runs one query and returns its rows as plain values (small results only). */
  async queryRows(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]> {
    const connection = await this.instance.connect();
    try {
      const reader = await connection.runAndReadAll(sql, params as DuckDBValue[] | undefined);
      return reader.getRowObjectsJS() as Record<string, unknown>[];
    } finally {
      connection.closeSync();
    }
  }

  /** Starts a query and returns at once; batches, progress and the end are emitted as events. */
  runQuery(args: RequestParsedArgs<'warehouse.runQuery'>, events: EventSink): { queryId: string } {
    this.assertOpen();
    const queryId = args.queryId ?? randomUUID();
    if (this.running.has(queryId)) {
      throw new LakebenchError('ALREADY_EXISTS', `a query with id ${queryId} is already running`);
    }
    // Registered before the first await, so a second query with the same id, or a cancel that comes
    // before DuckDB has handed out a connection, is seen.
    const query: RunningQuery = { connection: null, cancelled: false };
    this.running.set(queryId, query);
    void this.stream(queryId, query, args.sql, args.maxRows, events, queryAuthor(queryId, args.origin));
    return { queryId };
  }

  /** SQL completion at `cursor` (an offset in `text`, a whole cell). */
  async complete(text: string, cursor: number): Promise<SqlCompletionResult> {
    this.assertOpen();
    return this.completer.complete(text, Math.max(0, Math.min(cursor, text.length)));
  }

  cancelQuery(queryId: string): { cancelled: boolean } {
    const query = this.running.get(queryId);
    if (!query) return { cancelled: false };
    query.cancelled = true;
    query.connection?.interrupt();
    return { cancelled: true };
  }

  get runningQueries(): number {
    return this.running.size;
  }

  private async stream(
    queryId: string,
    query: RunningQuery,
    sql: string,
    maxRows: number,
    events: EventSink,
    who: string,
  ): Promise<void> {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    let rowCount = 0;
    let truncated = false;
    let columns: ColumnInfo[] = [];
    let statementType = 'EMPTY';
    let rowsChanged: number | null = null;
    let error: LakebenchErrorData | null = null;
    let progressTimer: NodeJS.Timeout | undefined;
    let connection: DuckDBConnection | null = null;
    const finish = (status: EventPayload<'warehouse.onQueryFinished'>['status']) =>
      events.emit('warehouse.onQueryFinished', {
        queryId,
        status,
        rowCount,
        truncated,
        elapsedMs: elapsed(),
        columns,
        statementType,
        rowsChanged,
        error,
      });
    try {
      connection = await this.instance.connect();
      query.connection = connection;
      const open = connection;
      progressTimer = setInterval(() => {
        const progress = open.progress;
        events.emit('warehouse.onQueryProgress', {
          queryId,
          percentage: progress.percentage,
          rowsSoFar: rowCount,
          elapsedMs: elapsed(),
        });
      }, PROGRESS_INTERVAL_MS);
      const statements = splitStatements(sql);
      for (let i = 0; i < statements.length && !query.cancelled; i++) {
        const statement = statements[i];
        try {
          // Anything but a query may change the catalog that completion offers.
          if (
            !/^\s*(select|with|from|values|table|describe|show|explain|summarize|pivot)\b/i.test(
              statement.text,
            )
          )
            this.completer.invalidate();
          const routed = this.router ? await this.router.route(statement.text, who) : null;
          if (query.cancelled) break;
          const text = routed?.sql ?? statement.text;
          if (i < statements.length - 1) {
            await connection.run(text);
            continue;
          }
          const result = await connection.stream(text);
          statementType = routed?.statementType ?? StatementType[result.statementType] ?? 'UNKNOWN';
          columns = result.columnNames().map((name, c) => ({ name, type: result.columnType(c).toString() }));
          const sent = await this.sendBatches(queryId, result, maxRows, events, query);
          rowCount = sent.rows;
          truncated = sent.truncated;
          if (routed?.rowsChanged !== undefined) rowsChanged = routed.rowsChanged;
          else if (result.statementType !== StatementType.SELECT) {
            rowsChanged = result.rowsChanged;
          }
        } catch (err) {
          if (query.cancelled) throw err;
          throw sqlError(err, sql, statement.text, statement.start);
        }
      }
      if (query.cancelled) {
        error = { code: 'QUERY_CANCELLED', message: 'the query was cancelled' };
        finish('cancelled');
      } else finish('succeeded');
    } catch (err) {
      if (query.cancelled) {
        error = { code: 'QUERY_CANCELLED', message: 'the query was cancelled' };
        finish('cancelled');
      } else {
        error = toErrorData(err);
        finish('failed');
      }
    } finally {
      clearInterval(progressTimer);
      this.running.delete(queryId);
      connection?.closeSync();
    }
  }

  private async sendBatches(
    queryId: string,
    result: DuckDBResult,
    maxRows: number,
    events: EventSink,
    query: RunningQuery,
  ): Promise<{ rows: number; truncated: boolean }> {
    const columns = result.columnNames().map((name, i) => ({ name, type: result.columnType(i) }));
    const builder = new ArrowBatchBuilder(columns);
    let rows = 0;
    let batchIndex = 0;
    let target = FIRST_BATCH_ROWS;
    let lastSent = performance.now();
    let truncated = false;
    const send = () => {
      const batchRows = builder.rowCount;
      const arrow = builder.flush();
      rows += batchRows;
      events.emit('warehouse.onQueryBatch', {
        queryId,
        batchIndex: batchIndex++,
        arrow,
        rowCount: batchRows,
        rowsSoFar: rows,
      });
      lastSent = performance.now();
      target = BATCH_ROWS;
    };
    for (;;) {
      if (query.cancelled) break;
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const room = maxRows - rows - builder.rowCount;
      if (room <= 0) {
        truncated = true;
        break;
      }
      builder.append(chunk, room);
      if (builder.rowCount >= target || performance.now() - lastSent > BATCH_INTERVAL_MS) send();
    }
    // The schema always travels, even for an empty result, so the grid can show the columns.
    if (builder.rowCount > 0 || batchIndex === 0) send();
    return { rows, truncated };
  }

  async listTables(): Promise<TableInfo[]> {
    this.assertOpen();
    const rows = await this.queryRows(`
      SELECT t.schema_name AS schema, t.table_name AS name, 'table' AS kind, t.estimated_size AS row_count,
             (SELECT list({'name': c.column_name, 'type': c.data_type} ORDER BY c.column_index)
                FROM duckdb_columns() c WHERE c.table_oid = t.table_oid) AS columns
        FROM duckdb_tables() t WHERE NOT t.internal
      UNION ALL
      SELECT v.schema_name, v.view_name, 'view', NULL,
             (SELECT list({'name': c.column_name, 'type': c.data_type} ORDER BY c.column_index)
                FROM duckdb_columns() c WHERE c.table_oid = v.view_oid)
        FROM duckdb_views() v WHERE NOT v.internal
      ORDER BY 1, 2`);
    return rows.map((r) => ({
      schema: String(r.schema),
      name: String(r.name),
      kind: r.kind === 'view' ? 'view' : 'table',
      rowCount: r.row_count === null || r.row_count === undefined ? null : Number(r.row_count),
      columns: ((r.columns as { name: string; type: string }[] | null) ?? []).map((c) => ({
        name: String(c.name),
        type: String(c.type),
      })),
    }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const query of this.running.values()) {
      query.cancelled = true;
      query.connection?.interrupt();
    }
    // Give interrupted queries a moment to unwind before the database goes away.
    for (let i = 0; i < 50 && this.running.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
    this.instance.closeSync();
  }

  private assertOpen(): void {
    if (this.closed) throw new LakebenchError('WORKSPACE_NOT_OPEN', 'the workspace database is closed');
  }
}

/** A SQL error with DuckDB's message and where in the cell it points. */
function sqlError(err: unknown, fullSql: string, statement: string, statementStart: number): LakebenchError {
  const message = errorMessage(err);
  const storage = storageError(err);
  if (storage) return storage;
  if (err instanceof LakebenchError && !/\nLINE \d+: /.test(message)) {
    // A router's error: its offset, if any, is in the statement.
    const at = err.location?.offset;
    if (at === undefined) return err;
    const offset = statementStart + at;
    return new LakebenchError(err.code, message, { ...lineColumnAt(fullSql, offset), offset });
  }
  const inStatement = duckdbErrorOffset(message, statement);
  if (inStatement === null) return new LakebenchError('SQL_ERROR', message.trim());
  const offset = statementStart + inStatement;
  const { line, column } = lineColumnAt(fullSql, offset);
  return new LakebenchError('SQL_ERROR', duckdbErrorSummary(message), {
    offset,
    line,
    column,
  });
}

export { ArrowBatchBuilder } from './arrow-batch';
