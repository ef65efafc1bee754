import { z } from 'zod';
import { request } from '../api/define';
import { ErrorDataSchema } from '../api/schemas';
import { SqlCompletionResultSchema } from '../sql/completion';

/** The warehouse's part of the API: SQL on the workspace's DuckDB database, results as Arrow batches. */

export const ColumnInfoSchema = z.object({ name: z.string(), type: z.string() });
export type ColumnInfo = z.infer<typeof ColumnInfoSchema>;

export const TableInfoSchema = z.object({
  schema: z.string(),
  name: z.string(),
  kind: z.enum(['table', 'view']),
  rowCount: z.number().nullable(),
  columns: z.array(ColumnInfoSchema),
});
export type TableInfo = z.infer<typeof TableInfoSchema>;

export const QueryStatusSchema = z.enum(['succeeded', 'failed', 'cancelled']);
export type QueryStatus = z.infer<typeof QueryStatusSchema>;

const QueryId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._:-]+$/, 'a query id is letters, digits, . _ : or -');

export const warehouseRequests = {
  'warehouse.runQuery': request(
    z.object({
      sql: z.string().max(10_000_000),
      queryId: QueryId.optional(),
      /** At most this many rows are sent to the client; the rest are counted, not sent. */
      maxRows: z.number().int().positive().max(100_000_000).default(10_000_000),
      origin: z.object({ notebook: z.string().optional(), cellId: z.string().optional() }).optional(),
    }),
    z.object({ queryId: z.string() }),
    'Starts a query and returns its id at once (also its operation id); batches, progress and the end arrive as events.',
  ),
  'warehouse.cancelQuery': request(
    z.object({ queryId: QueryId }),
    z.object({ cancelled: z.boolean() }),
    'Interrupts a running query (the same as operations.cancel with the query id).',
  ),
  'warehouse.listTables': request(
    z.object({}),
    z.array(TableInfoSchema),
    'Tables and views of the workspace database.',
  ),
  'warehouse.complete': request(
    z.object({
      text: z.string().max(1_000_000),
      cursor: z.number().int().min(0),
    }),
    SqlCompletionResultSchema,
    'SQL completion at an offset of a cell: keywords, functions with signatures, tables, columns in scope.',
  ),
} satisfies Record<string, ReturnType<typeof request>>;

export const warehouseEvents = {
  'warehouse.onQueryBatch': z.object({
    queryId: z.string(),
    batchIndex: z.number().int(),
    /** One Arrow IPC stream (schema + one record batch). */
    arrow: z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected Arrow IPC bytes'),
    rowCount: z.number().int(),
    rowsSoFar: z.number().int(),
  }),
  'warehouse.onQueryProgress': z.object({
    queryId: z.string(),
    /** 0-100, or -1 when DuckDB cannot tell. */
    percentage: z.number(),
    rowsSoFar: z.number().int(),
    elapsedMs: z.number(),
  }),
  'warehouse.onQueryFinished': z.object({
    queryId: z.string(),
    status: QueryStatusSchema,
    rowCount: z.number().int(),
    /** True when more rows exist than were sent (maxRows). */
    truncated: z.boolean(),
    elapsedMs: z.number(),
    columns: z.array(ColumnInfoSchema),
    statementType: z.string(),
    rowsChanged: z.number().int().nullable(),
    error: ErrorDataSchema.nullable(),
  }),
} satisfies Record<string, z.ZodType>;
