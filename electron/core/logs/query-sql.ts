import { LakebenchError } from '../../../shared/errors';
import { LOG_LEVELS, type LogQuery, type QueryField } from '../../../shared/logs/model';
import { ROWID_PER_MS } from './schema';

/**
 * Translates the structured log query into SQL over `records r` plus one FTS5 MATCH expression.
 *
 * The text parts of the query that can be said in FTS5 (terms, phrases, prefixes, and AND / OR / NOT of them)
 * become `match`, which drives the search: the index yields the matching rowids (newest first, or by bm25), and
 * `highlight()` marks the hits. Everything else (field filters, ranges, wildcards the index cannot do, text
 * nested under a field filter's OR) is `where`, with values as parameters. Every user term reaches FTS5 as a
 * quoted string, so no input is read as FTS5 syntax.
 */
export interface CompiledQuery {
  /** The FTS5 expression the search joins on; null: no text to match. */
  match: string | null;
  /** A SQL condition over `r.*` ('1' for none). */
  where: string;
  params: unknown[];
}

interface Sql {
  sql: string;
  params: unknown[];
}

const TRUE: Sql = { sql: '1', params: [] };

type ColumnType = 'text' | 'number' | 'time' | 'level';
const COLUMNS: Record<
  Exclude<QueryField, `fields.${string}`>,
  { expr: string; type: ColumnType; nullable: boolean }
> = {
  time: { expr: 'r.time', type: 'time', nullable: false },
  level: { expr: 'r.level', type: 'level', nullable: false },
  source: { expr: 'r.source', type: 'text', nullable: false },
  stream: { expr: 'r.stream', type: 'text', nullable: false },
  line: { expr: 'r.line', type: 'number', nullable: false },
  pipelineId: { expr: 'r.pipeline_id', type: 'text', nullable: true },
  runId: { expr: 'r.run_id', type: 'text', nullable: true },
  taskId: { expr: 'r.task_id', type: 'text', nullable: true },
  tryNumber: { expr: 'r.try_number', type: 'number', nullable: true },
  notebook: { expr: 'r.notebook', type: 'text', nullable: true },
  cellId: { expr: 'r.cell_id', type: 'text', nullable: true },
  table: { expr: 'r.table_name', type: 'text', nullable: true },
  ingestFile: { expr: 'r.ingest_file', type: 'text', nullable: true },
  kernelId: { expr: 'r.kernel_id', type: 'text', nullable: true },
  component: { expr: 'r.component', type: 'text', nullable: true },
  requestMethod: { expr: 'r.request_method', type: 'text', nullable: true },
  requestPath: { expr: 'r.request_path', type: 'text', nullable: true },
  requestStatus: { expr: 'r.request_status', type: 'number', nullable: true },
  durationMs: { expr: 'r.duration_ms', type: 'number', nullable: true },
  message: { expr: 'r.message', type: 'text', nullable: false },
};

/** The SQL expression of a query field, its type, and whether it may be NULL. */
export function fieldExpr(field: string): {
  expr: string;
  type: ColumnType | 'json';
  nullable: boolean;
  params: unknown[];
} {
  if (Object.prototype.hasOwnProperty.call(COLUMNS, field)) {
    const c = COLUMNS[field as keyof typeof COLUMNS];
    return { ...c, params: [] };
  }
  const m = /^fields\.([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)$/.exec(field);
  if (!m) throw invalid(`unknown field "${field}": a record column or fields.<name>`);
  const path =
    '$' +
    m[1]
      .split('.')
      .map((k) => `."${k}"`)
      .join('');
  return { expr: 'json_extract(r.fields, ?)', type: 'json', nullable: true, params: [path] };
}

function invalid(message: string): LakebenchError {
  return new LakebenchError('INVALID_PARAMETER_VALUE', message);
}

/** An FTS5 string: the text in double quotes, inner quotes doubled. FTS5 reads nothing inside as syntax. */
export function ftsString(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

const TOKEN_CHAR = /[\p{L}\p{N}]/u;
const PREFIX_WILDCARD = /^([\p{L}\p{N}_]+)\*$/u;

function qualify(expr: string, field: 'message' | undefined): string {
  return field === 'message' ? `message : ${expr}` : expr;
}

/** The node as an FTS5 expression, or null when FTS5 cannot say it (or it matches no token). */
export function toMatch(node: LogQuery): string | null {
  switch (node.kind) {
    case 'text':
    case 'phrase':
      return TOKEN_CHAR.test(node.text) ? qualify(ftsString(node.text), node.field) : null;
    case 'match':
      return node.field === 'message' && typeof node.value === 'string' && TOKEN_CHAR.test(node.value)
        ? qualify(ftsString(node.value), 'message')
        : null;
    case 'wildcard': {
      if (node.field !== undefined && node.field !== 'message') return null;
      const m = PREFIX_WILDCARD.exec(node.pattern);
      return m ? qualify(`${ftsString(m[1])}*`, node.field === 'message' ? 'message' : undefined) : null;
    }
    case 'and': {
      const pos: string[] = [];
      const neg: string[] = [];
      for (const c of node.clauses) {
        if (c.kind === 'not') {
          const m = toMatch(c.clause);
          if (m === null) return null;
          neg.push(m);
        } else {
          const m = toMatch(c);
          if (m === null) return null;
          pos.push(m);
        }
      }
      return combine(pos, neg);
    }
    case 'or': {
      const parts: string[] = [];
      for (const c of node.clauses) {
        const m = toMatch(c);
        if (m === null) return null;
        parts.push(m);
      }
      return parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
    }
    default:
      return null;
  }
}

/** Positive parts ANDed, then each negative taken away (FTS5's NOT is binary: it needs a positive side). */
function combine(pos: string[], neg: string[]): string | null {
  if (!pos.length) return null;
  let m = pos.length === 1 ? pos[0] : `(${pos.join(' AND ')})`;
  for (const n of neg) m = `(${m} NOT ${n})`;
  return m;
}

/** Milliseconds of a time bound: a number, or an ISO date-time. */
export function timeOf(v: string | number | boolean, what: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const n = /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : Date.parse(v);
    if (Number.isFinite(n)) return n;
  }
  throw invalid(
    `${what}: "${String(v)}" is not a time (milliseconds or an ISO date-time such as 2026-01-31T12:00:00Z)`,
  );
}

function numberOf(v: string | number | boolean, field: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw invalid(`${field} is a number: "${String(v)}" is not one`);
  return n;
}

function levelIndex(v: string | number | boolean): number {
  const i = (LOG_LEVELS as readonly string[]).indexOf(String(v).toLowerCase());
  if (i < 0) throw invalid(`"${String(v)}" is not a level: one of ${LOG_LEVELS.join(', ')}`);
  return i;
}

/** A rowid bound for a time: the first rowid of the millisecond `ms`. */
export function rowidAt(ms: number): number {
  return Math.floor(ms) * ROWID_PER_MS;
}

function nonNull(expr: string, nullable: boolean, cond: string): string {
  return nullable ? `(${expr} IS NOT NULL AND ${cond})` : cond;
}

/** `*` any run, `?` one character, `\` escapes; as a LIKE pattern with `\` as its escape. */
export function likePattern(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) {
      const n = pattern[++i];
      out += n === '%' || n === '_' || n === '\\' ? `\\${n}` : n;
    } else if (c === '*') out += '%';
    else if (c === '?') out += '_';
    else if (c === '%' || c === '_') out += `\\${c}`;
    else out += c;
  }
  return out;
}

/** The same as a GLOB pattern (case-sensitive, as keyword fields are). */
export function globPattern(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) {
      const n = pattern[++i];
      out += n === '*' || n === '?' || n === '[' ? `[${n}]` : n;
    } else if (c === '[') out += '[[]';
    else out += c;
  }
  return out;
}

function ftsIn(match: string): Sql {
  return { sql: 'r.rowid IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?)', params: [match] };
}

/** The node as a SQL condition over `r.*` that is never NULL. */
export function toSql(node: LogQuery): Sql {
  const m = node.kind === 'all' ? null : toMatch(node);
  if (m !== null) return ftsIn(m);
  switch (node.kind) {
    case 'all':
      return TRUE;
    case 'text':
    case 'phrase':
      // No token in it (punctuation only): a plain substring scan of the message.
      return {
        sql: `r.message LIKE ? ESCAPE '\\'`,
        params: [`%${likePattern(escapeWildcards(node.text))}%`],
      };
    case 'match':
      return matchSql(node.field, node.value);
    case 'wildcard':
      return wildcardSql(node.pattern, node.field);
    case 'range':
      return rangeSql(node);
    case 'exists': {
      if (node.field === 'message') return TRUE;
      const f = fieldExpr(node.field);
      if (f.type === 'json') return { sql: 'json_type(r.fields, ?) IS NOT NULL', params: f.params };
      return f.nullable ? { sql: `${f.expr} IS NOT NULL`, params: [] } : TRUE;
    }
    case 'and':
    case 'or': {
      const parts = node.clauses.map(toSql);
      return {
        sql:
          parts.length === 1
            ? parts[0].sql
            : `(${parts.map((p) => p.sql).join(node.kind === 'and' ? ' AND ' : ' OR ')})`,
        params: parts.flatMap((p) => p.params),
      };
    }
    case 'not': {
      const inner = toSql(node.clause);
      return { sql: `NOT (${inner.sql})`, params: inner.params };
    }
    default: {
      const never: never = node;
      throw invalid(`unknown query node ${JSON.stringify(never)}`);
    }
  }
}

function escapeWildcards(text: string): string {
  return text.replace(/[\\*?]/g, (c) => `\\${c}`);
}

function matchSql(field: QueryField, value: string | number | boolean): Sql {
  if (field === 'message') {
    return {
      sql: `r.message LIKE ? ESCAPE '\\'`,
      params: [`%${likePattern(escapeWildcards(String(value)))}%`],
    };
  }
  const f = fieldExpr(field);
  switch (f.type) {
    case 'time': {
      const t = timeOf(value, field);
      return {
        sql: 'r.rowid >= ? AND r.rowid < ? AND r.time = ?',
        params: [rowidAt(t), rowidAt(t + 1), Math.floor(t)],
      };
    }
    case 'level':
      return { sql: 'r.level = ?', params: [LOG_LEVELS[levelIndex(value)]] };
    case 'number':
      return { sql: nonNull(f.expr, f.nullable, `${f.expr} = ?`), params: [numberOf(value, field)] };
    case 'text':
      return { sql: nonNull(f.expr, f.nullable, `${f.expr} = ?`), params: [String(value)] };
    case 'json': {
      if (typeof value === 'boolean')
        return { sql: `json_type(r.fields, ?) = ?`, params: [...f.params, value ? 'true' : 'false'] };
      if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) {
        // `fields.n:5` from text: the JSON may hold 5 or "5".
        return {
          sql: `coalesce(${f.expr} IN (?, ?), 0)`,
          params: [...f.params, value, Number(value)],
        };
      }
      return { sql: `coalesce(${f.expr} = ?, 0)`, params: [...f.params, value] };
    }
  }
}

function wildcardSql(pattern: string, field: QueryField | undefined): Sql {
  if (/^\*+$/.test(pattern)) return field && field !== 'message' ? toSql({ kind: 'exists', field }) : TRUE;
  if (field === undefined || field === 'message')
    return { sql: `r.message LIKE ? ESCAPE '\\'`, params: [likePattern(pattern)] };
  const f = fieldExpr(field);
  if (f.type !== 'text' && f.type !== 'json' && f.type !== 'level')
    throw invalid(`${field} is a ${f.type === 'time' ? 'time' : 'number'}: a wildcard needs a text field`);
  return {
    sql:
      f.type === 'json' ? `coalesce(${f.expr} GLOB ?, 0)` : nonNull(f.expr, f.nullable, `${f.expr} GLOB ?`),
    params: [...f.params, globPattern(pattern)],
  };
}

function rangeSql(node: Extract<LogQuery, { kind: 'range' }>): Sql {
  const bounds = (['gt', 'gte', 'lt', 'lte'] as const).filter((b) => node[b] !== undefined);
  if (!bounds.length) throw invalid(`a range on ${node.field} needs a bound (gt, gte, lt or lte)`);
  const f = fieldExpr(node.field);
  const parts: string[] = [];
  const params: unknown[] = [];
  const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
  for (const b of bounds) {
    const v = node[b] as string | number;
    switch (f.type) {
      case 'time': {
        // The rowid carries the time: a range is a seek, in the table and in the full-text index alike.
        const t = Math.floor(timeOf(v, node.field));
        parts.push(b === 'gte' || b === 'gt' ? 'r.rowid >= ?' : 'r.rowid < ?');
        params.push(rowidAt(b === 'gte' || b === 'lt' ? t : t + 1));
        break;
      }
      case 'level': {
        const i = levelIndex(v);
        const ok = LOG_LEVELS.filter((_l, j) =>
          b === 'gt' ? j > i : b === 'gte' ? j >= i : b === 'lt' ? j < i : j <= i,
        );
        parts.push(ok.length ? `r.level IN (${ok.map(() => '?').join(', ')})` : '0');
        params.push(...ok);
        break;
      }
      case 'number':
        parts.push(nonNull(f.expr, f.nullable, `${f.expr} ${op[b]} ?`));
        params.push(numberOf(v, node.field));
        break;
      case 'text':
        parts.push(nonNull(f.expr, f.nullable, `${f.expr} ${op[b]} ?`));
        params.push(String(v));
        break;
      case 'json':
        // A number bound compares numbers only, a text bound text only (SQLite orders numbers before text).
        parts.push(
          typeof v === 'number'
            ? `coalesce(json_type(r.fields, ?) IN ('integer', 'real') AND ${f.expr} ${op[b]} ?, 0)`
            : `coalesce(json_type(r.fields, ?) = 'text' AND ${f.expr} ${op[b]} ?, 0)`,
        );
        params.push(f.params[0], ...f.params, v);
        break;
    }
  }
  return { sql: parts.length === 1 ? parts[0] : `(${parts.join(' AND ')})`, params };
}

/**
 * The whole query: the text parts of a top-level AND go to one MATCH (so they rank and highlight), the rest to
 * `where`.
 */
export function compileQuery(query: LogQuery): CompiledQuery {
  if (query.kind === 'all') return { match: null, where: '1', params: [] };
  const whole = toMatch(query);
  if (whole !== null) return { match: whole, where: '1', params: [] };
  const clauses = query.kind === 'and' ? query.clauses : [query];
  const pos: string[] = [];
  const neg: string[] = [];
  const rest: LogQuery[] = [];
  for (const c of clauses) {
    if (c.kind === 'all') continue;
    const m = toMatch(c);
    if (m !== null) pos.push(m);
    else {
      const n = c.kind === 'not' ? toMatch(c.clause) : null;
      if (n !== null) neg.push(n);
      else rest.push(c);
    }
  }
  const match = combine(pos, neg);
  const sqlParts: Sql[] = rest.map(toSql);
  // Negated text with no positive text to take it from: NOT IN the index's matches.
  if (match === null)
    for (const n of neg) {
      const inner = ftsIn(n);
      sqlParts.push({ sql: `NOT (${inner.sql})`, params: inner.params });
    }
  if (!sqlParts.length) return { match, where: '1', params: [] };
  return {
    match,
    where: sqlParts.length === 1 ? sqlParts[0].sql : sqlParts.map((p) => p.sql).join(' AND '),
    params: sqlParts.flatMap((p) => p.params),
  };
}
