import type Database from 'better-sqlite3';
import { LakebenchError } from '../../../shared/errors';
import { parseFilter, parseOrderBy, type FilterExpr } from '../../../shared/tracker/filter';
import type { RunKeys, RunViewType } from '../../../shared/tracker/model';
import { decodeToken, encodeToken } from './page-token';
import { compileFilter, compileOrderBy } from './search-sql';
import { invalid } from './validate';

/** Searching tracked runs: a filter and order-by compiled to one SQL query, the page cut in SQL. */

export interface SearchRunsInput {
  experimentIds: string[];
  filter: string;
  orderBy: string[];
  maxResults: number;
  pageToken: string | null;
  runViewType: RunViewType;
}

/** Run ids matching a search, in order, with the total; the page is cut in SQL. */
export function searchRunIds(
  db: Database.Database,
  input: SearchRunsInput,
): { ids: string[]; total: number; nextPageToken: string | null } {
  let expr: FilterExpr | null;
  try {
    expr = parseFilter(input.filter ?? '');
  } catch (err) {
    if (err instanceof LakebenchError) throw err;
    throw invalid(String(err));
  }
  const orderBy = input.orderBy.map((o) => parseOrderBy(o));
  const offset = decodeToken(input.pageToken);
  const params: unknown[] = [];
  const where: string[] = [];
  const expIds = input.experimentIds.map((id) => {
    if (!/^\d{1,18}$/.test(id)) throw invalid(`Invalid experiment id '${id}'`);
    return Number(id);
  });
  if (expIds.length > 0) {
    where.push('r.experiment_id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(expIds));
  } else {
    where.push(`r.experiment_id IN (SELECT experiment_id FROM experiments WHERE lifecycle_stage = 'active')`);
  }
  if (input.runViewType === 'ACTIVE_ONLY') where.push(`r.lifecycle_stage = 'active'`);
  else if (input.runViewType === 'DELETED_ONLY') where.push(`r.lifecycle_stage = 'deleted'`);
  const now = Date.now();
  if (expr) where.push(compileFilter(expr, params, now));
  const { joins, joinParams, order } = compileOrderBy(orderBy, now);
  const sql = `SELECT r.run_uuid AS id, count(*) OVER () AS total FROM runs r ${joins.join(' ')}
               WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ? OFFSET ?`;
  const rows = db
    .prepare<unknown[], { id: string; total: number }>(sql)
    .all(...joinParams, ...params, input.maxResults, offset);
  let total = rows[0]?.total ?? 0;
  if (rows.length === 0 && offset > 0) {
    total = (
      db
        .prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM runs r WHERE ${where.join(' AND ')}`)
        .get(...params) as { n: number }
    ).n;
  }
  const next = offset + rows.length < total ? encodeToken(offset + rows.length) : null;
  return { ids: rows.map((r) => r.id), total, nextPageToken: next };
}

export function listRunKeys(db: Database.Database, experimentIds: string[]): RunKeys {
  const scope = experimentIds.length
    ? `run_uuid IN (SELECT run_uuid FROM runs WHERE experiment_id IN (SELECT value FROM json_each(?)) AND lifecycle_stage = 'active')`
    : `run_uuid IN (SELECT run_uuid FROM runs WHERE lifecycle_stage = 'active')`;
  const args = experimentIds.length ? [JSON.stringify(experimentIds.map(Number))] : [];
  const keys = (table: string, col = 'key') =>
    db
      .prepare<unknown[], { k: string }>(
        `SELECT DISTINCT ${col} AS k FROM ${table} WHERE ${scope} ORDER BY 1`,
      )
      .all(...args)
      .map((r) => r.k);
  return {
    params: keys('params'),
    metrics: keys('latest_metrics'),
    tags: keys('tags'),
    datasets: keys('inputs', 'name'),
  };
}
