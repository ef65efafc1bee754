import { z } from 'zod';
import { request } from '../api/define';

/** The tables service's part of the API: the workspace's Delta tables (`tables/<schema>/<name>/`). */

export const WorkspaceTableSchema = z.object({ schema: z.string(), name: z.string(), path: z.string() });

export const HistoryEntrySchema = z.object({
  version: z.number().int(),
  timestamp: z.number(),
  operation: z.string().nullable(),
  operationParameters: z.record(z.string(), z.unknown()),
  operationMetrics: z.record(z.string(), z.unknown()),
  userMetadata: z.string().nullable(),
});

export const tablesRequests = {
  'tables.list': request(
    z.object({}),
    z.array(WorkspaceTableSchema),
    'The Delta tables of the workspace, each a view of its latest version in the warehouse.',
  ),
  'tables.history': request(
    z.object({
      schema: z.string().default('main'),
      name: z.string(),
      limit: z.number().int().positive().optional(),
    }),
    z.array(HistoryEntrySchema),
    'The commits of a workspace table, newest first (DESCRIBE HISTORY).',
  ),
} satisfies Record<string, ReturnType<typeof request>>;

export const tablesEvents = {} as const;
