import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { tableFromIPC } from 'apache-arrow';
import type { EventName, EventPayload } from '../../shared/api/contract';
import type { EventSink } from '../../shared/api/client';
import { LakebenchError, formatLocation } from '../../shared/errors';
import { LakebenchCore } from '../core/app';
import { ENGINE_DIR, readLiveServerJson } from '../core/workspace';

/** The SQL command of the `lakebench` CLI: SQL on a workspace's warehouse and Delta tables, from a shell. */

export const TABLES_HELP = `  lakebench sql --workspace DIR "SQL" [--format table|csv|json]
                                                 run SQL on the workspace (its tables are Delta tables);
                                                 prints the last statement's rows, exits 1 on an error
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

function runToEnd(core: LakebenchCore, sql: string): Promise<QueryOutcome> {
  return new Promise((resolve) => {
    const batches: Uint8Array[] = [];
    let queryId = '';
    const sink: EventSink = {
      emit<E extends EventName>(name: E, payload: EventPayload<E>) {
        if (name === 'warehouse.onQueryBatch') {
          batches.push((payload as EventPayload<'warehouse.onQueryBatch'>).arrow);
        } else if (name === 'warehouse.onQueryFinished') {
          const p = payload as EventPayload<'warehouse.onQueryFinished'>;
          if (queryId && p.queryId !== queryId) return;
          const rows: unknown[][] = [];
          for (const batch of batches) {
            const table = tableFromIPC(batch);
            for (const row of table.toArray()) {
              const values = plain((row as { toJSON(): Record<string, unknown> }).toJSON()) as Record<
                string,
                unknown
              >;
              rows.push(
                p.columns.map((c) => {
                  const v = values[c.name];
                  // Arrow gives timestamps and dates as milliseconds since the epoch.
                  return typeof v === 'number' && /^(TIMESTAMP|DATE)/.test(c.type)
                    ? new Date(v).toISOString()
                    : v;
                }),
              );
            }
          }
          resolve({ columns: p.columns.map((c) => c.name), rows, error: p.error });
        }
      },
    };
    queryId = core.warehouse.runQuery({ sql, maxRows: 100_000_000, queryId: 'lakebench-sql' }, sink).queryId;
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
  if (live) {
    const where = typeof live.port === 'number' ? ` on port ${live.port}` : '';
    throw new LakebenchError(
      'WORKSPACE_LOCKED',
      `the workspace ${workspace} is open in another Lakebench (process ${String(live.pid)}${where}): run the SQL there, or close it first`,
    );
  }
  const core = await LakebenchCore.open({ workspacePath: workspace, version });
  try {
    const outcome = await runToEnd(core, positionals[0]);
    if (outcome.error) {
      const where = formatLocation(outcome.error.location);
      process.stderr.write(`lakebench: ${outcome.error.message}${where ? ` (${where})` : ''}\n`);
      return 1;
    }
    process.stdout.write(render(outcome, format));
    return 0;
  } finally {
    await core.close();
  }
}
