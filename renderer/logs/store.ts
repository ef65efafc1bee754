import { create } from 'zustand';
import type { RequestArgs } from '../../shared/api/contract';
import type {
  FieldValues,
  FullMessage,
  HighlightRange,
  LogContext,
  LogHistogram,
  LogHit,
  LogQuery,
  LogSort,
  TimeRange,
} from '../../shared/logs/model';
import type { QueryParseError } from './query-language';

/**
 * The Logs area's state (like Discover's): the query text and where it is wrong, the time range, the hits and
 * their pages, the histogram, the field sidebar's top values, open records, the context view, live tail and the
 * saved searches. The functions below the store are pure, so what a search asks for is tested without a host.
 */

/** A time range as the user chose it: "the last 15 minutes" moves with the clock, an absolute one does not. */
export type RangeSpec =
  { kind: 'relative'; lastMs: number; label: string } | { kind: 'absolute'; from: number; to: number };

export const QUICK_RANGES: readonly { label: string; lastMs: number }[] = [
  { label: 'Last 15 minutes', lastMs: 15 * 60_000 },
  { label: 'Last 1 hour', lastMs: 3_600_000 },
  { label: 'Last 4 hours', lastMs: 4 * 3_600_000 },
  { label: 'Last 24 hours', lastMs: 24 * 3_600_000 },
  { label: 'Last 7 days', lastMs: 7 * 24 * 3_600_000 },
  { label: 'Last 30 days', lastMs: 30 * 24 * 3_600_000 },
];

/** Hits one page holds. */
export const PAGE_SIZE = 100;
/** Hits kept while live tail prepends new ones. */
export const TAIL_KEEP = 2000;
/** The default columns of the document table after time. */
export const DEFAULT_COLUMNS: readonly string[] = [];

export interface SavedSearch {
  name: string;
  query: string;
  range: RangeSpec;
  columns: string[];
}

export interface ContextState {
  id: string;
  /** Lines asked for on each side. */
  around: number;
  loading: boolean;
  context: LogContext | null;
  error: string | null;
}

export interface LogsState {
  /** What is typed in the query bar. */
  queryText: string;
  /** Where the last submitted text is wrong; null when it parsed. */
  parseError: QueryParseError | null;
  /** The query of the hits shown (parsed from the text last submitted). */
  query: LogQuery;
  range: RangeSpec;
  /** The absolute window of the hits shown (a relative range resolved when searched). */
  resolved: TimeRange;
  sort: LogSort;
  /** Columns after time, level and source: record columns or `fields.<name>`; the message is always last. */
  columns: string[];
  hits: LogHit[];
  total: { value: number; relation: 'eq' | 'gte' } | null;
  nextCursor: string | null;
  tookMs: number | null;
  loading: boolean;
  loadingMore: boolean;
  /** Why the last search failed. */
  error: string | null;
  histogram: LogHistogram | null;
  /** Top values of the fields opened in the sidebar. */
  fieldValues: Record<string, FieldValues | 'loading' | { error: string }>;
  /** The record whose details are open beside the table. */
  detailId: string | null;
  /** Whole messages read for truncated records. */
  fullMessages: Record<string, FullMessage | 'loading'>;
  context: ContextState | null;
  liveTail: boolean;
  saved: SavedSearch[];
}

export function initialLogsState(): LogsState {
  return {
    queryText: '',
    parseError: null,
    query: { kind: 'all' },
    range: { kind: 'relative', lastMs: 24 * 3_600_000, label: 'Last 24 hours' },
    resolved: { from: null, to: null },
    sort: 'newest',
    columns: [...DEFAULT_COLUMNS],
    hits: [],
    total: null,
    nextCursor: null,
    tookMs: null,
    loading: false,
    loadingMore: false,
    error: null,
    histogram: null,
    fieldValues: {},
    detailId: null,
    fullMessages: {},
    context: null,
    liveTail: false,
    saved: [],
  };
}

export const useLogs = create<LogsState>(() => initialLogsState());

// --- Pure functions -----------------------------------------------------------------------------------------

/** The absolute window of a range at `now`. */
export function resolveRange(spec: RangeSpec, now: number): TimeRange {
  if (spec.kind === 'relative') return { from: now - spec.lastMs, to: now };
  return { from: Math.min(spec.from, spec.to), to: Math.max(spec.from, spec.to) };
}

/** What the time picker shows for a range. */
export function describeRange(spec: RangeSpec): string {
  if (spec.kind === 'relative') return spec.label;
  return `${formatTime(spec.from)} → ${formatTime(spec.to)}`;
}

export function formatTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** The arguments of `logs.search` for a query, window and page. */
export function searchArgs(
  query: LogQuery,
  range: TimeRange,
  sort: LogSort,
  cursor: string | null,
  queryId?: string,
): RequestArgs<'logs.search'> {
  return { query, range, sort, limit: PAGE_SIZE, cursor, ...(queryId ? { queryId } : {}) };
}

/** The arguments of `logs.histogram` for the same query and window. */
export function histogramArgs(
  query: LogQuery,
  range: TimeRange,
  queryId?: string,
): RequestArgs<'logs.histogram'> {
  return { query, range, targetBuckets: 60, ...(queryId ? { queryId } : {}) };
}

/** A value as query text: bare when it is one plain word, else quoted with `"` (a `"` inside doubled). */
export function quoteValue(value: string | number | boolean): string {
  const s = String(value);
  if (typeof value !== 'string') return s;
  if (/^[^\s()":<>=!,'`*?]+$/.test(s) && !/^(AND|OR|NOT)$/.test(s) && !/^now([+-]|$)/.test(s)) return s;
  return `"${s.replace(/"/g, '""')}"`;
}

/**
 * The query text with a filter on one value added, like Discover's + and − buttons: `field:value` to include,
 * `NOT field:value` to exclude. The opposite filter on the same value is replaced, the same one is not repeated,
 * and a text with OR at its top is put in parentheses so the filter applies to all of it.
 */
export function addFilter(
  text: string,
  field: string,
  value: string | number | boolean,
  exclude: boolean,
): string {
  const clause = `${field}:${quoteValue(value)}`;
  const wanted = exclude ? `NOT ${clause}` : clause;
  const opposite = exclude ? clause : `NOT ${clause}`;
  const trimmed = text.trim();
  if (!trimmed) return wanted;
  const parts = splitTopAnd(trimmed);
  if (parts) {
    if (parts.includes(wanted)) return trimmed;
    const i = parts.indexOf(opposite);
    if (i >= 0) {
      const next = [...parts];
      next[i] = wanted;
      return next.join(' AND ');
    }
  }
  const base = /\bOR\b/.test(trimmed) && !parts ? `(${trimmed})` : trimmed;
  return `${base} AND ${wanted}`;
}

/** The clauses of a text joined by top-level ` AND ` only, or null when it has anything else at its top. */
function splitTopAnd(text: string): string[] | null {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    // A doubled quote inside a quoted value toggles twice: it stays quoted.
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && text.startsWith(' AND ', i)) {
      parts.push(text.slice(start, i));
      start = i + 5;
      i += 4;
    } else if (!quoted && depth === 0 && text.startsWith(' OR ', i)) return null;
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

/**
 * The window a drag over the histogram selects, from the buckets under its two ends (either order): from the
 * start of the first to the end of the last. Null when the histogram has no buckets.
 */
export function zoomRange(h: LogHistogram, a: number, b: number): RangeSpec | null {
  if (h.buckets.length === 0 || !Number.isFinite(a) || !Number.isFinite(b)) return null;
  const clamp = (i: number) => Math.max(0, Math.min(h.buckets.length - 1, Math.round(i)));
  const lo = clamp(Math.min(a, b));
  const hi = clamp(Math.max(a, b));
  const from = h.buckets[lo]?.time ?? 0;
  const to = (h.buckets[hi]?.time ?? from) + h.intervalMs;
  return { kind: 'absolute', from, to };
}

/** A message cut into plain and highlighted pieces by the hit's ranges (overlapping and unsorted ranges merged). */
export function highlightSegments(
  message: string,
  ranges: readonly HighlightRange[],
): { text: string; hit: boolean }[] {
  const sorted = ranges
    .map((r) => ({ start: Math.max(0, r.start), end: Math.min(message.length, r.end) }))
    .filter((r) => r.end > r.start)
    .sort((x, y) => x.start - y.start);
  const out: { text: string; hit: boolean }[] = [];
  let at = 0;
  for (const r of sorted) {
    if (r.end <= at) continue;
    const start = Math.max(r.start, at);
    if (start > at) out.push({ text: message.slice(at, start), hit: false });
    const last = out[out.length - 1];
    if (last?.hit && start === at) last.text += message.slice(start, r.end);
    else out.push({ text: message.slice(start, r.end), hit: true });
    at = r.end;
  }
  if (at < message.length || out.length === 0) out.push({ text: message.slice(at), hit: false });
  return out;
}

/** Newer hits from live tail in front of the shown ones, without repeats, keeping at most `keep`. */
export function mergeTail(shown: readonly LogHit[], newer: readonly LogHit[], keep = TAIL_KEEP): LogHit[] {
  const seen = new Set(shown.map((h) => h.record.id));
  const fresh = newer.filter((h) => !seen.has(h.record.id));
  return [...fresh, ...shown].slice(0, keep);
}

/** The value of a column of a record, for the table and the detail view. */
export function columnValue(hit: LogHit, column: string): unknown {
  if (column.startsWith('fields.')) {
    let v: unknown = hit.record.fields;
    for (const key of column.slice(7).split('.')) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string, unknown>)[key];
    }
    return v;
  }
  return (hit.record as unknown as Record<string, unknown>)[column];
}

/** Columns toggled on or off in the table. */
export function toggleColumn(columns: readonly string[], column: string): string[] {
  return columns.includes(column) ? columns.filter((c) => c !== column) : [...columns, column];
}

/** The structured field names (first level and nested, dotted) seen in the hits, for the sidebar. */
export function fieldKeysOf(hits: readonly LogHit[]): string[] {
  const keys = new Set<string>();
  const walk = (obj: Record<string, unknown>, prefix: string, depth: number) => {
    for (const [k, v] of Object.entries(obj)) {
      if (!/^[A-Za-z0-9_-]+$/.test(k)) continue;
      const name = prefix ? `${prefix}.${k}` : k;
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && depth < 3)
        walk(v as Record<string, unknown>, name, depth + 1);
      else keys.add(name);
    }
  };
  for (const h of hits) walk(h.record.fields, '', 0);
  return [...keys].sort();
}

// --- Saved searches (kept in localStorage for now) -----------------------------------------------------------

export const SAVED_KEY = 'lakebench.logs.savedSearches';

export function readSaved(storage: Pick<Storage, 'getItem'>): SavedSearch[] {
  const raw = storage.getItem(SAVED_KEY);
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (s): s is SavedSearch =>
        typeof s === 'object' &&
        s !== null &&
        typeof (s as SavedSearch).name === 'string' &&
        typeof (s as SavedSearch).query === 'string' &&
        typeof (s as SavedSearch).range === 'object' &&
        Array.isArray((s as SavedSearch).columns),
    );
  } catch (err) {
    // A damaged entry (edited by hand, or from an older build) is not fatal: the list starts empty again.
    console.warn('Lakebench: the saved log searches could not be read', err);
    return [];
  }
}

/** The list with a search saved under its name (replacing one of the same name), sorted by name. */
export function withSaved(list: readonly SavedSearch[], s: SavedSearch): SavedSearch[] {
  return [...list.filter((x) => x.name !== s.name), s].sort((a, b) => a.name.localeCompare(b.name));
}
