import type Database from 'better-sqlite3';

/** Statements prepared once per database, by their SQL text. */
const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

export function prepared(db: Database.Database, sql: string): Database.Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) cache.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}

/** The ids of a JSON list bound as one parameter: `run_uuid IN (SELECT value FROM json_each(?))`. */
export const IN_IDS = 'SELECT value FROM json_each(?)';
