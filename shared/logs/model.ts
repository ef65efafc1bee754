import { z } from 'zod';

/**
 * The logs service's domain: one structured record per line of output or event, from every part of Lakebench
 * (pipeline task tries, notebook cells, ingest, the scheduler, kernels, the server's requests), and the
 * structured query (an AST) its search takes. A text grammar (KQL-style) parses into `LogQuery`; the service
 * never parses query text itself.
 */

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export const LogLevelSchema = z.enum(LOG_LEVELS);
export type LogLevel = z.infer<typeof LogLevelSchema>;

export const LOG_STREAMS = ['stdout', 'stderr', 'event'] as const;
export const LogStreamSchema = z.enum(LOG_STREAMS);
export type LogStream = z.infer<typeof LogStreamSchema>;

export const LOG_SOURCE_KINDS = [
  'pipeline',
  'notebook',
  'ingest',
  'scheduler',
  'server',
  'kernel',
  'app',
] as const;
export const LogSourceKindSchema = z.enum(LOG_SOURCE_KINDS);
export type LogSourceKind = z.infer<typeof LogSourceKindSchema>;

/** Where a record comes from. Each kind names the ids that make up its stream (see `streamKeyOf`). */
export type LogSource =
  | { kind: 'pipeline'; pipelineId: string; runId: string; taskId: string; tryNumber: number }
  | { kind: 'notebook'; notebook: string; cellId: string }
  /** An ingest into a table; `file` is the landing file, `auto` marks folder auto-ingest. */
  | { kind: 'ingest'; table: string; file?: string; auto?: boolean }
  | { kind: 'scheduler'; pipelineId?: string }
  /** One request the server answered. The path carries no token: the service redacts secrets in its query. */
  | { kind: 'server'; method: string; path: string; status: number; durationMs: number }
  | { kind: 'kernel'; kernelId: string; notebook?: string }
  /** Anything else in the app, by component (`workspace`, `warehouse`, ...). */
  | { kind: 'app'; component: string };

/** What a service hands the sink: cheap to build, normalized by the logs service off the caller's path. */
export interface LogInput {
  source: LogSource;
  /** Milliseconds since the epoch; the time of the write when absent. */
  time?: number;
  /** `info` when absent (`warn` for stderr). */
  level?: LogLevel;
  /** `event` when absent. */
  stream?: LogStream;
  /**
   * The 1-based line number of this record in its stream (a try's raw log line, for instance). With it, writing
   * the same line twice stores it once, which is what lets a restart re-read a raw log to fill a gap. Absent: the
   * service numbers the stream's records itself.
   */
  line?: number;
  /** Text, or raw bytes of output (decoded as UTF-8 with replacement; invalid input is flagged). */
  message: string | Uint8Array;
  /** Structured fields (JSON-serializable); huge values are cut. */
  fields?: Record<string, unknown>;
}

/** A stored record, flat, as search answers it. Ids that do not apply to the source kind are null. */
export const LogRecordSchema = z.object({
  /** Deterministic: the stream key and the line number, `<streamKey>#<line>`. */
  id: z.string(),
  time: z.number(),
  level: LogLevelSchema,
  source: LogSourceKindSchema,
  stream: LogStreamSchema,
  /** The record's line number in its stream. */
  line: z.number().int(),
  pipelineId: z.string().nullable(),
  runId: z.string().nullable(),
  taskId: z.string().nullable(),
  tryNumber: z.number().int().nullable(),
  notebook: z.string().nullable(),
  cellId: z.string().nullable(),
  table: z.string().nullable(),
  ingestFile: z.string().nullable(),
  kernelId: z.string().nullable(),
  component: z.string().nullable(),
  requestMethod: z.string().nullable(),
  requestPath: z.string().nullable(),
  requestStatus: z.number().int().nullable(),
  durationMs: z.number().nullable(),
  /** At most MESSAGE_INDEX_BYTES of the message, ending in TRUNCATION_MARKER when it was cut. */
  message: z.string(),
  fields: z.record(z.string(), z.unknown()),
  /** The size in bytes of the whole message as written. */
  messageBytes: z.number().int(),
  /** True when `message` is cut; `logs.get` gives as much of the rest as was kept. */
  truncated: z.boolean(),
  /** True when the output was not valid UTF-8 (shown with U+FFFD in place of bad bytes). */
  invalidUtf8: z.boolean(),
});
export type LogRecord = z.infer<typeof LogRecordSchema>;

/** Bytes of a message kept in the record and the full-text index; the rest is cut with a marker. */
export const MESSAGE_INDEX_BYTES = 32 * 1024;
/** Bytes of a cut message kept (compressed) for `logs.get`; the rest of a larger one is dropped. */
export const MESSAGE_KEEP_BYTES = 8 * 1024 * 1024;
/** Bytes of a record's fields as JSON; larger fields are replaced by a note and a cut copy of their JSON. */
export const FIELDS_MAX_BYTES = 16 * 1024;
/** The marker at the end of a cut message. */
export function truncationMarker(droppedBytes: number): string {
  return `… [truncated ${droppedBytes} bytes]`;
}

/**
 * A field a query can name: a record column, or `fields.<path>` for a structured field (dots separate keys).
 * `message` is the full-text field; free text searches the message and the ids and field values of a record.
 */
export const QUERY_COLUMNS = [
  'time',
  'level',
  'source',
  'stream',
  'line',
  'pipelineId',
  'runId',
  'taskId',
  'tryNumber',
  'notebook',
  'cellId',
  'table',
  'ingestFile',
  'kernelId',
  'component',
  'requestMethod',
  'requestPath',
  'requestStatus',
  'durationMs',
  'message',
] as const;
export type QueryColumn = (typeof QUERY_COLUMNS)[number];

const FIELD_PATTERN = /^(?:fields\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)$/;
export const QueryFieldSchema = z
  .string()
  .max(200)
  .refine(
    (f) => (QUERY_COLUMNS as readonly string[]).includes(f) || FIELD_PATTERN.test(f),
    'unknown field: a record column (level, taskId, ...) or fields.<name>',
  );
export type QueryField = QueryColumn | `fields.${string}`;

const QueryValueSchema = z.union([z.string().max(10_000), z.number(), z.boolean()]);
/** A bound of a range: a number, or for `time` an ISO date-time too. */
const RangeBoundSchema = z.union([z.number(), z.string().max(100)]);

/**
 * The structured query. Each node is what a KQL-style text parser produces:
 * - `text`: a bare word (`timeout`) matched as a token; with `field: 'message'` only in the message.
 * - `phrase`: a quoted phrase (`"connection refused"`), its tokens in order.
 * - `match`: `field:value`, an exact value of a column or structured field (`level:error`, `fields.user:ana`);
 *   `field: 'message'` is the same as `text`/`phrase` restricted to the message.
 * - `wildcard`: `conn*`, `path:/api/*`; `*` is any run of characters, `?` one character. In text a trailing
 *   `*` is a prefix search of the index; any other wildcard in the message scans it (within the query's limits).
 * - `range`: `durationMs >= 100`, `time < 2026-01-01`; bounds are inclusive (`gte`/`lte`) or not (`gt`/`lt`).
 * - `exists`: `fields.user:*`, the field is present.
 * - `and` / `or` / `not`, and `all` (matches every record; the empty query).
 */
export type LogQuery =
  | { kind: 'all' }
  | { kind: 'text'; text: string; field?: 'message' }
  | { kind: 'phrase'; text: string; field?: 'message' }
  | { kind: 'match'; field: QueryField; value: string | number | boolean }
  | { kind: 'wildcard'; pattern: string; field?: QueryField }
  | {
      kind: 'range';
      field: QueryField;
      gt?: number | string;
      gte?: number | string;
      lt?: number | string;
      lte?: number | string;
    }
  | { kind: 'exists'; field: QueryField }
  | { kind: 'and'; clauses: LogQuery[] }
  | { kind: 'or'; clauses: LogQuery[] }
  | { kind: 'not'; clause: LogQuery };

const TextSchema = z.string().min(1, 'search text is required').max(1000);
export const LogQuerySchema: z.ZodType<LogQuery> = z.lazy(() =>
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('all') }),
    z.object({ kind: z.literal('text'), text: TextSchema, field: z.literal('message').optional() }),
    z.object({ kind: z.literal('phrase'), text: TextSchema, field: z.literal('message').optional() }),
    z.object({ kind: z.literal('match'), field: QueryFieldSchema, value: QueryValueSchema }),
    z.object({ kind: z.literal('wildcard'), pattern: TextSchema, field: QueryFieldSchema.optional() }),
    z.object({
      kind: z.literal('range'),
      field: QueryFieldSchema,
      gt: RangeBoundSchema.optional(),
      gte: RangeBoundSchema.optional(),
      lt: RangeBoundSchema.optional(),
      lte: RangeBoundSchema.optional(),
    }),
    z.object({ kind: z.literal('exists'), field: QueryFieldSchema }),
    z.object({ kind: z.literal('and'), clauses: z.array(LogQuerySchema).min(1).max(200) }),
    z.object({ kind: z.literal('or'), clauses: z.array(LogQuerySchema).min(1).max(200) }),
    z.object({ kind: z.literal('not'), clause: LogQuerySchema }),
  ]),
) as z.ZodType<LogQuery>;

/** A time window, milliseconds since the epoch; `from` inclusive, `to` exclusive. */
export const TimeRangeSchema = z.object({
  from: z.number().nullable().default(null),
  to: z.number().nullable().default(null),
});
export type TimeRange = z.output<typeof TimeRangeSchema>;

/** Hits one search page may hold. */
export const MAX_SEARCH_HITS = 1000;
/** Matches counted exactly; past it the total is "at least". */
export const TOTAL_COUNT_CAP = 10_000;
/** The longest a query may hold the database before it is stopped (QUERY_CANCELLED). */
export const QUERY_TIME_LIMIT_MS = 5000;

/** A match inside a hit's message: UTF-16 offsets [start, end). */
export const HighlightRangeSchema = z.object({ start: z.number().int(), end: z.number().int() });
export type HighlightRange = z.infer<typeof HighlightRangeSchema>;

export const LogHitSchema = z.object({
  record: LogRecordSchema,
  /** Where the query's text matched in `record.message`; empty when the query has no text. */
  highlights: z.array(HighlightRangeSchema),
});
export type LogHit = z.infer<typeof LogHitSchema>;

export const LogSortSchema = z.enum(['newest', 'oldest', 'relevance']);
export type LogSort = z.infer<typeof LogSortSchema>;

export const LogSearchResultSchema = z.object({
  hits: z.array(LogHitSchema),
  /** Matches in the time range, exact up to `TOTAL_COUNT_CAP`. */
  total: z.object({ value: z.number().int(), relation: z.enum(['eq', 'gte']) }),
  /** Pass back as `cursor` for the next page; null on the last. */
  nextCursor: z.string().nullable(),
  tookMs: z.number(),
});
export type LogSearchResult = z.infer<typeof LogSearchResultSchema>;

export const HistogramBucketSchema = z.object({
  /** The bucket's start, ms since the epoch. */
  time: z.number(),
  count: z.number().int(),
});
export const LogHistogramSchema = z.object({
  intervalMs: z.number(),
  /** Every bucket from the range's start to its end, empty ones with a count of 0. */
  buckets: z.array(HistogramBucketSchema),
  tookMs: z.number(),
});
export type LogHistogram = z.infer<typeof LogHistogramSchema>;

export const FieldValuesSchema = z.object({
  field: z.string(),
  values: z.array(
    z.object({ value: z.union([z.string(), z.number(), z.boolean()]), count: z.number().int() }),
  ),
  /** The newest matching records the counts are taken from (like Discover's sample). */
  sampled: z.number().int(),
  /** Sampled records that have the field. */
  present: z.number().int(),
});
export type FieldValues = z.infer<typeof FieldValuesSchema>;

/** Retention like OpenSearch's Index State Management: delete past an age, keep at most a size. */
export const RetentionPolicySchema = z.object({
  /** Records older than this many days are deleted; null keeps them. */
  maxAgeDays: z.number().positive().max(100_000).nullable().default(30),
  /** When the store's records take more than this (MB, 1,000,000 bytes), the oldest go; null: no limit. */
  maxSizeMb: z.number().positive().max(10_000_000).nullable().default(1000),
});
export type RetentionPolicy = z.output<typeof RetentionPolicySchema>;

export const RetentionPreviewSchema = z.object({
  policy: RetentionPolicySchema,
  /** What the store holds now. */
  current: z.object({ records: z.number().int(), bytes: z.number().int() }),
  /** What applying the policy now deletes: every record before `cutoffTime` (null: nothing). */
  delete: z.object({
    records: z.number().int(),
    bytes: z.number().int(),
    byAge: z.number().int(),
    bySize: z.number().int(),
    oldestTime: z.number().nullable(),
    newestTime: z.number().nullable(),
    cutoffTime: z.number().nullable(),
  }),
});
export type RetentionPreview = z.infer<typeof RetentionPreviewSchema>;

export const LogContextSchema = z.object({
  /** Oldest first, the record itself included. */
  records: z.array(LogRecordSchema),
  /** Index of the record asked for in `records`. */
  anchor: z.number().int(),
  hasMoreBefore: z.boolean(),
  hasMoreAfter: z.boolean(),
});
export type LogContext = z.infer<typeof LogContextSchema>;

export const FullMessageSchema = z.object({
  id: z.string(),
  message: z.string(),
  messageBytes: z.number().int(),
  /** False when the message was larger than MESSAGE_KEEP_BYTES and only its start was kept. */
  complete: z.boolean(),
});
export type FullMessage = z.infer<typeof FullMessageSchema>;

function seg(s: string): string {
  return encodeURIComponent(s);
}

/** A record's stream: the sequence its line numbers count in, and what `logs.context` walks. */
export function streamKeyOf(source: LogSource): string {
  switch (source.kind) {
    case 'pipeline':
      return `pipeline/${seg(source.pipelineId)}/${seg(source.runId)}/${seg(source.taskId)}/${source.tryNumber}`;
    case 'notebook':
      return `notebook/${seg(source.notebook)}/${seg(source.cellId)}`;
    case 'ingest':
      return `ingest/${seg(source.table)}${source.file ? `/${seg(source.file)}` : ''}`;
    case 'scheduler':
      return source.pipelineId ? `scheduler/${seg(source.pipelineId)}` : 'scheduler';
    case 'server':
      return 'server';
    case 'kernel':
      return `kernel/${seg(source.kernelId)}`;
    case 'app':
      return `app/${seg(source.component)}`;
    default: {
      const never: never = source;
      throw new Error(`unknown log source ${JSON.stringify(never)}`);
    }
  }
}

/** The record id of a stream's line. */
export function recordId(streamKey: string, line: number): string {
  return `${streamKey}#${line}`;
}

/** The stream key and line of a record id, or null for a malformed id. */
export function parseRecordId(id: string): { streamKey: string; line: number } | null {
  const at = id.lastIndexOf('#');
  if (at <= 0) return null;
  const line = Number(id.slice(at + 1));
  if (!Number.isSafeInteger(line) || line < 1) return null;
  return { streamKey: id.slice(0, at), line };
}
