import type { RequestHandlers } from '../../../shared/api/client';
import type { tablesRequests } from '../../../shared/tables/contract';
import type { LakebenchCore } from '../app';
import { tablesService } from '../app';

/** The tables service's part of the API: one handler per request of its contract. */
export function tablesHandlers(core: LakebenchCore): Pick<RequestHandlers, keyof typeof tablesRequests> {
  return {
    'tables.list': async () => core.get(tablesService).list(),
    'tables.history': async ({ schema, name, limit }) => {
      const tables = core.get(tablesService);
      return (await tables.delta.history(tables.pathOf(schema, name), limit)).map((e) => ({
        version: e.version,
        timestamp: e.timestamp,
        operation: e.operation,
        operationParameters: e.operationParameters,
        operationMetrics: e.operationMetrics,
        userMetadata: e.userMetadata,
      }));
    },
  };
}
