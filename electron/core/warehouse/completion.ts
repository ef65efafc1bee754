import type { TableInfo } from '../../../shared/api/contract';
import { completionContext, type TableReference } from '../../../shared/sql/scope';
import { splitStatements } from '../../../shared/sql/statements';
import type { SqlCompletion, SqlCompletionResult } from '../../../shared/sql/completion';

/** What completion reads from the warehouse. */
export interface CompletionSource {
  queryRows(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  listTables(): Promise<TableInfo[]>;
}

interface FunctionInfo {
  name: string;
  kind: string;
  signatures: string[];
  description: string | null;
}

/** How long the catalog is reused before it is read again (a DDL statement also drops it). */
const CATALOG_TTL_MS = 5_000;
const MAX_ITEMS = 400;

const IDENT = /^[a-z_][a-z0-9_]*$/;
function quoteIdent(name: string): string {
  return IDENT.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/**
 * SQL completion for cells: DuckDB's own completer (`sql_auto_complete`) for keywords and what may follow,
 * the live catalog for tables and for the columns of the tables in scope (by alias, with their types), and
 * `duckdb_functions()` for function signatures.
 */
export class SqlCompleter {
  private catalog: { tables: TableInfo[]; functions: Map<string, FunctionInfo>; at: number } | null = null;

  constructor(private readonly source: CompletionSource) {}

  /** Forget the catalog (after a statement that may have changed it). */
  invalidate(): void {
    this.catalog = null;
  }

  private async readCatalog(): Promise<NonNullable<SqlCompleter['catalog']>> {
    if (this.catalog && Date.now() - this.catalog.at < CATALOG_TTL_MS) return this.catalog;
    const [tables, fnRows] = await Promise.all([
      this.source.listTables(),
      this.source.queryRows(
        `SELECT function_name AS name, any_value(function_type) AS kind,
                list(DISTINCT function_name || '(' || array_to_string(
                  list_transform(list_zip(parameters, parameter_types), p -> p[1] || ' ' || p[2]), ', ')
                  || ')' || coalesce(' -> ' || return_type, '')) AS signatures,
                any_value(description) AS description
           FROM duckdb_functions()
          WHERE function_type IN ('scalar', 'aggregate', 'table', 'macro', 'table_macro')
            AND NOT starts_with(function_name, '__')
          GROUP BY function_name`,
      ),
    ]);
    const functions = new Map<string, FunctionInfo>();
    for (const r of fnRows) {
      const name = String(r.name);
      functions.set(name.toLowerCase(), {
        name,
        kind: String(r.kind),
        signatures: ((r.signatures as string[] | null) ?? []).slice(0, 8),
        description: typeof r.description === 'string' && r.description ? r.description : null,
      });
    }
    this.catalog = { tables, functions, at: Date.now() };
    return this.catalog;
  }

  async complete(text: string, cursor: number): Promise<SqlCompletionResult> {
    // Only the statement the cursor is in.
    const statements = splitStatements(text.slice(0, cursor));
    const last = statements[statements.length - 1];
    const stmtStart = last && text.slice(last.start, cursor).trim() ? last.start : cursor;
    const full = splitStatements(text).find(
      (s) => s.start <= stmtStart && stmtStart <= s.start + s.text.length,
    );
    const statement = text.slice(stmtStart, full ? full.start + full.text.length : text.length);
    const local = cursor - stmtStart;
    const ctx = completionContext(statement, local);
    const from = stmtStart + ctx.wordStart;
    const catalog = await this.readCatalog();
    const prefix = ctx.word.toLowerCase();
    const matches = (name: string) => name.toLowerCase().startsWith(prefix);
    const items: SqlCompletion[] = [];
    const seen = new Set<string>();
    const add = (item: SqlCompletion) => {
      const key = `${item.kind}:${item.label}:${item.detail ?? ''}`;
      if (seen.has(key) || items.length >= MAX_ITEMS) return;
      seen.add(key);
      items.push(item);
    };

    const resolve = (ref: TableReference): TableInfo | undefined =>
      catalog.tables.find(
        (t) =>
          t.name.toLowerCase() === ref.name.toLowerCase() &&
          (ref.schema === null || t.schema.toLowerCase() === ref.schema.toLowerCase()),
      );

    if (ctx.qualifier !== null) {
      const q = ctx.qualifier.toLowerCase();
      const ref =
        ctx.tables.find((r) => r.alias?.toLowerCase() === q) ??
        ctx.tables.find((r) => r.alias === null && r.name.toLowerCase() === q);
      const table = ref ? resolve(ref) : catalog.tables.find((t) => t.name.toLowerCase() === q);
      if (table) {
        for (const c of table.columns)
          if (matches(c.name))
            add({
              label: c.name,
              kind: 'column',
              detail: `${c.type} · ${table.name}`,
              insertText: quoteIdent(c.name),
            });
      } else {
        // `schema.`: the tables of that schema.
        for (const t of catalog.tables)
          if (t.schema.toLowerCase() === q && matches(t.name))
            add({
              label: t.name,
              kind: t.kind,
              detail: `${t.kind} ${t.schema}.${t.name}`,
              insertText: quoteIdent(t.name),
            });
      }
      return { from, items };
    }

    // Columns of the tables in scope first (all columns when the statement names no table yet).
    const inScope = ctx.tables.map((r) => ({ ref: r, table: resolve(r) })).filter((x) => x.table);
    const columnSources = inScope.length ? inScope.map((x) => x.table as TableInfo) : catalog.tables;
    for (const t of columnSources)
      for (const c of t.columns)
        if (matches(c.name))
          add({
            label: c.name,
            kind: 'column',
            detail: `${c.type} · ${t.name}`,
            insertText: quoteIdent(c.name),
          });
    for (const r of ctx.tables)
      if (r.alias && matches(r.alias))
        add({ label: r.alias, kind: 'table', detail: `alias of ${r.name}`, insertText: quoteIdent(r.alias) });

    // DuckDB's completer: keywords, tables and functions that fit where the cursor is.
    const known = new Set(catalog.tables.flatMap((t) => t.columns.map((c) => c.name.toLowerCase())));
    const suggestions = await this.source.queryRows(
      'SELECT suggestion, suggestion_start FROM sql_auto_complete($1) LIMIT 200',
      [statement.slice(0, local)],
    );
    for (const s of suggestions) {
      const raw = String(s.suggestion);
      const bare = raw.trim().replace(/^"(.*)"$/, '$1');
      if (!bare || !/^[A-Za-z_"]/.test(raw)) continue;
      const lowerBare = bare.toLowerCase();
      const table = catalog.tables.find((t) => t.name.toLowerCase() === lowerBare);
      const fn = catalog.functions.get(lowerBare);
      if (table) {
        add({
          label: table.name,
          kind: table.kind,
          detail: `${table.kind} ${table.schema}.${table.name}`,
          insertText: quoteIdent(table.name),
        });
      } else if (fn && !raw.endsWith(' ')) {
        add({
          label: fn.name,
          kind: 'function',
          detail: fn.signatures[0] ?? `${fn.name}()`,
          documentation: [fn.description, ...fn.signatures.slice(1)].filter(Boolean).join('\n') || undefined,
          insertText: fn.name,
        });
      } else if (raw.endsWith(' ')) {
        add({ label: bare.toUpperCase(), kind: 'keyword', insertText: `${bare.toUpperCase()} ` });
      } else if (known.has(lowerBare)) {
        // A column DuckDB offers from every table: the scoped list above already has the right ones.
        continue;
      } else {
        add({ label: bare, kind: 'keyword', insertText: raw });
      }
    }
    // Functions DuckDB did not list (it stops at 200): those starting with what is typed.
    if (prefix.length >= 2)
      for (const fn of catalog.functions.values())
        if (fn.name.toLowerCase().startsWith(prefix))
          add({
            label: fn.name,
            kind: 'function',
            detail: fn.signatures[0] ?? `${fn.name}()`,
            documentation: fn.description ?? undefined,
            insertText: fn.name,
          });
    return { from, items };
  }
}
