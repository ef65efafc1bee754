import { randomUUID } from 'node:crypto';
import { sinkFor, type RequestHandlers } from '../../../shared/api/client';
import type { warehouseRequests } from '../../../shared/warehouse/contract';
import type { LakebenchCore } from '../app';
import { follows } from '../operations';

/** The warehouse's part of the API: one handler per request of its contract. */
export function warehouseHandlers(
  core: LakebenchCore,
): Pick<RequestHandlers, keyof typeof warehouseRequests> {
  return {
    'warehouse.runQuery': async (args, ctx) => {
      const warehouse = core.warehouse;
      const queryId = args.queryId ?? randomUUID();
      // A query is an operation: operations.cancel stops it, operations.onProgress follows it.
      const operation = core.operations.start({
        id: queryId,
        kind: 'query',
        to: ctx.clientId,
        scope: core.workspace.root,
        cancel: () => warehouse.cancelQuery(queryId).cancelled,
        follow: [
          follows('warehouse.onQueryProgress', 'queryId', (p) =>
            p.percentage >= 0 ? { done: p.percentage, total: 100 } : { message: `${p.rowsSoFar} rows` },
          ),
          follows('warehouse.onQueryFinished', 'queryId', (p) => ({ finished: true, message: p.status })),
        ],
      });
      try {
        return warehouse.runQuery({ ...args, queryId }, sinkFor(core.bus, ctx.clientId));
      } catch (err) {
        operation.finish('failed');
        throw err;
      }
    },
    'warehouse.cancelQuery': async ({ queryId }) => core.warehouse.cancelQuery(queryId),
    'warehouse.listTables': async () => core.warehouse.listTables(),
    'warehouse.complete': async ({ text, cursor }) => core.warehouse.complete(text, cursor),
  };
}
