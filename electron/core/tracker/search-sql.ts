import type { FilterComparison, FilterExpr, OrderByClause } from '../../../shared/tracker/filter';

/**
 * Compiles a parsed runs filter and order-by to SQL over the `runs` table aliased `r`. Every user value is a
 * bound parameter; only column names chosen from fixed lists are written into the text.
 */

const ATTRIBUTE_COLUMNS: Record<string, string> = {
  run_id: 'r.run_uuid',
  run_name: 'r.name',
  status: 'r.status',
  artifact_uri: 'r.artifact_uri',
  user_id: 'r.user_id',
  lifecycle_stage: 'r.lifecycle_stage',
  start_time: 'r.start_time',
  end_time: 'r.end_time',
};

const DATASET_COLUMNS: Record<string, string> = { name: 'name', digest: 'digest', context: 'context' };

function attributeColumn(key: string, now: number): string {
  if (key === 'duration') return `(coalesce(r.end_time, ${Math.trunc(now)}) - r.start_time)`;
  const col = ATTRIBUTE_COLUMNS[key];
  if (!col) throw new Error(`unknown attribute ${key}`);
  return col;
}

/** SQL's GLOB is case-sensitive like MLflow's LIKE; % and _ become * and ?, and GLOB's own specials are escaped. */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (const c of pattern) {
    if (c === '%') out += '*';
    else if (c === '_') out += '?';
    else if (c === '*' || c === '?' || c === '[') out += `[${c}]`;
    else out += c;
  }
  return out;
}

/** A condition on one value column, adding its parameters. */
function condition(col: string, c: FilterComparison, params: unknown[]): string {
  switch (c.op) {
    case '=':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
      params.push(c.value);
      return `${col} ${c.op} ?`;
    case 'LIKE':
      params.push(likeToGlob(String(c.value)));
      return `${col} GLOB ?`;
    case 'ILIKE':
      params.push(likeToGlob(String(c.value).toLowerCase()));
      return `lower(${col}) GLOB ?`;
    case 'IN':
      params.push(JSON.stringify(c.value));
      return `${col} IN (SELECT value FROM json_each(?))`;
    case 'NOT IN':
      params.push(JSON.stringify(c.value));
      return `${col} NOT IN (SELECT value FROM json_each(?))`;
    case 'IS NULL':
      return `${col} IS NULL`;
    case 'IS NOT NULL':
      return `${col} IS NOT NULL`;
  }
}

/**
 * Conditions on metrics, params, tags and datasets are uncorrelated `r.run_uuid IN (SELECT ...)` sets: SQLite
 * computes each once from the (key, value) index, so a filter costs O(runs log runs), never runs x runs.
 */
function comparison(c: FilterComparison, params: unknown[], now: number): string {
  switch (c.entity) {
    case 'metric': {
      params.push(c.key);
      const scope = 'SELECT run_uuid FROM latest_metrics WHERE key = ?';
      if (c.op === 'IS NULL') return `r.run_uuid NOT IN (${scope})`;
      if (c.op === 'IS NOT NULL') return `r.run_uuid IN (${scope})`;
      return `r.run_uuid IN (${scope} AND is_nan = 0 AND ${condition('value', c, params)})`;
    }
    case 'param':
    case 'tag': {
      const table = c.entity === 'param' ? 'params' : 'tags';
      params.push(c.key);
      const scope = `SELECT run_uuid FROM ${table} WHERE key = ?`;
      if (c.op === 'IS NULL') return `r.run_uuid NOT IN (${scope})`;
      if (c.op === 'IS NOT NULL') return `r.run_uuid IN (${scope})`;
      return `r.run_uuid IN (${scope} AND ${condition('value', c, params)})`;
    }
    case 'attribute':
      return condition(attributeColumn(c.key, now), c, params);
    case 'dataset': {
      const col = DATASET_COLUMNS[c.key];
      if (c.op === 'IS NULL')
        return `r.run_uuid NOT IN (SELECT run_uuid FROM inputs WHERE ${col} IS NOT NULL)`;
      return `r.run_uuid IN (SELECT run_uuid FROM inputs WHERE ${condition(col, c, params)})`;
    }
  }
}

export function compileFilter(expr: FilterExpr, params: unknown[], now: number): string {
  if (expr.kind === 'compare') return comparison(expr, params, now);
  const parts = expr.items.map((e) => compileFilter(e, params, now));
  return `(${parts.join(expr.kind === 'and' ? ' AND ' : ' OR ')})`;
}

/** ORDER BY terms plus the joins they need; runs without the key sort last either way, as in MLflow. */
export function compileOrderBy(
  clauses: OrderByClause[],
  now: number,
): { joins: string[]; joinParams: unknown[]; order: string } {
  const joins: string[] = [];
  const joinParams: unknown[] = [];
  const terms: string[] = [];
  clauses.forEach((c, i) => {
    const dir = c.ascending ? 'ASC' : 'DESC';
    const alias = `o${i}`;
    if (c.entity === 'attribute') {
      const col = attributeColumn(c.key, now);
      terms.push(`${col} IS NULL`, `${col} ${dir}`);
      return;
    }
    const table = c.entity === 'metric' ? 'latest_metrics' : c.entity === 'param' ? 'params' : 'tags';
    joins.push(`LEFT JOIN ${table} ${alias} ON ${alias}.run_uuid = r.run_uuid AND ${alias}.key = ?`);
    joinParams.push(c.key);
    terms.push(`${alias}.run_uuid IS NULL`, `${alias}.value ${dir}`);
  });
  terms.push('r.start_time DESC', 'r.run_uuid ASC');
  return { joins, joinParams, order: terms.join(', ') };
}
