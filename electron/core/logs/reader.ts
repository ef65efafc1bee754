import { inflateRawSync } from 'node:zlib';
import { LakebenchError } from '../../../shared/errors';
import {
  TOTAL_COUNT_CAP,
  parseRecordId,
  recordId,
  type FieldValues,
  type FullMessage,
  type HighlightRange,
  type LogContext,
  type LogHistogram,
  type LogLevel,
  type LogQuery,
  type LogRecord,
  type LogSearchResult,
  type LogSort,
  type LogSourceKind,
  type LogStream,
  type RetentionPolicy,
  type RetentionPreview,
  type TimeRange,
} from '../../../shared/logs/model';
import type { SqlExecutor } from './executor';
import { compileQuery, fieldExpr, rowidAt } from './query-sql';
import { MINUTE_MS, ROWID_PER_MS } from './schema';

export interface SearchArgs {
  query: LogQuery;
  range: TimeRange;
  sort: LogSort;
  limit: number;
  cursor: string | null;
}
export interface HistogramArgs {
  query: LogQuery;
  range: TimeRange;
  intervalMs?: number;
  targetBuckets: number;
}
export interface FieldValuesArgs {
  query: LogQuery;
  range: TimeRange;
  field: string;
  size: number;
  sampleSize: number;
}
export interface ContextArgs {
  id: string;
  before: number;
  after: number;
}

/** One query's name for the executor (cancel) and the time it must be done by. */
export interface QueryTicket {
  ticket: number;
  deadline: number;
}

interface RecordRowOut {
  rowid: number;
  stream_key: string;
  line: number;
  time: number;
  level: string;
  source: string;
  stream: string;
  pipeline_id: string | null;
  run_id: string | null;
  task_id: string | null;
  try_number: number | null;
  notebook: string | null;
  cell_id: string | null;
  table_name: string | null;
  ingest_file: string | null;
  kernel_id: string | null;
  component: string | null;
  request_method: string | null;
  request_path: string | null;
  request_status: number | null;
  duration_ms: number | null;
  message: string;
  fields: string | null;
  message_bytes: number;
  truncated: number;
  invalid_utf8: number;
  hl?: string;
}

const COLUMNS = `r.rowid AS rowid, r.stream_key, r.line, r.time, r.level, r.source, r.stream, r.pipeline_id, r.run_id,
  r.task_id, r.try_number, r.notebook, r.cell_id, r.table_name, r.ingest_file, r.kernel_id, r.component,
  r.request_method, r.request_path, r.request_status, r.duration_ms, r.message, r.fields, r.message_bytes,
  r.truncated, r.invalid_utf8`;

/** Nice bucket widths for the histogram. */
const INTERVALS = [
  1, 5, 10, 50, 100, 500, 1000, 5000, 10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000,
  10_800_000, 43_200_000, 86_400_000, 604_800_000, 2_592_000_000,
];
const MAX_BUCKETS = 2000;

function toRecord(r: RecordRowOut): LogRecord {
  let fields: Record<string, unknown> = {};
  if (r.fields) {
    try {
      fields = JSON.parse(r.fields) as Record<string, unknown>;
    } catch {
      // Stored by this service as JSON; a damaged value is shown as text rather than failing the page.
      fields = { _raw: r.fields };
    }
  }
  return {
    id: recordId(r.stream_key, r.line),
    time: r.time,
    level: r.level as LogLevel,
    source: r.source as LogSourceKind,
    stream: r.stream as LogStream,
    line: r.line,
    pipelineId: r.pipeline_id,
    runId: r.run_id,
    taskId: r.task_id,
    tryNumber: r.try_number,
    notebook: r.notebook,
    cellId: r.cell_id,
    table: r.table_name,
    ingestFile: r.ingest_file,
    kernelId: r.kernel_id,
    component: r.component,
    requestMethod: r.request_method,
    requestPath: r.request_path,
    requestStatus: r.request_status,
    durationMs: r.duration_ms,
    message: r.message,
    fields,
    messageBytes: r.message_bytes,
    truncated: r.truncated === 1,
    invalidUtf8: r.invalid_utf8 === 1,
  };
}

/** The message without FTS5's highlight markers (\x01 … \x02), and where they were. */
export function parseHighlight(marked: string): { text: string; ranges: HighlightRange[] } {
  const ranges: HighlightRange[] = [];
  let text = '';
  let start = -1;
  let from = 0;
  for (let i = 0; i < marked.length; i++) {
    const c = marked.charCodeAt(i);
    if (c === 1 || c === 2) {
      text += marked.slice(from, i);
      from = i + 1;
      if (c === 1) start = text.length;
      else if (start >= 0) {
        ranges.push({ start, end: text.length });
        start = -1;
      }
    }
  }
  text += marked.slice(from);
  return { text, ranges };
}

interface Plan {
  from: string;
  /** The expression of the rowid the conditions and the order use. */
  rowid: string;
  conds: string[];
  params: unknown[];
  match: boolean;
}

/**
 * The reading side of `logs.db`: search, histogram, field values, context, full messages and the retention
 * preview, each bounded (page sizes, a count cap, a time limit through `lb_live()`, cancel).
 */
export class LogReader {
  constructor(private readonly exec: SqlExecutor) {}

  private all<T>(t: QueryTicket, sql: string, params: unknown[]): Promise<T[]> {
    return this.exec.all(sql, params, t.ticket, t.deadline) as Promise<T[]>;
  }

  private async one<T>(t: QueryTicket, sql: string, params: unknown[]): Promise<T | undefined> {
    return (await this.all<T>(t, sql, params))[0];
  }

  /** The executor's `lb_live()` check, about every thousand rows (a prime modulus spreads it over time-based rowids). */
  private live(rowid: string): string {
    return `((${rowid} % 1021) <> 0 OR lb_live())`;
  }

  private plan(query: LogQuery, range: TimeRange, needRecord: boolean): Plan {
    const q = compileQuery(query);
    const match = q.match !== null;
    const rowid = match ? 'records_fts.rowid' : 'r.rowid';
    // The check comes first: a condition that fails every row would otherwise skip it.
    const conds: string[] = [this.live(rowid)];
    const params: unknown[] = [];
    let from: string;
    if (match) {
      from =
        needRecord || q.where !== '1'
          ? 'records_fts CROSS JOIN records r ON r.rowid = records_fts.rowid'
          : 'records_fts';
      conds.push('records_fts MATCH ?');
      params.push(q.match);
    } else from = 'records r';
    if (range.from !== null) {
      conds.push(`${rowid} >= ?`);
      params.push(rowidAt(range.from));
    }
    if (range.to !== null) {
      conds.push(`${rowid} < ?`);
      params.push(rowidAt(range.to));
    }
    if (q.where !== '1') {
      conds.push(q.where);
      params.push(...q.params);
    }
    return { from, rowid, conds, params, match };
  }

  async search(args: SearchArgs, t: QueryTicket): Promise<LogSearchResult> {
    const started = performance.now();
    const p = this.plan(args.query, args.range, true);
    const sort: LogSort = args.sort === 'relevance' && !p.match ? 'newest' : args.sort;
    const cursor = parseCursor(args.cursor, sort);
    const conds = [...p.conds];
    const params = [...p.params];
    if (cursor !== null && sort !== 'relevance') {
      conds.push(`${p.rowid} ${sort === 'newest' ? '<' : '>'} ?`);
      params.push(cursor);
    }
    const order =
      sort === 'relevance'
        ? 'records_fts.rank, records_fts.rowid DESC'
        : `${p.rowid} ${sort === 'newest' ? 'DESC' : 'ASC'}`;
    const offset = sort === 'relevance' ? (cursor ?? 0) : 0;
    const hl = p.match ? ', highlight(records_fts, 0, char(1), char(2)) AS hl' : '';
    const rows = await this.all<RecordRowOut>(
      t,
      `SELECT ${COLUMNS}${hl} FROM ${p.from} WHERE ${conds.join(' AND ')} ORDER BY ${order} LIMIT ? OFFSET ?`,
      [...params, args.limit + 1, offset],
    );
    const more = rows.length > args.limit;
    if (more) rows.pop();
    const hits = rows.map((r) => {
      const record = toRecord(r);
      if (r.hl === undefined || r.hl === null) return { record, highlights: [] };
      const { text, ranges } = parseHighlight(r.hl);
      // FTS5 marks the stored text itself, so the two agree; the ranges are only given when they do.
      return { record, highlights: text === record.message ? ranges : [] };
    });
    // A first page that holds every match is its own count (a rare or absent phrase is not scanned twice).
    const c = this.plan(args.query, args.range, false);
    const n =
      args.cursor === null && !more
        ? rows.length
        : ((
            await this.one<{ n: number }>(
              t,
              `SELECT count(*) AS n FROM (SELECT 1 FROM ${c.from} WHERE ${c.conds.join(' AND ')} LIMIT ?)`,
              [...c.params, TOTAL_COUNT_CAP + 1],
            )
          )?.n ?? 0);
    const last = rows[rows.length - 1];
    const nextCursor = !more
      ? null
      : sort === 'relevance'
        ? `o${offset + rows.length}`
        : `${sort === 'newest' ? 'b' : 'a'}${last.rowid}`;
    return {
      hits,
      total: n > TOTAL_COUNT_CAP ? { value: TOTAL_COUNT_CAP, relation: 'gte' } : { value: n, relation: 'eq' },
      nextCursor,
      tookMs: performance.now() - started,
    };
  }

  /** The first and last record times of the store (null when empty). */
  async bounds(t: QueryTicket): Promise<{ min: number; max: number } | null> {
    const r = await this.one<{ a: number | null; b: number | null }>(
      t,
      'SELECT (SELECT time FROM records ORDER BY rowid LIMIT 1) AS a, (SELECT max(rowid) FROM records) AS b',
      [],
    );
    if (!r || r.a === null || r.b === null) return null;
    return { min: r.a, max: Math.floor(r.b / ROWID_PER_MS) };
  }

  async histogram(args: HistogramArgs, t: QueryTicket): Promise<LogHistogram> {
    const started = performance.now();
    const b = args.range.from === null || args.range.to === null ? await this.bounds(t) : null;
    const from = args.range.from ?? b?.min ?? 0;
    const to = args.range.to ?? (b ? b.max + 1 : from + 1);
    const span = Math.max(1, to - from);
    let interval = args.intervalMs;
    if (interval === undefined) {
      const want = span / args.targetBuckets;
      interval = INTERVALS.find((i) => i >= want) ?? Math.ceil(want / 86_400_000) * 86_400_000;
    }
    const first = Math.floor(from / interval) * interval;
    const count = Math.max(1, Math.ceil((to - first) / interval));
    if (count > MAX_BUCKETS)
      throw new LakebenchError(
        'INVALID_PARAMETER_VALUE',
        `an interval of ${interval} ms makes ${count} buckets over this range; at most ${MAX_BUCKETS}`,
      );
    const p = this.plan(args.query, { from, to }, false);
    const q = compileQuery(args.query);
    const buckets = Array.from({ length: count }, (_v, i) => ({ time: first + i * interval, count: 0 }));
    if (q.match === null && q.where === '1' && interval % MINUTE_MS === 0) {
      // Everything, by whole minutes: the per-minute counts, with the index only for a minute cut by the range.
      const m0 = Math.ceil(from / MINUTE_MS);
      const m1 = Math.max(m0, Math.floor(to / MINUTE_MS));
      const rows = await this.all<{ b: number; n: number }>(
        t,
        `SELECT (minute * ${MINUTE_MS} - CAST(? AS INTEGER)) / CAST(? AS INTEGER) AS b, sum(n) AS n
         FROM minute_counts WHERE minute >= CAST(? AS INTEGER) AND minute < CAST(? AS INTEGER) GROUP BY b`,
        [first, interval, m0, m1],
      );
      for (const r of rows) if (r.b >= 0 && r.b < count) buckets[r.b].count += r.n;
      const edges: [number, number][] = [];
      if (from < Math.min(to, m0 * MINUTE_MS)) edges.push([from, Math.min(to, m0 * MINUTE_MS)]);
      if (m1 * MINUTE_MS >= m0 * MINUTE_MS && m1 * MINUTE_MS < to)
        edges.push([Math.max(from, m1 * MINUTE_MS), to]);
      for (const [a, z] of edges) {
        const r = await this.one<{ n: number }>(
          t,
          'SELECT count(*) AS n FROM records r INDEXED BY records_by_time WHERE r.time >= ? AND r.time < ?',
          [a, z],
        );
        buckets[Math.floor((a - first) / interval)].count += r?.n ?? 0;
      }
    } else if (q.match === null) {
      // One range count per bucket: each a seek in an index, with no sort of every match (as GROUP BY needs).
      const everything = q.where === '1';
      const unit = everything ? 1 : ROWID_PER_MS;
      const col = everything ? 'r.time' : 'r.rowid';
      const rows = await this.all<{ b: number; n: number }>(
        t,
        `WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i + 1 < ?)
         SELECT i AS b, (SELECT count(*) FROM records r ${everything ? 'INDEXED BY records_by_time' : ''}
           WHERE ${col} >= max(?, ? + i * ?) AND ${col} < min(?, ? + (i + 1) * ?)
             AND ${this.live('r.rowid')} ${everything ? '' : `AND ${q.where}`}) AS n
         FROM k`,
        [
          count,
          from * unit,
          first * unit,
          interval * unit,
          to * unit,
          first * unit,
          interval * unit,
          ...(everything ? [] : q.params),
        ],
      );
      for (const r of rows) buckets[r.b].count = r.n;
    } else {
      const rows = await this.all<{ b: number; n: number }>(
        t,
        `SELECT ${p.rowid} / CAST(? AS INTEGER) AS b, count(*) AS n FROM ${p.from} WHERE ${p.conds.join(' AND ')} GROUP BY b`,
        [interval * ROWID_PER_MS, ...p.params],
      );
      for (const r of rows) {
        const i = r.b - first / interval;
        if (i >= 0 && i < count) buckets[i].count += r.n;
      }
    }
    return { intervalMs: interval, buckets, tookMs: performance.now() - started };
  }

  async fieldValues(args: FieldValuesArgs, t: QueryTicket): Promise<FieldValues> {
    const p = this.plan(args.query, args.range, false);
    const f = fieldExpr(args.field);
    const sample = `SELECT ${p.rowid} FROM ${p.from} WHERE ${p.conds.join(' AND ')} ORDER BY ${p.rowid} DESC LIMIT ?`;
    const rows = await this.all<{ v: string | number | null; n: number }>(
      t,
      `SELECT ${f.expr} AS v, count(*) AS n FROM records r WHERE r.rowid IN (${sample}) GROUP BY v`,
      [...f.params, ...p.params, args.sampleSize],
    );
    let sampled = 0;
    let present = 0;
    const values: { value: string | number | boolean; count: number }[] = [];
    for (const r of rows) {
      sampled += r.n;
      if (r.v === null) continue;
      present += r.n;
      values.push({ value: r.v, count: r.n });
    }
    values.sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)));
    return { field: args.field, values: values.slice(0, args.size), sampled, present };
  }

  private async anchor(t: QueryTicket, id: string): Promise<RecordRowOut> {
    const key = parseRecordId(id);
    const row = key
      ? await this.one<RecordRowOut>(
          t,
          `SELECT ${COLUMNS} FROM records r WHERE r.stream_key = ? AND r.line = ?`,
          [key.streamKey, key.line],
        )
      : undefined;
    if (!row)
      throw new LakebenchError('NOT_FOUND', `no log record ${id} (it may have been deleted by retention)`);
    return row;
  }

  async context(args: ContextArgs, t: QueryTicket): Promise<LogContext> {
    const a = await this.anchor(t, args.id);
    const before = await this.all<RecordRowOut>(
      t,
      `SELECT ${COLUMNS} FROM records r WHERE r.stream_key = ? AND r.line < ? ORDER BY r.line DESC LIMIT ?`,
      [a.stream_key, a.line, args.before + 1],
    );
    const after = await this.all<RecordRowOut>(
      t,
      `SELECT ${COLUMNS} FROM records r WHERE r.stream_key = ? AND r.line > ? ORDER BY r.line LIMIT ?`,
      [a.stream_key, a.line, args.after + 1],
    );
    const hasMoreBefore = before.length > args.before;
    const hasMoreAfter = after.length > args.after;
    if (hasMoreBefore) before.pop();
    if (hasMoreAfter) after.pop();
    const records = [...before.reverse(), a, ...after].map(toRecord);
    return { records, anchor: before.length, hasMoreBefore, hasMoreAfter };
  }

  async get(id: string, t: QueryTicket): Promise<FullMessage> {
    const a = await this.anchor(t, id);
    if (!a.truncated) return { id, message: a.message, messageBytes: a.message_bytes, complete: true };
    const full = await this.one<{ bytes: number; complete: number; data: Uint8Array }>(
      t,
      'SELECT bytes, complete, data FROM full_messages WHERE rowid = ?',
      [a.rowid],
    );
    if (!full) return { id, message: a.message, messageBytes: a.message_bytes, complete: false };
    // Stored cleaned (control characters shown as pictures), as in the index.
    const message = inflateRawSync(full.data).toString('utf8');
    return { id, message, messageBytes: full.bytes, complete: full.complete === 1 };
  }

  /** What `policy` deletes if applied at `now`: every record before one cutoff (the later of age and size). */
  async retentionPreview(
    policy: RetentionPolicy,
    now: number,
    t: QueryTicket,
  ): Promise<RetentionPreview & { cutoffRowid: number | null }> {
    const cur = (await this.one<{ n: number; bytes: number }>(
      t,
      'SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM records',
      [],
    )) ?? { n: 0, bytes: 0 };
    const ageCut = policy.maxAgeDays === null ? null : rowidAt(now - policy.maxAgeDays * 86_400_000);
    let sizeCut: number | null = null;
    if (policy.maxSizeMb !== null && cur.bytes > policy.maxSizeMb * 1e6) {
      // Newest first: the first record that does not fit, and everything older, go.
      const r = await this.one<{ rowid: number }>(
        t,
        `SELECT rowid FROM (SELECT rowid, sum(size) OVER (ORDER BY rowid DESC) AS kept FROM records)
         WHERE kept > ? ORDER BY rowid DESC LIMIT 1`,
        [policy.maxSizeMb * 1e6],
      );
      if (r) sizeCut = r.rowid + 1;
    }
    const cut = ageCut === null ? sizeCut : sizeCut === null ? ageCut : Math.max(ageCut, sizeCut);
    const del =
      cut === null
        ? { n: 0, bytes: 0, oldest: null, newest: null }
        : ((await this.one<{ n: number; bytes: number; oldest: number | null; newest: number | null }>(
            t,
            'SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes, min(time) AS oldest, max(time) AS newest FROM records WHERE rowid < ?',
            [cut],
          )) ?? { n: 0, bytes: 0, oldest: null, newest: null });
    const byAge =
      ageCut === null
        ? 0
        : ((await this.one<{ n: number }>(t, 'SELECT count(*) AS n FROM records WHERE rowid < ?', [ageCut]))
            ?.n ?? 0);
    return {
      policy,
      current: { records: cur.n, bytes: cur.bytes },
      delete: {
        records: del.n,
        bytes: del.bytes,
        byAge,
        bySize: del.n - byAge,
        oldestTime: del.oldest,
        newestTime: del.newest,
        cutoffTime: cut === null || del.n === 0 ? null : Math.floor(cut / ROWID_PER_MS),
      },
      cutoffRowid: cut === null || del.n === 0 ? null : cut,
    };
  }
}

function parseCursor(cursor: string | null, sort: LogSort): number | null {
  if (cursor === null) return null;
  const want = sort === 'relevance' ? 'o' : sort === 'newest' ? 'b' : 'a';
  const n = Number(cursor.slice(1));
  if (cursor[0] !== want || !Number.isSafeInteger(n) || n < 0)
    throw new LakebenchError(
      'INVALID_PARAMETER_VALUE',
      `cursor "${cursor}" does not belong to a ${sort} search`,
    );
  return n;
}
