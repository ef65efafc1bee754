/**
 * The workspace's tables as Delta tables in DuckDB: every `tables/<schema>/<name>/` is a view of its latest
 * version, and SQL that writes one (CREATE TABLE, INSERT, UPDATE, DELETE), reads an old version (VERSION AS
 * OF, TIMESTAMP AS OF), or manages it (DESCRIBE HISTORY, RESTORE, VACUUM) is routed to the Delta operations.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { LakebenchError, errorMessage } from '../../../shared/errors';
import { tokenize, type Token } from '../../../shared/sql/scope';
import type { RoutedStatement, StatementRouter } from '../warehouse';
import type { Action } from './actions';
import type { ConnectionSource, WarningSink } from './engine';
import { DeltaTables, describeSnapshot, listWorkspaceTables, tablePath, type WorkspaceTable } from './index';
import type { WriteResult } from './operations';
import { deltaTypeOfDuckdb, schemaString } from './schema';
import { writeDataFiles } from './write';

const DEFAULT_SCHEMA = 'main';
const HOUR_MS = 3_600_000;

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const quoteLiteral = (value: string) => `'${value.replace(/'/g, "''")}'`;
const kw = (t: Token | undefined) => (t && t.kind === 'ident' ? t.text.toLowerCase() : '');
const isName = (t: Token | undefined): t is Token => !!t && (t.kind === 'ident' || t.kind === 'quoted');

/** A table name in a statement: the tokens it spans and what it names. */
interface NameAt {
  schema: string;
  name: string;
  /** Index of the token after the name. */
  next: number;
}

/** Reads `name` or `schema.name` at token `i`. */
function nameAt(tokens: Token[], i: number): NameAt | null {
  if (!isName(tokens[i])) return null;
  if (tokens[i + 1]?.text === '.' && isName(tokens[i + 2])) {
    if (tokens[i + 3]?.text === '.') return null; // catalog.schema.name: not a workspace table
    return { schema: tokens[i].text, name: tokens[i + 2].text, next: i + 3 };
  }
  return { schema: DEFAULT_SCHEMA, name: tokens[i].text, next: i + 1 };
}

/** Splits `text` at commas outside parentheses and strings. */
function splitTopLevel(text: string, separator = ','): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (const t of tokenize(text)) {
    if (t.text === '(' && t.kind === 'symbol') depth++;
    else if (t.text === ')' && t.kind === 'symbol') depth--;
    else if (t.kind === 'symbol' && t.text === separator && depth === 0) {
      parts.push(text.slice(start, t.start));
      start = t.start + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** The workspace's Delta tables, their DuckDB views and the SQL routed to them. */
export class WorkspaceTables implements StatementRouter {
  readonly delta: DeltaTables;

  private constructor(
    readonly root: string,
    source: ConnectionSource,
    warn?: WarningSink,
  ) {
    this.delta = new DeltaTables(source, warn);
  }

  /** Opens the tables of `root` on a DuckDB and makes each one a view. */
  static async open(root: string, source: ConnectionSource, warn?: WarningSink): Promise<WorkspaceTables> {
    const tables = new WorkspaceTables(root, source, warn);
    for (const table of await tables.list()) {
      try {
        await tables.refreshView(table.schema, table.name);
      } catch (err) {
        // One broken table must not keep the workspace closed: it is reported and left without a view.
        tables.delta.engine.warn(
          `Lakebench: the table ${table.schema}.${table.name} cannot be read: ${errorMessage(err)}`,
        );
      }
    }
    return tables;
  }

  private attachedTo: { setRouter(router: StatementRouter | null): void } | null = null;

  /** Makes this the router of a warehouse's queries, until `close`. */
  attach(warehouse: { setRouter(router: StatementRouter | null): void }): void {
    warehouse.setRouter(this);
    this.attachedTo = warehouse;
  }

  close(): void {
    this.attachedTo?.setRouter(null);
    this.attachedTo = null;
  }

  list(): Promise<WorkspaceTable[]> {
    return listWorkspaceTables(this.root);
  }

  pathOf(schema: string, name: string): string {
    return tablePath(this.root, schema, name);
  }

  /** Whether `tables/<schema>/<name>/` holds a Delta table. */
  async exists(schema: string, name: string): Promise<boolean> {
    let p: string;
    try {
      p = this.pathOf(schema, name);
    } catch {
      return false; // not a valid workspace table name, so not one of the workspace's tables
    }
    try {
      return (await stat(path.join(p, '_delta_log'))).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /** (Re)creates the view `"<schema>"."<name>"` over the table's latest version. */
  async refreshView(schema: string, name: string): Promise<void> {
    const plan = await this.delta.scan(this.pathOf(schema, name));
    await this.delta.engine.withConnection(async (s) => {
      if (schema !== DEFAULT_SCHEMA) await s.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      await s.run(`CREATE OR REPLACE VIEW ${quoteIdent(schema)}.${quoteIdent(name)} AS ${plan.sql}`);
    });
  }

  /** Whether DuckDB holds a table of its own by this name, or it is in another database (those stay DuckDB's). */
  private async isNativeTable(schema: string, name: string): Promise<boolean> {
    const rows = await this.delta.engine.withConnection((s) =>
      s.rows(
        `SELECT 1 FROM duckdb_tables() WHERE NOT internal AND NOT temporary AND database_name = current_database() AND lower(schema_name) = lower(${quoteLiteral(schema)}) AND lower(table_name) = lower(${quoteLiteral(name)})` +
          // `db.t` where db is an attached database (or `temp`) names a table there, not a workspace table.
          ` UNION ALL SELECT 1 FROM duckdb_databases() WHERE lower(database_name) = lower(${quoteLiteral(schema)}) AND lower(database_name) <> 'main'`,
      ),
    );
    return rows.length > 0;
  }

  async route(statement: string, who: string): Promise<RoutedStatement | null> {
    try {
      const rewritten = await this.rewriteReads(statement);
      const text = rewritten ?? statement;
      const tokens = tokenize(text);
      const routed = await this.routeStatement(text, tokens, who);
      if (routed) return routed;
      return rewritten === null ? null : { sql: rewritten };
    } catch (err) {
      throw relocated(err, statement);
    }
  }

  /**
   * Replaces `t VERSION AS OF n`, `t TIMESTAMP AS OF '...'` (t a workspace table) and `delta.\`/path\`` by
   * the scan of that snapshot as a subquery; null when the statement has none.
   */
  private async rewriteReads(sql: string): Promise<string | null> {
    const tokens = tokenize(sql);
    const edits: { start: number; end: number; text: string }[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      // delta.`/path/to/table`
      if (kw(t) === 'delta' && tokens[i + 1]?.text === '.' && tokens[i + 2]?.text === '`') {
        const open = tokens[i + 2].start;
        const close = sql.indexOf('`', open + 1);
        if (close < 0) continue;
        const folder = sql.slice(open + 1, close);
        const root = path.resolve(this.root, folder);
        const plan = await this.scanOrExplain(root, {}, `delta.\`${folder}\``);
        edits.push({ start: t.start, end: close + 1, text: `(${plan})` });
        while (i < tokens.length && tokens[i].start <= close) i++;
        i--;
        continue;
      }
      const at = nameAt(tokens, i);
      if (!at) continue;
      const k = at.next;
      const which = kw(tokens[k]);
      if ((which !== 'version' && which !== 'timestamp') || kw(tokens[k + 1]) !== 'as') continue;
      if (kw(tokens[k + 2]) !== 'of' || !tokens[k + 3]) continue;
      if (!(await this.exists(at.schema, at.name))) continue;
      const value = tokens[k + 3];
      const selector =
        which === 'version' ? { version: Number(value.text) } : { timestamp: Date.parse(value.text) };
      const label = `${at.schema}.${at.name} ${which.toUpperCase()} AS OF ${value.text}`;
      if (Number.isNaN(selector.version ?? selector.timestamp)) {
        throw new LakebenchError('SQL_ERROR', `${label}: ${JSON.stringify(value.text)} is not a ${which}`);
      }
      const plan = await this.scanOrExplain(this.pathOf(at.schema, at.name), selector, label);
      const end = value.start + (value.kind === 'string' ? value.text.length + 2 : value.text.length);
      // Kept under the table's name, so `t.column` still resolves.
      const alias =
        kw(tokens[k + 4]) === 'as' || this.isAlias(tokens[k + 4]) ? '' : ` AS ${quoteIdent(at.name)}`;
      edits.push({ start: tokens[i].start, end, text: `(${plan})${alias}` });
      i = k + 3;
    }
    if (edits.length === 0) return null;
    let out = sql;
    for (const e of edits.reverse()) out = out.slice(0, e.start) + e.text + out.slice(e.end);
    return out;
  }

  private isAlias(t: Token | undefined): boolean {
    if (!t) return false;
    if (t.kind === 'quoted') return true;
    const notAlias = [
      'where',
      'group',
      'order',
      'limit',
      'join',
      'left',
      'right',
      'inner',
      'full',
      'cross',
      'on',
      'union',
      'except',
      'intersect',
      'having',
      'qualify',
      'window',
      'using',
      'natural',
      'positional',
      'asof',
    ];
    return t.kind === 'ident' && !notAlias.includes(t.text.toLowerCase());
  }

  private async scanOrExplain(
    root: string,
    selector: { version?: number; timestamp?: number },
    label: string,
  ): Promise<string> {
    try {
      return (await this.delta.scan(root, selector)).sql;
    } catch (err) {
      throw new LakebenchError('SQL_ERROR', `${label}: ${errorMessage(err)}`);
    }
  }

  private async routeStatement(sql: string, tokens: Token[], who: string): Promise<RoutedStatement | null> {
    const first = kw(tokens[0]);
    const rest = (i: number) => (tokens[i] ? sql.slice(tokens[i].start).trim() : '');
    if (first === 'create') {
      let i = 1;
      let replace = false;
      if (kw(tokens[i]) === 'or' && kw(tokens[i + 1]) === 'replace') {
        replace = true;
        i += 2;
      }
      if (kw(tokens[i]) !== 'table') return null; // TEMP tables, views, schemas... stay DuckDB's
      i++;
      let ifNotExists = false;
      if (kw(tokens[i]) === 'if' && kw(tokens[i + 1]) === 'not' && kw(tokens[i + 2]) === 'exists') {
        ifNotExists = true;
        i += 3;
      }
      const at = nameAt(tokens, i);
      if (!at || (await this.isNativeTable(at.schema, at.name))) return null;
      const exists = await this.exists(at.schema, at.name);
      const label = `${at.schema}.${at.name}`;
      if (exists && ifNotExists) return countResult(0, 'CREATE');
      if (exists && !replace) {
        throw new LakebenchError('SQL_ERROR', `Table ${label} already exists (a Delta table in tables/)`);
      }
      const root = this.pathOf(at.schema, at.name);
      const provenance = { userMetadata: who, extra: { 'lakebench.statement': sql } };
      if (kw(tokens[at.next]) === 'as') {
        const select = rest(at.next + 1);
        const result = exists
          ? await this.write(label, () => this.delta.overwrite(root, select, provenance))
          : await this.write(label, () => this.delta.createTableAs(root, select, {}, provenance));
        await this.refreshView(at.schema, at.name);
        return countResult(result.numOutputRows, 'CREATE');
      }
      if (tokens[at.next]?.text === '(') {
        if (exists) {
          throw new LakebenchError(
            'SQL_ERROR',
            `CREATE OR REPLACE TABLE ${label} (...) on an existing Delta table: use CREATE OR REPLACE TABLE ... AS SELECT, or DELETE`,
          );
        }
        const columns = await this.columnsOfDefinition(rest(at.next));
        await this.write(label, () => this.delta.createTable(root, { columns }, provenance));
        await this.refreshView(at.schema, at.name);
        return countResult(0, 'CREATE');
      }
      return null;
    }
    if (first === 'insert' && kw(tokens[1]) === 'into') {
      const at = nameAt(tokens, 2);
      if (!at || !(await this.exists(at.schema, at.name))) return null;
      const root = this.pathOf(at.schema, at.name);
      const label = `${at.schema}.${at.name}`;
      const snapshot = await this.delta.snapshot(root);
      const tableColumns = snapshot.schema.fields.map((f) => f.name);
      let j = at.next;
      let named = tableColumns;
      if (tokens[j]?.text === '(' && !['select', 'with', 'values'].includes(kw(tokens[j + 1]))) {
        const close = tokens.findIndex((t, k) => k > j && t.text === ')');
        named = tokens
          .slice(j + 1, close)
          .filter((t) => isName(t))
          .map((t) => t.text);
        j = close + 1;
      }
      const source = rest(j);
      if (!source) return null;
      const lower = new Set(named.map((n) => n.toLowerCase()));
      const unknown = named.filter((n) => !tableColumns.some((c) => c.toLowerCase() === n.toLowerCase()));
      if (unknown.length) {
        throw new LakebenchError('SQL_ERROR', `Table ${label} has no column ${unknown.join(', ')}`);
      }
      const select = `SELECT ${tableColumns
        .map((c) => (lower.has(c.toLowerCase()) ? quoteIdent(c) : `NULL AS ${quoteIdent(c)}`))
        .join(', ')} FROM (${source}) AS __lakebench_source(${named.map(quoteIdent).join(', ')})`;
      const result = await this.write(label, () =>
        this.delta.insert(root, select, { userMetadata: who, extra: { 'lakebench.statement': sql } }),
      );
      await this.refreshView(at.schema, at.name);
      return countResult(result.numOutputRows, 'INSERT');
    }
    if (first === 'delete' && kw(tokens[1]) === 'from') {
      const at = nameAt(tokens, 2);
      if (!at || !(await this.exists(at.schema, at.name))) return null;
      if (tokens[at.next] && kw(tokens[at.next]) !== 'where') return null;
      const predicate = tokens[at.next] ? rest(at.next + 1) : 'true';
      const label = `${at.schema}.${at.name}`;
      const result = await this.write(label, () =>
        this.delta.delete(this.pathOf(at.schema, at.name), predicate, {
          userMetadata: who,
          extra: { 'lakebench.statement': sql },
        }),
      );
      await this.refreshView(at.schema, at.name);
      return countResult(result.numDeletedRows, 'DELETE');
    }
    if (first === 'update') {
      const at = nameAt(tokens, 1);
      if (!at || kw(tokens[at.next]) !== 'set' || !(await this.exists(at.schema, at.name))) return null;
      const where = topLevelKeyword(tokens, at.next, 'where');
      const setText = sql.slice(
        tokens[at.next + 1]?.start ?? sql.length,
        where < 0 ? sql.length : tokens[where].start,
      );
      const assignments: Record<string, string> = {};
      for (const part of splitTopLevel(setText)) {
        const eq = part.indexOf('=');
        if (eq < 0)
          throw new LakebenchError(
            'SQL_ERROR',
            `UPDATE ${at.schema}.${at.name}: "${part}" is not column = expression`,
          );
        const column = tokenize(part.slice(0, eq))[0];
        assignments[column?.text ?? part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
      }
      const predicate = where < 0 ? 'true' : rest(where + 1);
      const label = `${at.schema}.${at.name}`;
      const result = await this.write(label, () =>
        this.delta.update(this.pathOf(at.schema, at.name), assignments, predicate, {
          userMetadata: who,
          extra: { 'lakebench.statement': sql },
        }),
      );
      await this.refreshView(at.schema, at.name);
      return countResult(result.numUpdatedRows, 'UPDATE');
    }
    if (first === 'describe' && kw(tokens[1]) === 'history') {
      const at = nameAt(tokens, 2);
      if (!at || !(await this.exists(at.schema, at.name))) {
        throw new LakebenchError(
          'SQL_ERROR',
          `DESCRIBE HISTORY: ${tokens[2]?.text ?? '?'} is not a Delta table of the workspace`,
        );
      }
      let limit: number | undefined;
      if (kw(tokens[at.next]) === 'limit') {
        limit = Number(tokens[at.next + 1]?.text);
        if (!Number.isInteger(limit) || limit < 1) {
          throw new LakebenchError('SQL_ERROR', 'DESCRIBE HISTORY t LIMIT <n>: n is a positive whole number');
        }
      } else if (tokens[at.next]) {
        throw new LakebenchError('SQL_ERROR', `DESCRIBE HISTORY ${at.schema}.${at.name} [LIMIT n]`);
      }
      return { sql: await this.historySql(at.schema, at.name, limit) };
    }
    if (first === 'describe' && kw(tokens[1]) === 'detail') {
      const at = nameAt(tokens, 2);
      if (!at || !(await this.exists(at.schema, at.name))) {
        throw new LakebenchError(
          'SQL_ERROR',
          `DESCRIBE DETAIL: ${tokens[2]?.text ?? '?'} is not a Delta table of the workspace`,
        );
      }
      return { sql: await this.detailSql(at.schema, at.name) };
    }
    if (first === 'optimize') {
      const at = nameAt(tokens, 1);
      if (!at || !(await this.exists(at.schema, at.name))) return null;
      if (tokens[at.next]) {
        throw new LakebenchError(
          'SQL_ERROR',
          `OPTIMIZE ${at.schema}.${at.name}: only OPTIMIZE <table> is supported`,
        );
      }
      return this.optimize(at.schema, at.name, who);
    }
    if (first === 'alter' && kw(tokens[1]) === 'table') {
      const at = nameAt(tokens, 2);
      if (!at || !(await this.exists(at.schema, at.name))) return null;
      return this.alter(at.schema, at.name, tokens, at.next, sql, who);
    }
    if (first === 'drop' && kw(tokens[1]) === 'table') {
      const i = kw(tokens[2]) === 'if' && kw(tokens[3]) === 'exists' ? 4 : 2;
      const at = nameAt(tokens, i);
      if (!at || !(await this.exists(at.schema, at.name))) return null;
      // Dropping would delete every version of the table: that is left to the user, on the folder itself.
      throw new LakebenchError(
        'SQL_ERROR',
        `${at.schema}.${at.name} is a Delta table (${path.relative(this.root, this.pathOf(at.schema, at.name))}/); Lakebench does not drop it from SQL: delete that folder to remove the table and all its versions`,
      );
    }
    if (first === 'merge' && kw(tokens[1]) === 'into') {
      const at = nameAt(tokens, 2);
      if (!at || !(await this.exists(at.schema, at.name))) return null;
      return this.merge(at.schema, at.name, tokens, at.next, sql, who);
    }
    if (first === 'restore') {
      let i = 1;
      if (kw(tokens[i]) === 'table') i++;
      const at = nameAt(tokens, i);
      if (!at || !(await this.exists(at.schema, at.name))) return null;
      const k = at.next;
      const which = kw(tokens[k + 1]);
      if (
        kw(tokens[k]) !== 'to' ||
        kw(tokens[k + 2]) !== 'as' ||
        kw(tokens[k + 3]) !== 'of' ||
        !tokens[k + 4]
      ) {
        throw new LakebenchError(
          'SQL_ERROR',
          "RESTORE TABLE t TO VERSION AS OF n, or TO TIMESTAMP AS OF '...'",
        );
      }
      const value = tokens[k + 4].text;
      const selector = which === 'version' ? { version: Number(value) } : { timestamp: Date.parse(value) };
      return this.restore(at.schema, at.name, selector, who);
    }
    if (first === 'vacuum') {
      const at = nameAt(tokens, 1);
      if (!at || !(await this.exists(at.schema, at.name))) return null;
      let retentionMs: number | undefined;
      if (kw(tokens[at.next]) === 'retain') {
        retentionMs = Number(tokens[at.next + 1]?.text) * HOUR_MS;
        if (Number.isNaN(retentionMs)) throw new LakebenchError('SQL_ERROR', 'VACUUM t RETAIN <n> HOURS');
      }
      const result = await this.write(`${at.schema}.${at.name}`, () =>
        this.delta.vacuum(this.pathOf(at.schema, at.name), retentionMs === undefined ? {} : { retentionMs }),
      );
      const deleted = result.deleted;
      return {
        sql: `SELECT ${quoteLiteral(this.pathOf(at.schema, at.name))} AS path, ${deleted.length}::BIGINT AS files_deleted`,
      };
    }
    return null;
  }

  /** Runs a write, naming the table in its error. */
  private async write<T>(label: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      const message = errorMessage(err);
      throw new LakebenchError(
        err instanceof LakebenchError && err.code !== 'INTERNAL' ? err.code : 'SQL_ERROR',
        message.includes(label) ? message : `${label}: ${message}`,
      );
    }
  }

  /** The columns of `(a INT, b VARCHAR NOT NULL, ...)`, as DuckDB understands them. */
  private columnsOfDefinition(
    definition: string,
  ): Promise<{ name: string; type: string; nullable: boolean }[]> {
    return this.delta.engine.withConnection(async (s) => {
      await s.run(`CREATE TEMP TABLE __lakebench_definition ${definition}`);
      try {
        const rows = await s.rows(`DESCRIBE __lakebench_definition`);
        return rows.map((r) => ({
          name: String(r.column_name),
          type: String(r.column_type),
          nullable: r.null !== 'NO',
        }));
      } finally {
        await s.run(`DROP TABLE __lakebench_definition`);
      }
    });
  }

  private async historySql(schema: string, name: string, limit?: number): Promise<string> {
    const entries = await this.delta.history(this.pathOf(schema, name), limit);
    const json = (v: unknown) => `${quoteLiteral(JSON.stringify(v))}::JSON`;
    const text = (v: string | null) => (v === null ? 'NULL::VARCHAR' : quoteLiteral(v));
    const rows = entries.map(
      (e) =>
        `(${e.version}::BIGINT, make_timestamp(${e.timestamp * 1000}::BIGINT), ${text(e.operation)}, ${json(e.operationParameters)}, ${json(e.operationMetrics)}, ${text(e.userMetadata)}, ${e.readVersion ?? 'NULL'}::BIGINT, ${e.isBlindAppend ?? 'NULL'}::BOOLEAN, ${text(e.engineInfo)})`,
    );
    const columns =
      'version, timestamp, operation, operationParameters, operationMetrics, userMetadata, readVersion, isBlindAppend, engineInfo';
    return `SELECT * FROM (VALUES ${rows.join(', ')}) AS history(${columns}) ORDER BY version DESC`;
  }

  private async detailSql(schema: string, name: string): Promise<string> {
    const root = this.pathOf(schema, name);
    const d = describeSnapshot(await this.delta.snapshot(root));
    const list = (items: string[]) => `[${items.map(quoteLiteral).join(', ')}]::VARCHAR[]`;
    return `SELECT 'delta' AS format, ${quoteLiteral(d.id)} AS id, ${quoteLiteral(`${schema}.${name}`)} AS name, ${quoteLiteral(root)} AS location, make_timestamp(${d.timestamp * 1000}::BIGINT) AS lastModified, ${d.version}::BIGINT AS version, ${list(d.partitionColumns)} AS partitionColumns, ${d.numFiles}::BIGINT AS numFiles, ${d.sizeInBytes}::BIGINT AS sizeInBytes, ${quoteLiteral(JSON.stringify(d.configuration))}::JSON AS properties, ${d.protocol.minReaderVersion}::INTEGER AS minReaderVersion, ${d.protocol.minWriterVersion}::INTEGER AS minWriterVersion, ${list(d.protocol.readerFeatures)} AS readerFeatures, ${list(d.protocol.writerFeatures)} AS writerFeatures`;
  }

  /** Rewrites the live files into one file per partition (no rows change). */
  private async optimize(schema: string, name: string, who: string): Promise<RoutedStatement> {
    const root = this.pathOf(schema, name);
    const label = `${schema}.${name}`;
    const snapshot = await this.delta.snapshot(root);
    const parts = new Map<string, number>();
    for (const f of snapshot.files) {
      const key = JSON.stringify(f.partitionValues);
      parts.set(key, (parts.get(key) ?? 0) + 1);
    }
    const result = (added: number, removed: number, version: number | null) => ({
      sql: `SELECT ${quoteLiteral(root)} AS path, ${version ?? 'NULL'}::BIGINT AS version, ${added}::BIGINT AS numFilesAdded, ${removed}::BIGINT AS numFilesRemoved`,
      statementType: 'OPTIMIZE',
    });
    // Nothing to compact: no version is committed.
    if ([...parts.values()].every((n) => n <= 1)) return result(0, 0, null);
    const plan = await this.delta.scan(root, { version: snapshot.version });
    const written = await this.write(label, () =>
      this.delta.engine.withConnection((s) =>
        writeDataFiles(s, root, snapshot.schema, snapshot.metadata.partitionColumns, plan.sql),
      ),
    );
    const now = Date.now();
    const actions: Action[] = [
      ...snapshot.files.map((f): Action => ({
        kind: 'remove',
        remove: {
          path: f.path,
          deletionTimestamp: now,
          dataChange: false,
          extendedFileMetadata: true,
          partitionValues: f.partitionValues,
          size: f.size,
          ...(f.stats ? { stats: f.stats } : {}),
        },
      })),
      ...written.adds.map((add): Action => ({ kind: 'add', add: { ...add, dataChange: false } })),
    ];
    const committed = await this.write(label, () =>
      this.delta.commit(root, actions, {
        readVersion: snapshot.version,
        operation: 'OPTIMIZE',
        operationParameters: { predicate: '[]', zOrderBy: '[]' },
        operationMetrics: {
          numAddedFiles: String(written.adds.length),
          numRemovedFiles: String(snapshot.files.length),
          numAddedBytes: String(written.numOutputBytes),
          numRemovedBytes: String(snapshot.files.reduce((n, f) => n + f.size, 0)),
        },
        isBlindAppend: false,
        readPaths: snapshot.files.map((f) => f.path),
        userMetadata: who,
      }),
    );
    await this.refreshView(schema, name);
    return result(written.adds.length, snapshot.files.length, committed.version);
  }

  /** ALTER TABLE t ADD COLUMN[S] name type [, ...]: a new schema; old files read the column as NULL. */
  private async alter(
    schema: string,
    name: string,
    tokens: Token[],
    at: number,
    sql: string,
    who: string,
  ): Promise<RoutedStatement> {
    const label = `${schema}.${name}`;
    const root = this.pathOf(schema, name);
    if (kw(tokens[at]) === 'rename' && kw(tokens[at + 1]) === 'column') {
      return this.renameColumn(schema, name, tokens, at + 2, who);
    }
    if (kw(tokens[at]) !== 'add') {
      throw new LakebenchError(
        'SQL_ERROR',
        `ALTER TABLE ${label}: Delta tables support ADD COLUMN and RENAME COLUMN here; ${tokens[at]?.text ?? 'this'} is not supported yet`,
      );
    }
    let i = at + 1;
    if (kw(tokens[i]) === 'column' || kw(tokens[i]) === 'columns') i++;
    let text = tokens[i] ? sql.slice(tokens[i].start).trim() : '';
    if (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1);
    const snapshot = await this.delta.snapshot(root);
    const fields = [...snapshot.schema.fields];
    const added: string[] = [];
    for (const definition of splitTopLevel(text)) {
      const parts = tokenize(definition);
      const column = parts[0];
      if (!isName(column) || !parts[1]) {
        throw new LakebenchError(
          'SQL_ERROR',
          `ALTER TABLE ${label} ADD COLUMN: "${definition}" is not name type`,
        );
      }
      const typeText = definition.slice(parts[1].start).trim();
      const type = deltaTypeOfDuckdb(typeText);
      if (!type)
        throw new LakebenchError(
          'SQL_ERROR',
          `ALTER TABLE ${label}: ${typeText} is not a type a Delta table can hold`,
        );
      if (fields.some((f) => f.name.toLowerCase() === column.text.toLowerCase())) {
        throw new LakebenchError(
          'SQL_ERROR',
          `ALTER TABLE ${label}: the column ${column.text} already exists`,
        );
      }
      fields.push({ name: column.text, type, nullable: true, metadata: {} });
      added.push(column.text);
    }
    if (added.length === 0)
      throw new LakebenchError('SQL_ERROR', `ALTER TABLE ${label} ADD COLUMN name type`);
    const committed = await this.write(label, () =>
      this.delta.commit(
        root,
        [{ kind: 'metaData', metaData: { ...snapshot.metadata, schemaString: schemaString({ fields }) } }],
        {
          readVersion: snapshot.version,
          operation: 'ADD COLUMNS',
          operationParameters: {
            columns: JSON.stringify(
              added.map((c) => ({ column: fields.find((f) => f.name === c), position: null })),
            ),
          },
          operationMetrics: {},
          isBlindAppend: false,
          userMetadata: who,
        },
      ),
    );
    await this.refreshView(schema, name);
    return { sql: `SELECT ${committed.version}::BIGINT AS version`, statementType: 'ALTER' };
  }

  /**
   * ALTER TABLE t RENAME COLUMN a TO b. Without column mapping (which Lakebench does not write) a Parquet
   * column keeps its name, so the live files are rewritten under the new name, in the same version.
   */
  private async renameColumn(
    schema: string,
    name: string,
    tokens: Token[],
    at: number,
    who: string,
  ): Promise<RoutedStatement> {
    const label = `${schema}.${name}`;
    const root = this.pathOf(schema, name);
    const from = tokens[at];
    const to = tokens[at + 2];
    if (!isName(from) || kw(tokens[at + 1]) !== 'to' || !isName(to) || tokens[at + 3]) {
      throw new LakebenchError('SQL_ERROR', `ALTER TABLE ${label} RENAME COLUMN old TO new`);
    }
    const snapshot = await this.delta.snapshot(root);
    const field = snapshot.schema.fields.find((f) => f.name.toLowerCase() === from.text.toLowerCase());
    if (!field)
      throw new LakebenchError('SQL_ERROR', `ALTER TABLE ${label}: there is no column ${from.text}`);
    if (snapshot.schema.fields.some((f) => f !== field && f.name.toLowerCase() === to.text.toLowerCase())) {
      throw new LakebenchError('SQL_ERROR', `ALTER TABLE ${label}: the column ${to.text} already exists`);
    }
    const fields = snapshot.schema.fields.map((f) => (f === field ? { ...f, name: to.text } : f));
    const partitionColumns = snapshot.metadata.partitionColumns.map((c) => (c === field.name ? to.text : c));
    const plan = await this.delta.scan(root, { version: snapshot.version });
    const select = `SELECT ${snapshot.schema.fields
      .map((f) => `${quoteIdent(f.name)}${f === field ? ` AS ${quoteIdent(to.text)}` : ''}`)
      .join(', ')} FROM (${plan.sql})`;
    const written = await this.write(label, () =>
      this.delta.engine.withConnection((s) => writeDataFiles(s, root, { fields }, partitionColumns, select)),
    );
    const now = Date.now();
    const committed = await this.write(label, () =>
      this.delta.commit(
        root,
        [
          {
            kind: 'metaData',
            metaData: { ...snapshot.metadata, schemaString: schemaString({ fields }), partitionColumns },
          },
          ...snapshot.files.map((f): Action => ({
            kind: 'remove',
            remove: {
              path: f.path,
              deletionTimestamp: now,
              dataChange: true,
              extendedFileMetadata: true,
              partitionValues: f.partitionValues,
              size: f.size,
              ...(f.stats ? { stats: f.stats } : {}),
            },
          })),
          ...written.adds.map((add): Action => ({ kind: 'add', add })),
        ],
        {
          readVersion: snapshot.version,
          operation: 'RENAME COLUMN',
          operationParameters: { oldColumnPath: field.name, newColumnPath: to.text },
          operationMetrics: {
            numFiles: String(written.adds.length),
            numRemovedFiles: String(snapshot.files.length),
            numOutputRows: String(written.numOutputRows),
          },
          isBlindAppend: false,
          readPaths: snapshot.files.map((f) => f.path),
          userMetadata: who,
        },
      ),
    );
    await this.refreshView(schema, name);
    return { sql: `SELECT ${committed.version}::BIGINT AS version`, statementType: 'ALTER' };
  }

  /**
   * MERGE INTO t [AS a] USING source [AS b] ON cond WHEN [NOT] MATCHED [AND c] THEN UPDATE SET ... | UPDATE
   * SET * | DELETE | INSERT [(cols)] VALUES (...) | INSERT * | DO NOTHING: the table's rows are rewritten in
   * one version.
   */
  private async merge(
    schema: string,
    name: string,
    tokens: Token[],
    at: number,
    sql: string,
    who: string,
  ): Promise<RoutedStatement> {
    const label = `${schema}.${name}`;
    const root = this.pathOf(schema, name);
    const fail = (why: string): never => {
      throw new LakebenchError('SQL_ERROR', `MERGE INTO ${label}: ${why}`);
    };
    const using = topLevelKeyword(tokens, at - 1, 'using');
    if (using < 0) fail('USING source is missing');
    let targetAlias = name;
    const aliasTokens = tokens.slice(at, using).filter((t) => kw(t) !== 'as');
    if (aliasTokens.length === 1 && isName(aliasTokens[0])) targetAlias = aliasTokens[0].text;
    else if (aliasTokens.length > 1) fail('expected [AS] alias before USING');
    const on = topLevelKeyword(tokens, using, 'on');
    if (on < 0) fail('ON condition is missing');
    const whens = clauseStarts(tokens, on);
    if (whens.length === 0) fail('no WHEN clause');
    const sourceText = sql.slice(tokens[using + 1].start, tokens[on].start).trim();
    const sourceTokens = tokenize(sourceText);
    const last = sourceTokens[sourceTokens.length - 1];
    let sourceAlias: string;
    let sourceRelation = sourceText;
    if (sourceTokens.length > 1 && isName(last) && sourceTokens[sourceTokens.length - 2]?.text !== '.') {
      sourceAlias = last.text;
      sourceRelation = sourceText
        .slice(0, last.start)
        .replace(/\s+as\s*$/i, '')
        .trim();
    } else if (isName(last)) sourceAlias = last.text;
    else sourceAlias = fail('give the source an alias: USING (SELECT ...) AS s');
    const condition = sql.slice(tokens[on + 1].start, tokens[whens[0]].start).trim();
    const snapshot = await this.delta.snapshot(root);
    const columns = snapshot.schema.fields.map((f) => f.name);
    const scan = (await this.delta.scan(root, { version: snapshot.version })).sql;
    const T = quoteIdent(targetAlias);
    const S = quoteIdent(sourceAlias);
    const sourceColumns = (
      await this.write(label, () =>
        this.delta.engine.withConnection((s) => s.rows(`DESCRIBE SELECT * FROM ${sourceRelation}`)),
      )
    ).map((r) => String(r.column_name));
    const sourceHas = (c: string) => sourceColumns.some((n) => n.toLowerCase() === c.toLowerCase());

    type Clause = {
      matched: boolean;
      condition: string | null;
      kind: 'update' | 'delete' | 'insert' | 'nothing';
      values: Map<string, string>;
    };
    const clauses: Clause[] = [];
    for (let w = 0; w < whens.length; w++) {
      const start = whens[w];
      const end = w + 1 < whens.length ? tokens[whens[w + 1]].start : sql.length;
      let i = start + 1;
      const not = kw(tokens[i]) === 'not';
      if (not) i++;
      if (kw(tokens[i]) !== 'matched') fail('expected WHEN [NOT] MATCHED');
      i++;
      if (kw(tokens[i]) === 'by') {
        if (kw(tokens[i + 1]) !== 'target') fail('WHEN NOT MATCHED BY SOURCE is not supported');
        i += 2;
      }
      const then = tokens.findIndex((t, k) => k >= i && kw(t) === 'then');
      if (then < 0 || tokens[then].start >= end) fail('expected THEN');
      const cond = kw(tokens[i]) === 'and' ? sql.slice(tokens[i + 1].start, tokens[then].start).trim() : null;
      const action = kw(tokens[then + 1]);
      const body = (k: number) => (tokens[k] ? sql.slice(tokens[k].start, end).trim() : '');
      const values = new Map<string, string>();
      let kind: Clause['kind'];
      if (action === 'delete' && !not) kind = 'delete';
      else if (action === 'do' && kw(tokens[then + 2]) === 'nothing') kind = 'nothing';
      else if (action === 'update' && !not && kw(tokens[then + 2]) === 'set') {
        kind = 'update';
        const setText = body(then + 3);
        if (setText === '*') {
          for (const c of columns) if (sourceHas(c)) values.set(c.toLowerCase(), `${S}.${quoteIdent(c)}`);
        } else {
          for (const part of splitTopLevel(setText)) {
            const eq = part.indexOf('=');
            if (eq < 0) fail(`"${part}" is not column = expression`);
            const target = tokenize(part.slice(0, eq));
            const column = target[target.length - 1]?.text ?? '';
            if (!columns.some((c) => c.toLowerCase() === column.toLowerCase()))
              fail(`the table has no column ${column}`);
            values.set(column.toLowerCase(), `(${part.slice(eq + 1).trim()})`);
          }
        }
      } else if (action === 'insert' && not) {
        kind = 'insert';
        const insertText = body(then + 2);
        if (insertText === '*') {
          for (const c of columns) {
            if (!sourceHas(c)) fail(`INSERT *: the source has no column ${c}`);
            values.set(c.toLowerCase(), `${S}.${quoteIdent(c)}`);
          }
        } else {
          const parts = tokenize(insertText);
          let names = columns;
          let k = 0;
          if (parts[0]?.text === '(') {
            const close = parts.findIndex((t) => t.text === ')');
            names = parts
              .slice(1, close)
              .filter(isName)
              .map((t) => t.text);
            k = close + 1;
          }
          if (kw(parts[k]) !== 'values' || parts[k + 1]?.text !== '(')
            fail('expected INSERT [(columns)] VALUES (...)');
          const inner = insertText.slice(parts[k + 1].start + 1, insertText.lastIndexOf(')'));
          const exprs = splitTopLevel(inner);
          if (exprs.length !== names.length)
            fail(`INSERT names ${names.length} columns but gives ${exprs.length} values`);
          names.forEach((n, j) => {
            if (!columns.some((c) => c.toLowerCase() === n.toLowerCase()))
              fail(`the table has no column ${n}`);
            values.set(n.toLowerCase(), `(${exprs[j]})`);
          });
        }
      } else kind = fail(`WHEN ${not ? 'NOT ' : ''}MATCHED THEN ${action.toUpperCase()} is not supported`);
      clauses.push({ matched: !not, condition: cond, kind, values });
    }
    const matched = clauses.filter((c) => c.matched);
    const notMatched = clauses.filter((c) => !c.matched);
    const when = (c: Clause) => (c.condition ? `(${c.condition})` : 'true');
    const hit = `${S}.__lakebench_hit`;
    const op = `CASE WHEN ${hit} IS NULL THEN 'none' ${matched
      .map((c) => `WHEN ${when(c)} THEN '${c.kind === 'nothing' ? 'none' : c.kind}'`)
      .join(' ')} ELSE 'none' END`;
    const targetValue = (column: string) =>
      `CASE WHEN ${hit} IS NULL THEN ${T}.${quoteIdent(column)} ${matched
        .map(
          (c) => `WHEN ${when(c)} THEN ${c.values.get(column.toLowerCase()) ?? `${T}.${quoteIdent(column)}`}`,
        )
        .join(' ')} ELSE ${T}.${quoteIdent(column)} END`;
    const targetRel = `(SELECT *, row_number() OVER () AS __lakebench_rid FROM (${scan})) AS ${T}`;
    const sourceRel = `(SELECT *, true AS __lakebench_hit FROM ${sourceRelation} AS ${S}) AS ${S}`;
    const kept = `SELECT ${columns.map((c) => `${targetValue(c)} AS ${quoteIdent(c)}`).join(', ')}, ${op} AS __lakebench_op FROM ${targetRel} LEFT JOIN ${sourceRel} ON ${condition}`;
    // The first NOT MATCHED clause whose condition holds decides: an INSERT, or DO NOTHING.
    const chosen = `CASE ${notMatched.map((c) => `WHEN ${when(c)} THEN '${c.kind}'`).join(' ')} END`;
    const insertValue = (column: string) =>
      `CASE ${notMatched
        .map(
          (c) =>
            `WHEN ${when(c)} THEN ${(c.kind === 'insert' && c.values.get(column.toLowerCase())) || 'NULL'}`,
        )
        .join(' ')} END`;
    const inserted = notMatched.some((c) => c.kind === 'insert')
      ? `SELECT ${columns.map((col) => `${insertValue(col)} AS ${quoteIdent(col)}`).join(', ')}, 'insert' AS __lakebench_op FROM ${sourceRel} LEFT JOIN ${targetRel} ON ${condition} WHERE ${T}.__lakebench_rid IS NULL AND ${chosen} = 'insert'`
      : null;
    const counts = await this.write(label, () =>
      this.delta.engine.withConnection(async (s) => {
        const dup = await s.rows(
          `SELECT ${T}.__lakebench_rid FROM ${targetRel} JOIN ${sourceRel} ON ${condition} GROUP BY 1 HAVING count(*) > 1 LIMIT 1`,
        );
        if (dup.length) fail('more than one source row matches the same target row');
        await s.run(
          `CREATE TEMP TABLE __lakebench_merge AS ${kept}${inserted ? ` UNION ALL ${inserted}` : ''}`,
        );
        const byOp = new Map(
          (
            await s.rows(
              `SELECT __lakebench_op AS op, count(*)::BIGINT AS n FROM __lakebench_merge GROUP BY 1`,
            )
          ).map((r) => [String(r.op), Number(r.n)]),
        );
        const result = {
          updated: byOp.get('update') ?? 0,
          deleted: byOp.get('delete') ?? 0,
          inserted: byOp.get('insert') ?? 0,
          version: null as number | null,
        };
        if (result.updated + result.deleted + result.inserted === 0) return result;
        const written = await writeDataFiles(
          s,
          root,
          snapshot.schema,
          snapshot.metadata.partitionColumns,
          `SELECT * EXCLUDE (__lakebench_op) FROM __lakebench_merge WHERE __lakebench_op <> 'delete'`,
        );
        const now = Date.now();
        const committed = await this.delta.commit(
          root,
          [
            ...snapshot.files.map((f): Action => ({
              kind: 'remove',
              remove: {
                path: f.path,
                deletionTimestamp: now,
                dataChange: true,
                extendedFileMetadata: true,
                partitionValues: f.partitionValues,
                size: f.size,
                ...(f.stats ? { stats: f.stats } : {}),
              },
            })),
            ...written.adds.map((add): Action => ({ kind: 'add', add })),
          ],
          {
            readVersion: snapshot.version,
            operation: 'MERGE',
            operationParameters: {
              predicate: JSON.stringify([condition]),
              matchedPredicates: JSON.stringify(
                matched.map((c) => ({
                  actionType: c.kind,
                  ...(c.condition ? { predicate: c.condition } : {}),
                })),
              ),
              notMatchedPredicates: JSON.stringify(
                notMatched.map((c) => ({
                  actionType: c.kind,
                  ...(c.condition ? { predicate: c.condition } : {}),
                })),
              ),
            },
            operationMetrics: {
              numSourceRows: String(
                (await s.rows(`SELECT count(*)::BIGINT AS n FROM ${sourceRelation}`))[0].n,
              ),
              numTargetRowsInserted: String(result.inserted),
              numTargetRowsUpdated: String(result.updated),
              numTargetRowsDeleted: String(result.deleted),
              numTargetFilesAdded: String(written.adds.length),
              numTargetFilesRemoved: String(snapshot.files.length),
              numOutputRows: String(written.numOutputRows),
            },
            isBlindAppend: false,
            readPaths: snapshot.files.map((f) => f.path),
            userMetadata: who,
            extra: { 'lakebench.statement': sql },
          },
        );
        result.version = committed.version;
        return result;
      }),
    );
    if (counts.version !== null) await this.refreshView(schema, name);
    const affected = counts.updated + counts.deleted + counts.inserted;
    return {
      sql: `SELECT ${affected}::BIGINT AS num_affected_rows, ${counts.updated}::BIGINT AS num_updated_rows, ${counts.deleted}::BIGINT AS num_deleted_rows, ${counts.inserted}::BIGINT AS num_inserted_rows`,
      statementType: 'MERGE',
      rowsChanged: affected,
    };
  }

  /** Commits a version whose files are those of an older one. */
  private async restore(
    schema: string,
    name: string,
    selector: { version?: number; timestamp?: number },
    who: string,
  ): Promise<RoutedStatement> {
    const root = this.pathOf(schema, name);
    const label = `${schema}.${name}`;
    const [latest, target] = await Promise.all([
      this.delta.snapshot(root),
      this.write(label, () => this.delta.snapshot(root, selector)),
    ]);
    // Every file of the old version must still be there (VACUUM may have removed it).
    await this.scanOrExplain(root, { version: target.version }, `${label} VERSION AS OF ${target.version}`);
    const live = new Set(latest.files.map((f) => f.path));
    const wanted = new Set(target.files.map((f) => f.path));
    const now = Date.now();
    const actions: Action[] = [];
    if (target.metadata.schemaString !== latest.metadata.schemaString) {
      actions.push({ kind: 'metaData', metaData: target.metadata });
    }
    const removed = latest.files.filter((f) => !wanted.has(f.path));
    const added = target.files.filter((f) => !live.has(f.path));
    for (const f of removed) {
      actions.push({
        kind: 'remove',
        remove: {
          path: f.path,
          deletionTimestamp: now,
          dataChange: true,
          extendedFileMetadata: true,
          partitionValues: f.partitionValues,
          size: f.size,
          ...(f.stats ? { stats: f.stats } : {}),
        },
      });
    }
    for (const f of added)
      actions.push({ kind: 'add', add: { ...f, dataChange: true, modificationTime: now } });
    const result = await this.write(label, () =>
      this.delta.commit(root, actions, {
        readVersion: latest.version,
        operation: 'RESTORE',
        operationParameters: { version: target.version, timestamp: null },
        operationMetrics: {
          numRemovedFiles: String(removed.length),
          numRestoredFiles: String(added.length),
          removedFilesSize: String(removed.reduce((n, f) => n + f.size, 0)),
          restoredFilesSize: String(added.reduce((n, f) => n + f.size, 0)),
        },
        isBlindAppend: false,
        readPaths: latest.files.map((f) => f.path),
        userMetadata: who,
      }),
    );
    await this.refreshView(schema, name);
    return {
      sql: `SELECT ${result.version}::BIGINT AS version, ${target.version}::BIGINT AS restored_version, ${removed.length}::BIGINT AS num_removed_files, ${added.length}::BIGINT AS num_restored_files`,
      statementType: 'RESTORE',
    };
  }
}

/** The `WHEN` tokens after token `from` that start MERGE clauses (not those of CASE expressions). */
function clauseStarts(tokens: Token[], from: number): number[] {
  const out: number[] = [];
  let depth = 0;
  let cases = 0;
  for (let i = from + 1; i < tokens.length; i++) {
    const t = tokens[i];
    const word = kw(t);
    if (t.kind === 'symbol' && t.text === '(') depth++;
    else if (t.kind === 'symbol' && t.text === ')') depth--;
    else if (word === 'case') cases++;
    else if (word === 'end' && cases > 0) cases--;
    else if (word === 'when' && depth === 0 && cases === 0) out.push(i);
  }
  return out;
}

/** The index of the first `keyword` after token `from` outside parentheses, or -1. */
function topLevelKeyword(tokens: Token[], from: number, keyword: string): number {
  let depth = 0;
  for (let i = from + 1; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'symbol' && t.text === '(') depth++;
    else if (t.kind === 'symbol' && t.text === ')') depth--;
    else if (depth === 0 && kw(t) === keyword) return i;
  }
  return -1;
}

/**
 * An error of SQL the router ran in place of `statement`: DuckDB's `LINE n:` excerpt points into that SQL,
 * so the word it points at is looked up in the statement instead (`location.offset`, in the statement).
 */
function relocated(err: unknown, statement: string): unknown {
  if (!(err instanceof LakebenchError)) return err;
  const m = /\nLINE (\d+): (.*)\n( *)\^/.exec(err.message);
  if (!m) return err;
  const excerpt = m[2];
  const caret = m[3].length - `LINE ${m[1]}: `.length;
  const summary = err.message
    .replace(/\n\nLINE \d+: [\s\S]*$/, '')
    .split('\n')
    .filter((line) => !line.includes('__lakebench')) // names of the router's own SQL mean nothing to the user
    .join('\n')
    .trim();
  const word = /^"((?:[^"]|"")*)"|^[A-Za-z_][A-Za-z0-9_$]*/.exec(excerpt.slice(Math.max(0, caret)));
  const wanted = word ? (word[1] ?? word[0]).toLowerCase() : null;
  const at = wanted
    ? tokenize(statement).find((t) => isName(t) && t.text.toLowerCase() === wanted)
    : undefined;
  return new LakebenchError(err.code, summary, at ? { offset: at.start } : undefined);
}

/** The one-row result of a write, as DuckDB gives it (`Count`). */
function countResult(rows: number, statementType: string): RoutedStatement {
  return { sql: `SELECT ${rows}::BIGINT AS "Count"`, statementType, rowsChanged: rows };
}

export type { WriteResult };
