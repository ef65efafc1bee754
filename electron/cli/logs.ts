import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LakebenchError } from '../../shared/errors';
import { parseKql, relativeTime } from '../../shared/logs/kql';
import type { LogQuery, LogRecord, TimeRange } from '../../shared/logs/model';
import { LocalLogsService } from '../core/logs';
import { ENGINE_DIR } from '../core/workspace';

/** The logs commands of the `lakebench` CLI: search the workspace's logs, or follow them as they are written. */

export const LOGS_HELP = `  lakebench logs search --workspace DIR 'QUERY' [--since 1h] [--limit N] [--format table|json]
                                                 print the newest records matching QUERY (oldest first)
  lakebench logs tail --workspace DIR ['QUERY'] [--since 10m] [--format table|json]
                                                 print matching records as they are written, until Ctrl-C
                                                 QUERY: level:error AND taskId:load, "a phrase", err*,
                                                 durationMs > 500, time > now-1h, (a OR b), NOT x
`;

const POLL_MS = 300;
const TAIL_OVERLAP_MS = 2000;

type Format = 'table' | 'json';

interface Common {
  logs: LocalLogsService;
  query: LogQuery;
  from: number | null;
  format: Format;
}

/** `1h`, `15m`, `7d`, `30s`, or a date / date-time: the start of the time range. */
export function sinceTime(text: string, now: number): number {
  const rel = relativeTime(`now-${text}`, now);
  if (rel !== null) return rel;
  const t = Date.parse(text);
  if (Number.isFinite(t)) return t;
  throw new LakebenchError(
    'INVALID_REQUEST',
    `--since ${text}: a duration (30s, 15m, 1h, 7d) or a date (2026-12-01, 2026-12-01T10:00:00Z)`,
  );
}

/** Where a record comes from, short: `pipeline etl/run-1/load#2`, `notebook nb.ipynb#c1`, `server`. */
function origin(r: LogRecord): string {
  switch (r.source) {
    case 'pipeline':
      return `pipeline ${r.pipelineId}/${r.runId}/${r.taskId}#${r.tryNumber}`;
    case 'notebook':
      return `notebook ${r.notebook}#${r.cellId}`;
    case 'ingest':
      return `ingest ${r.table}`;
    case 'kernel':
      return `kernel ${r.kernelId}`;
    case 'app':
      return `app ${r.component}`;
    default:
      return r.source;
  }
}

export function formatRecord(r: LogRecord, format: Format): string {
  if (format === 'json') return `${JSON.stringify(r)}\n`;
  const message = r.message.replace(/\r?\n/g, ' ⏎ ');
  return `${new Date(r.time).toISOString()} ${r.level.toUpperCase().padEnd(5)} ${origin(r)}  ${message}\n`;
}

function open(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      workspace: { type: 'string', short: 'w' },
      since: { type: 'string', short: 's' },
      format: { type: 'string', short: 'f', default: 'table' },
      limit: { type: 'string', short: 'n' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (!values.workspace) throw new LakebenchError('INVALID_REQUEST', '--workspace DIR is required');
  const root = path.resolve(values.workspace);
  if (!existsSync(path.join(root, ENGINE_DIR)))
    throw new LakebenchError(
      'NOT_FOUND',
      `${root} is not a Lakebench workspace (it has no ${ENGINE_DIR} folder)`,
    );
  const format = values.format;
  if (format !== 'table' && format !== 'json')
    throw new LakebenchError('INVALID_REQUEST', `--format is table or json, not ${String(format)}`);
  if (positionals.length > 1)
    throw new LakebenchError('INVALID_REQUEST', 'give the query as one argument (quote it)');
  const now = Date.now();
  const text = positionals[0] ?? '';
  const parsed = parseKql(text, { now });
  if ('error' in parsed) {
    process.stderr.write(
      `lakebench: the query is not valid at column ${parsed.error.offset + 1}: ${parsed.error.message}\n` +
        `  ${text}\n  ${' '.repeat(parsed.error.offset)}^\n`,
    );
    return null;
  }
  const from = values.since ? sinceTime(values.since, now) : null;
  const logs = new LocalLogsService({
    file: path.join(root, ENGINE_DIR, 'logs.db'),
    reads: 'inline',
    retentionIntervalMs: null,
  });
  return { common: { logs, query: parsed.query, from, format } as Common, values };
}

export async function logsCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'search') return search(rest);
  if (sub === 'tail') return tail(rest);
  throw new LakebenchError(
    'INVALID_REQUEST',
    `lakebench logs search|tail, not "${sub ?? ''}"\n\n${LOGS_HELP}`,
  );
}

async function search(argv: string[]): Promise<number> {
  const opened = open(argv);
  if (!opened) return 2;
  const { common, values } = opened;
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new LakebenchError(
      'INVALID_REQUEST',
      `--limit is a number from 1 to 1000, not ${String(values.limit)}`,
    );
  try {
    const range: TimeRange = { from: common.from, to: null };
    const res = await common.logs.search({ query: common.query, range, sort: 'newest', limit, cursor: null });
    const records = res.hits.map((h) => h.record).reverse();
    process.stdout.write(records.map((r) => formatRecord(r, common.format)).join(''));
    const total = `${res.total.relation === 'gte' ? 'at least ' : ''}${res.total.value}`;
    process.stderr.write(`${records.length} of ${total} matching records\n`);
    return 0;
  } finally {
    await common.logs.close();
  }
}

async function tail(argv: string[]): Promise<number> {
  const opened = open(argv);
  if (!opened) return 2;
  const { logs, query, format } = opened.common;
  let stopped = false;
  let wake: (() => void) | null = null;
  const stop = () => {
    stopped = true;
    wake?.();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const started = Date.now();
  try {
    // Like tail(1): the last lines first (those since --since, or the last 10), then what comes.
    const first = await logs.search({
      query,
      range: { from: opened.common.from, to: null },
      sort: 'newest',
      limit: opened.common.from === null ? 10 : 1000,
      cursor: null,
    });
    const shown = first.hits.map((h) => h.record).reverse();
    process.stdout.write(shown.map((r) => formatRecord(r, format)).join(''));
    // Records seen in the overlap window: a record committed late with an earlier time is still shown once.
    const seen = new Map<string, number>(shown.map((r) => [r.id, r.time]));
    let latest = shown.length ? shown[shown.length - 1].time : started;
    while (!stopped) {
      const range = { from: latest - TAIL_OVERLAP_MS, to: null };
      let cursor: string | null = null;
      do {
        const res = await logs.search({ query, range, sort: 'oldest', limit: 1000, cursor });
        let out = '';
        for (const h of res.hits) {
          if (seen.has(h.record.id)) continue;
          seen.set(h.record.id, h.record.time);
          latest = Math.max(latest, h.record.time);
          out += formatRecord(h.record, format);
        }
        if (out) process.stdout.write(out);
        cursor = res.nextCursor;
      } while (cursor !== null && !stopped);
      for (const [id, t] of seen) if (t < latest - TAIL_OVERLAP_MS) seen.delete(id);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, POLL_MS);
      });
      wake = null;
    }
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await logs.close();
  }
}
