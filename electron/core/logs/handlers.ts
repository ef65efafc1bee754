import type { RequestHandlers } from '../../../shared/api/client';
import { LakebenchError } from '../../../shared/errors';
import type { logsRequests } from '../../../shared/logs/contract';
import { parseKql } from '../../../shared/logs/kql';
import type { LogQuery } from '../../../shared/logs/model';
import type { LakebenchCore } from '../app';

/**
 * The query of a request: its structured `query`, and-ed with its `kql` text when it has one. A mistake in the
 * text is INVALID_PARAMETER_VALUE at its offset, so the query bar can mark it.
 */
export function requestQuery(args: { query: LogQuery; kql?: string }, now = Date.now()): LogQuery {
  if (args.kql === undefined) return args.query;
  const parsed = parseKql(args.kql, { now });
  if ('error' in parsed)
    throw new LakebenchError(
      'INVALID_PARAMETER_VALUE',
      `the query is not valid at column ${parsed.error.offset + 1}: ${parsed.error.message}`,
      { offset: parsed.error.offset },
    );
  if (args.query.kind === 'all') return parsed.query;
  if (parsed.query.kind === 'all') return args.query;
  return { kind: 'and', clauses: [args.query, parsed.query] };
}

/** The logs' part of the API: one handler per request of their contract. */
export function logsHandlers(core: LakebenchCore): Pick<RequestHandlers, keyof typeof logsRequests> {
  const l = () => core.logs;
  return {
    'logs.search': (args) => l().search({ ...args, query: requestQuery(args) }),
    'logs.histogram': (args) => l().histogram({ ...args, query: requestQuery(args) }),
    'logs.fieldValues': (args) => l().fieldValues({ ...args, query: requestQuery(args) }),
    'logs.context': (args) => l().context(args),
    'logs.get': (args) => l().get(args),
    'logs.cancel': (args) => l().cancel(args),
    'logs.retentionPreview': (args) => l().retentionPreview(args),
  };
}
