import { QuerySyntaxError, parseQuery, type FieldSet, type QueryExpr } from '../../../shared/query';
import { likeToGlob } from './search-sql';
import { invalid } from './validate';

/**
 * A registry search's filter as SQL over `v` (registered_models or model_versions): `name = 'x'`,
 * `name LIKE '%x%'`, `run_id IN ('a', 'b')`, `source_path != '...'`, with AND and OR. Values are bound.
 */
export function registryFilter(filter: string, fields: FieldSet): { sql: string; params: unknown[] } {
  let expr: QueryExpr | null;
  try {
    expr = parseQuery(filter, fields);
  } catch (err) {
    if (err instanceof QuerySyntaxError)
      throw invalid(
        `Invalid filter '${filter.length > 200 ? `${filter.slice(0, 200)}...` : filter}' at column ${err.offset + 1}: ${err.message}`,
      );
    throw err;
  }
  const params: unknown[] = [];
  const compile = (node: QueryExpr): string => {
    if (node.kind !== 'compare')
      return `(${node.items.map(compile).join(node.kind === 'and' ? ' AND ' : ' OR ')})`;
    const key = node.field.key;
    const col = key === 'run_id' ? 'v.run_id' : key === 'source_path' ? 'v.source' : 'v.name';
    const v = node.value;
    if (v.kind === 'list') {
      params.push(JSON.stringify(v.items));
      return `${col} ${node.op === 'NOT IN' ? 'NOT IN' : 'IN'} (SELECT value FROM json_each(?))`;
    }
    const value = v.kind === 'string' ? v.value : v.kind === 'number' ? String(v.value) : '';
    if (node.op === 'LIKE' || node.op === 'ILIKE') {
      params.push(likeToGlob(node.op === 'LIKE' ? value : value.toLowerCase()));
      return node.op === 'LIKE' ? `${col} GLOB ?` : `lower(${col}) GLOB ?`;
    }
    params.push(value);
    return `${col} ${node.op === '!=' ? '!=' : '='} ?`;
  };
  return { sql: expr ? compile(expr) : '1', params };
}
