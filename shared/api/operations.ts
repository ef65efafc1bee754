import { z } from 'zod';
import { request } from './define';

/**
 * One shape for long work: every long operation (a SQL query, a kernel execution, a pipeline run; ingest and
 * log shipping next) has an operation id, reports progress with `operations.onProgress`, and is stopped with
 * `operations.cancel`. A service's own start request returns the id (a query id, an execution id, a run id).
 */

export const OPERATION_KINDS = [
  'query',
  'kernel.execution',
  'pipeline.run',
  'ingest',
  'log.shipping',
] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

export const OperationIdSchema = z
  .string()
  .min(1, 'an operation id is required')
  .max(400)
  // Ids are the services' own (query ids, execution ids, run ids like manual__2026-01-01T00:00:00+00:00).
  .regex(/^[\x21-\x7e]+$/, 'an operation id is printable ASCII without spaces');
export type OperationId = z.infer<typeof OperationIdSchema>;

export const OperationProgressSchema = z.object({
  operationId: z.string(),
  kind: z.enum(OPERATION_KINDS),
  /** Work done so far, in the unit of `total` (rows, tasks, percent); absent when unknown. */
  done: z.number().optional(),
  total: z.number().optional(),
  message: z.string().optional(),
  /** The last event of the operation: it ended (succeeded, failed or cancelled). */
  finished: z.boolean().optional(),
});
export type OperationProgress = z.infer<typeof OperationProgressSchema>;

export const operationRequests = {
  'operations.cancel': request(
    z.object({ operationId: OperationIdSchema }),
    z.object({ cancelled: z.boolean() }),
    'Cancels a running operation of any kind; false when it is not running (finished or unknown).',
  ),
} satisfies Record<string, ReturnType<typeof request>>;

export const operationEvents = {
  'operations.onProgress': OperationProgressSchema,
} satisfies Record<string, z.ZodType>;
