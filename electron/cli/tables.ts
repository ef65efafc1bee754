import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { tableFromIPC } from 'apache-arrow';
import WebSocket from 'ws';
import { decodeMessage, encodeMessage, resolveBlobRefs } from '../../shared/api/wire';
import type { EventName, EventPayload } from '../../shared/api/contract';
import type { EventSink } from '../../shared/api/client';
import { LakebenchError, errorMessage, formatLocation } from '../../shared/errors';
import { LakebenchCore } from '../core/app';
import { ENGINE_DIR, readLiveServerJson } from '../core/workspace';

/** The SQL command of the `lakebench` CLI: SQL on a workspace's warehouse and Delta tables, from a shell. */

export const TABLES_HELP = `  lakebench sql --workspace DIR "SQL" [--format table|csv|json]
                                                 run SQL on the workspace (its tables are Delta tables);
                                                 prints the last statement's rows, exits 1 on an error;
                                                 goes through the Lakebench that has it open, if one does
`;

type Format = 'table' | 'csv' | 'json';

interface QueryOutcome {
  columns: string[];
  rows: unknown[][];
  error: EventPayload<'warehouse.onQueryFinished'>['error'];
}

/** A value as text: numbers, strings, dates; nested values as JSON. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  }
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object' && 'toJSON' in value && typeof value.toJSON === 'function') {
    return plain((value as { toJSON(): unknown }).toJSON());
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

const text = (value: unknown) =>
  value === null || value === undefined
    ? 'NULL'
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);

/** Collects a query's batches and its end from the warehouse's events. */
function collector(resolve: (outcome: QueryOutcome) => void): EventSink {
  const batches: Uint8Array[] = [];
  return {
    emit<E extends EventName>(name: E, payload: EventPayload<E>) {
      if (name === 'warehouse.onQueryBatch') {
        batches.push((payload as EventPayload<'warehouse.onQueryBatch'>).arrow);
      } else if (name === 'warehouse.onQueryFinished') {
        resolve(outcomeOf(batches, payload as EventPayload<'warehouse.onQueryFinished'>));
      }
    },
  };
}

/**
 * Runs the SQL in the Lakebench that has the workspace open, through its WebSocket API (the token of its
 * server.json): the same warehouse and tables, so nothing is written behind its back.
 */
function runOnServer(port: number, token: string, sql: string): Promise<QueryOutcome> {
  const base = `127.0.0.1:${port}`;
  const queryId = `lakebench-sql-${randomUUID()}`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${base}/api/ws?token=${encodeURIComponent(token)}`);
    const done = (outcome: QueryOutcome) => {
      ws.close();
      resolve(outcome);
    };
    const sink = collector(done);
    ws.once('unexpected-response', (_req, res) =>
      reject(
        new LakebenchError(
          'WORKSPACE_LOCKED',
          `the Lakebench on port ${port} refused the connection (HTTP ${res.statusCode})`,
        ),
      ),
    );
    ws.once('error', (err) =>
      reject(
        new LakebenchError(
          'WORKSPACE_LOCKED',
          `could not reach the Lakebench on port ${port}: ${errorMessage(err)}`,
        ),
      ),
    );
    ws.once('open', () =>
      ws.send(
        encodeMessage({
          t: 'call',
          id: 1,
          method: 'warehouse.runQuery',
          args: { sql, queryId, maxRows: 100_000_000 },
        }),
      ),
    );
    let pending = Promise.resolve();
    ws.on('message', (data) => {
      const message = decodeMessage(new Uint8Array(data as Buffer));
      if (message.t === 'reply' && !message.ok) {
        ws.close();
        reject(new LakebenchError(message.error.code, message.error.message, message.error.location));
        return;
      }
      if (message.t !== 'event') return;
      const payload = message.payload as { queryId?: string };
      if (payload.queryId !== queryId) return;
      // Large batches stay on the server until fetched; events are handled in order.
      pending = pending
        .then(async () => {
          const resolved = await resolveBlobRefs(message.payload, async (id) => {
            const res = await fetch(
              `http://${base}/api/blobs/${encodeURIComponent(id)}?token=${encodeURIComponent(token)}`,
            );
            if (!res.ok) throw new Error(`HTTP ${res.status}`);
            return new Uint8Array(await res.arrayBuffer());
          });
          sink.emit(message.name as EventName, resolved as never);
        })
        .catch((err: unknown) => {
          ws.close();
          reject(
            new LakebenchError('INTERNAL', `reading the result from port ${port}: ${errorMessage(err)}`),
          );
        });
    });
  });
}

function outcomeOf(batches: Uint8Array[], p: EventPayload<'warehouse.onQueryFinished'>): QueryOutcome {
  const rows: unknown[][] = [];
  for (const batch of batches) {
    for (const row of tableFromIPC(batch).toArray()) {
      const values = plain((row as { toJSON(): Record<string, unknown> }).toJSON()) as Record<
        string,
        unknown
      >;
      rows.push(
        p.columns.map((c) => {
          const v = values[c.name];
          // Arrow gives timestamps and dates as milliseconds since the epoch.
          return typeof v === 'number' && /^(TIMESTAMP|DATE)/.test(c.type) ? new Date(v).toISOString() : v;
        }),
      );
    }
  }
  return { columns: p.columns.map((c) => c.name), rows, error: p.error };
}

function runToEnd(core: LakebenchCore, sql: string): Promise<QueryOutcome> {
  return new Promise((resolve) => {
    core.warehouse.runQuery({ sql, maxRows: 100_000_000, queryId: 'lakebench-sql' }, collector(resolve));
  });
}

function render(outcome: QueryOutcome, format: Format): string {
  const { columns, rows } = outcome;
  if (format === 'json') {
    return `${JSON.stringify(
      rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i] ?? null]))),
      null,
      2,
    )}\n`;
  }
  if (format === 'csv') {
    const cell = (v: unknown) => {
      if (v === null || v === undefined) return '';
      const s = text(v);
      return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    return [columns.map(cell), ...rows.map((r) => r.map(cell))].map((line) => `${line.join(',')}\n`).join('');
  }
  const cells = rows.map((r) => r.map(text));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i])).join(' | ');
  return [
    line(columns),
    widths.map((w) => '-'.repeat(w)).join('-+-'),
    ...cells.map(line),
    `(${rows.length} row${rows.length === 1 ? '' : 's'})`,
  ]
    .map((l) => `${l.trimEnd()}\n`)
    .join('');
}

export async function sqlCommand(argv: string[], version: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      workspace: { type: 'string', short: 'w' },
      format: { type: 'string', short: 'f', default: 'table' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (!values.workspace) throw new LakebenchError('INVALID_REQUEST', '--workspace DIR is required');
  if (positionals.length !== 1) throw new LakebenchError('INVALID_REQUEST', 'give the SQL as one argument');
  const format = values.format as Format;
  if (!['table', 'csv', 'json'].includes(format)) {
    throw new LakebenchError('INVALID_REQUEST', '--format is table, csv or json');
  }
  const workspace = path.resolve(values.workspace);
  if (!existsSync(workspace)) {
    throw new LakebenchError('NOT_FOUND', `the workspace ${workspace} does not exist`);
  }
  const live = readLiveServerJson(path.join(workspace, ENGINE_DIR));
  let outcome: QueryOutcome;
  if (live) {
    if (typeof live.port !== 'number' || typeof live.token !== 'string') {
      throw new LakebenchError(
        'WORKSPACE_LOCKED',
        `the workspace ${workspace} is open in another Lakebench (process ${String(live.pid)}) that gives no port to reach it: run the SQL there, or close it first`,
      );
    }
    outcome = await runOnServer(live.port, live.token, positionals[0]);
  } else {
    const core = await LakebenchCore.open({ workspacePath: workspace, version });
    try {
      outcome = await runToEnd(core, positionals[0]);
    } finally {
      await core.close();
    }
  }
  if (outcome.error) {
    const where = formatLocation(outcome.error.location);
    process.stderr.write(`lakebench: ${outcome.error.message}${where ? ` (${where})` : ''}\n`);
    return 1;
  }
  process.stdout.write(render(outcome, format));
  return 0;
}
