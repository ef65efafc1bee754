import { z } from 'zod';
import { request } from '../api/define';
import {
  FieldValuesSchema,
  FullMessageSchema,
  LogContextSchema,
  LogHistogramSchema,
  LogQuerySchema,
  LogSearchResultSchema,
  LogSortSchema,
  MAX_SEARCH_HITS,
  QueryFieldSchema,
  RetentionPolicySchema,
  RetentionPreviewSchema,
  TimeRangeSchema,
} from './model';

/**
 * The logs service's requests; merged into the one API contract in shared/api/contract.ts.
 *
 * Errors (LakebenchError codes): `INVALID_PARAMETER_VALUE` for a query the store cannot run (a bad range bound,
 * a bad cursor, a mistake in `kql` text, at its `location.offset`); `QUERY_CANCELLED` for a query stopped by `logs.cancel` or by its time limit; `NOT_FOUND` for
 * an unknown record id; `INVALID_REQUEST` for arguments that fail the schemas below.
 */

const RecordId = z.string().min(3).max(5000);
/** Names a running query so that `logs.cancel` can stop it. */
const QueryId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._:-]+$/, 'a query id is letters, digits, . _ : or -');

const SearchBase = {
  query: LogQuerySchema.default({ kind: 'all' }),
  /**
   * The query as text in the logs query language (shared/logs/kql.ts), parsed by the service and and-ed with
   * `query`; a mistake in it is INVALID_PARAMETER_VALUE with `location.offset`.
   */
  kql: z.string().max(10_000).optional(),
  range: TimeRangeSchema.default({ from: null, to: null }),
  queryId: QueryId.optional(),
};

export const logsRequests = {
  'logs.search': request(
    z.object({
      ...SearchBase,
      sort: LogSortSchema.default('newest'),
      limit: z.number().int().min(1).max(MAX_SEARCH_HITS).default(100),
      cursor: z.string().max(100).nullable().default(null),
    }),
    LogSearchResultSchema,
    'A page of records matching the query in the time range, newest first (or oldest, or by bm25 relevance), with highlight ranges and the total (exact up to a cap).',
  ),
  'logs.histogram': request(
    z.object({
      ...SearchBase,
      /** Bucket width; chosen from the range for about `targetBuckets` buckets when absent. */
      intervalMs: z
        .number()
        .int()
        .min(1)
        .max(366 * 24 * 3600 * 1000)
        .optional(),
      targetBuckets: z.number().int().min(1).max(2000).default(60),
    }),
    LogHistogramSchema,
    'Counts of the matching records per time bucket, for the chart above the hits.',
  ),
  'logs.fieldValues': request(
    z.object({
      ...SearchBase,
      field: QueryFieldSchema,
      size: z.number().int().min(1).max(100).default(10),
      sampleSize: z.number().int().min(1).max(100_000).default(5000),
    }),
    FieldValuesSchema,
    "A field's most frequent values among the newest matching records.",
  ),
  'logs.context': request(
    z.object({
      id: RecordId,
      before: z.number().int().min(0).max(1000).default(20),
      after: z.number().int().min(0).max(1000).default(20),
    }),
    LogContextSchema,
    'The lines before and after a record in its own stream (its try, cell, ingest, ...).',
  ),
  'logs.get': request(
    z.object({ id: RecordId }),
    FullMessageSchema,
    'The whole message of a record whose message was cut in the index (as much of it as was kept).',
  ),
  'logs.cancel': request(
    z.object({ queryId: QueryId }),
    z.object({ cancelled: z.boolean() }),
    'Stops a running search, histogram or field-values query.',
  ),
  'logs.retentionPreview': request(
    z.object({ policy: RetentionPolicySchema.optional() }),
    RetentionPreviewSchema,
    'What the retention policy (the one in force, or the one given) deletes if applied now.',
  ),
} as const;

export const logsEvents = {} as const;
