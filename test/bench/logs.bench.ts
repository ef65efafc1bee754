/**
 * Logs benchmarks on generated, realistic log lines (pipeline tries, notebook cells, server requests, ingest,
 * the scheduler): ingest rate through the sink with the event loop's delay meanwhile; search p50/p95 for a
 * term, a phrase, a field filter and a combination; the histogram. Each is set against raw FTS5 / SQL on the
 * same database and `grep -c` over the same lines as text, in the same run. Figures, never pass/fail.
 *
 * BENCH_LOGS_LINES (default 1,000,000; 10,000,000 takes a while on a small machine), BENCH_LOGS_REPEATS.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LocalLogsService } from '../../electron/core/logs';
import type { LogInput, LogLevel, LogQuery, LogSource } from '../../shared/logs/model';
import { tempDir } from '../support/temp';

const LINES = Number(process.env.BENCH_LOGS_LINES ?? 1_000_000);
const REPEATS = Number(process.env.BENCH_LOGS_REPEATS ?? 30);
const T0 = Date.parse('2026-03-01T00:00:00Z');
/** The generated lines span a week. */
const SPAN_MS = 7 * 86_400_000;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
function out(text: string): void {
  process.stdout.write(`  ${text}\n`);
}
function ms(x: number): string {
  return `${x.toFixed(1)} ms`;
}

/** A small deterministic PRNG (mulberry32), so every run indexes the same lines. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  'alpha batch buffer cache checkpoint cluster commit compute config cursor dataset delta driver epoch executor export feature filter frame gateway hash index join kernel lineage loader manifest merge metric model offset parquet partition pipeline planner query queue record replica schema session shard snapshot sort stage stream table tensor token upload vector version warehouse window worker'.split(
    ' ',
  );
const TASKS = ['extract', 'load', 'transform', 'report', 'train', 'score', 'publish', 'check'];
const TABLES = ['sales.orders', 'sales.customers', 'ml.features', 'ops.events', 'raw.clicks'];
const PATHS = [
  '/api/runs',
  '/api/query',
  '/api/tables',
  '/api/pipelines/etl/runs',
  '/api/logs/search',
  '/ws',
];
const HOSTS = ['db-1', 'db-2', 'db-3', 'cache-1', 'object-store'];

interface Generated {
  input: LogInput;
  text: string;
}

/** One realistic line: its record for the sink and the same line as text for grep. */
function generator(): (i: number) => Generated {
  const r = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const step = SPAN_MS / LINES;
  return (i) => {
    const time = Math.floor(T0 + i * step);
    const u = r();
    let source: LogSource;
    let level: LogLevel = 'info';
    let stream: LogInput['stream'] = 'stdout';
    let message: string;
    let fields: Record<string, unknown> | undefined;
    if (u < 0.55) {
      const task = pick(TASKS);
      source = {
        kind: 'pipeline',
        pipelineId: 'etl',
        runId: `run-${Math.floor(i / 20_000)}`,
        taskId: task,
        tryNumber: 1,
      };
      const v = r();
      if (v < 0.04) {
        level = 'error';
        stream = 'stderr';
        message = `ERROR connection refused: host ${pick(HOSTS)} port 5432 while ${words(3)}`;
      } else if (v < 0.1) {
        level = 'warn';
        stream = 'stderr';
        message = `WARNING retrying ${pick(WORDS)} after timeout (${Math.floor(r() * 30)}s) ${words(4)}`;
      } else if (v < 0.13) {
        level = 'error';
        stream = 'stderr';
        message = `Traceback: File "tasks/${task}.py", line ${Math.floor(r() * 400)}, in ${pick(WORDS)} KeyError: '${pick(WORDS)}'`;
      } else
        message = `${task}: processed ${Math.floor(r() * 100_000)} rows of ${pick(TABLES)} in ${Math.floor(r() * 900)} ms ${words(5)}`;
    } else if (u < 0.75) {
      source = {
        kind: 'notebook',
        notebook: `notebooks/${pick(['train', 'explore', 'report'])}.ipynb`,
        cellId: `c${Math.floor(r() * 40)}`,
      };
      const epoch = Math.floor(r() * 100);
      message = `epoch ${epoch} loss ${r().toFixed(4)} accuracy ${r().toFixed(4)} ${words(3)}`;
      fields = { epoch };
      if (r() < 0.03) {
        level = 'warn';
        stream = 'stderr';
        message = `UserWarning: ${words(6)} is deprecated`;
      }
    } else if (u < 0.93) {
      const status = r() < 0.9 ? 200 : r() < 0.7 ? 404 : 500;
      const method = r() < 0.7 ? 'GET' : 'POST';
      const p = pick(PATHS);
      const durationMs = Math.floor(r() * r() * 2000);
      source = { kind: 'server', method, path: p, status, durationMs };
      stream = 'event';
      level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      message = `${method} ${p} ${status} ${durationMs}ms`;
    } else if (u < 0.98) {
      const table = pick(TABLES);
      source = {
        kind: 'ingest',
        table,
        file: `landing/${table}/part-${Math.floor(r() * 1000)}.csv`,
        auto: r() < 0.5,
      };
      stream = 'event';
      message = `ingested ${Math.floor(r() * 50_000)} rows into ${table} version ${Math.floor(r() * 500)}`;
    } else {
      source = { kind: 'scheduler', pipelineId: 'etl' };
      stream = 'event';
      message = `scheduled run of etl for ${new Date(time).toISOString()} ${words(2)}`;
    }
    const text = `${new Date(time).toISOString()} ${level.toUpperCase()} ${source.kind} ${
      source.kind === 'pipeline' ? source.taskId : '-'
    } ${message}`;
    return { input: { source, time, level, stream, message, fields }, text };
  };
}

async function timeIt(n: number, fn: (i: number) => Promise<unknown> | unknown): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  return times;
}

function summary(times: number[]): string {
  return `p50 ${ms(pct(times, 50))}  p95 ${ms(pct(times, 95))}`;
}

function grepTimes(n: number, cmd: string): { times: number[]; count: string } {
  const times: number[] = [];
  let count = '';
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
    times.push(performance.now() - t);
    count = r.stdout.trim();
  }
  return { times, count };
}

export async function main(): Promise<void> {
  const { dir, cleanup } = await tempDir('lakebench-logs-bench-');
  try {
    const file = path.join(dir, 'logs.db');
    const textFile = path.join(dir, 'lines.log');
    out(`${LINES.toLocaleString('en-US')} generated lines over 7 days`);

    // The lines as text, for grep; and the generator's own time, taken off the ingest's below.
    const text = createWriteStream(textFile);
    let gen = generator();
    const genStarted = performance.now();
    for (let i = 0; i < LINES; i++) {
      if (!text.write(`${gen(i).text}\n`))
        await new Promise<void>((resolve) => text.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve) => text.end(() => resolve()));
    const genSeconds = (performance.now() - genStarted) / 1000;
    gen = generator();

    // Ingest: producers write in bursts from the event loop, as services do; a timer measures how late it runs.
    const logs = new LocalLogsService({ file, retentionIntervalMs: null });
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = performance.now();
    const BURST = 2000;
    for (let i = 0; i < LINES; i += BURST) {
      const end = Math.min(LINES, i + BURST);
      for (let j = i; j < end; j++) logs.write(gen(j).input);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await logs.flush();
    // Generating (and formatting) the same lines again is not the service's work.
    const took = Math.max(0.001, (performance.now() - started) / 1000 - genSeconds);
    delay.disable();
    const size = (await stat(file)).size;
    out(
      `ingest: ${Math.round(LINES / took).toLocaleString('en-US')} lines/s (${took.toFixed(1)} s without the generator's ${genSeconds.toFixed(1)} s; goal >= 200,000/s); ` +
        `event-loop delay p99 ${ms(delay.percentile(99) / 1e6)}, max ${ms(delay.max / 1e6)}; logs.db ${(size / 1e6).toFixed(0)} MB`,
    );

    const raw = new Database(file, { readonly: true });
    const ALL = { from: null, to: null };
    const terms = [
      'refused',
      'timeout',
      'checkpoint',
      'traceback',
      'parquet',
      'deprecated',
      'replica',
      'gateway',
    ];
    const phrases = ['connection refused', 'processed rows', 'is deprecated', 'retrying', 'loss accuracy'];
    const searchOf = (query: LogQuery) =>
      logs.search({ query, range: ALL, sort: 'newest', limit: 100, cursor: null });
    const rawFts = (match: string, where = '') => {
      raw
        .prepare(
          `SELECT r.* FROM records_fts CROSS JOIN records r ON r.rowid = records_fts.rowid WHERE records_fts MATCH ? ${where} ORDER BY records_fts.rowid DESC LIMIT 100`,
        )
        .all(match);
      raw
        .prepare(
          `SELECT count(*) FROM (SELECT 1 FROM records_fts ${where ? 'CROSS JOIN records r ON r.rowid = records_fts.rowid' : ''} WHERE records_fts MATCH ? ${where} LIMIT 10001)`,
        )
        .get(match);
    };

    out(`search (100 hits + total up to 10,000), ${REPEATS} runs each; goal p95 < 50 ms at 1M:`);
    const cases: {
      name: string;
      lakebench: (i: number) => unknown;
      fts: (i: number) => unknown;
      grep: string;
    }[] = [
      {
        name: 'term',
        lakebench: (i) => searchOf({ kind: 'text', text: terms[i % terms.length] }),
        fts: (i) => rawFts(`"${terms[i % terms.length]}"`),
        grep: `grep -c -i -w refused ${textFile}`,
      },
      {
        name: 'phrase',
        lakebench: (i) => searchOf({ kind: 'phrase', text: phrases[i % phrases.length] }),
        fts: (i) => rawFts(`"${phrases[i % phrases.length]}"`),
        grep: `grep -c -i 'connection refused' ${textFile}`,
      },
      {
        name: 'field level:error',
        lakebench: () => searchOf({ kind: 'match', field: 'level', value: 'error' }),
        fts: () => {
          raw.prepare("SELECT * FROM records WHERE level = 'error' ORDER BY rowid DESC LIMIT 100").all();
          raw.prepare("SELECT count(*) FROM (SELECT 1 FROM records WHERE level = 'error' LIMIT 10001)").get();
        },
        grep: `grep -c ' ERROR ' ${textFile}`,
      },
      {
        name: 'refused AND taskId:load AND level>=warn',
        lakebench: () =>
          searchOf({
            kind: 'and',
            clauses: [
              { kind: 'text', text: 'refused' },
              { kind: 'match', field: 'taskId', value: 'load' },
              { kind: 'range', field: 'level', gte: 'warn' },
            ],
          }),
        fts: () => rawFts('"refused"', "AND r.task_id = 'load' AND r.level IN ('warn', 'error', 'fatal')"),
        grep: `grep -i -w refused ${textFile} | grep ' pipeline load ' | grep -c -E ' (WARN|ERROR|FATAL) '`,
      },
    ];
    for (const c of cases) {
      const a = await timeIt(REPEATS, c.lakebench);
      const b = await timeIt(REPEATS, c.fts);
      const g = grepTimes(Math.min(REPEATS, 5), c.grep);
      out(
        `${c.name.padEnd(42)} lakebench ${summary(a)} | raw FTS5/SQL ${summary(b)} | grep -c ${summary(g.times)} (${g.count} lines)`,
      );
    }
    const sample = await searchOf({ kind: 'text', text: 'refused' });
    out(`  ("refused": ${sample.total.relation === 'gte' ? '>= ' : ''}${sample.total.value} matches)`);

    out('histogram (60 buckets over the week); goal < 100 ms at 1M:');
    const width = Math.ceil(SPAN_MS / 60 / 1000) * 1000;
    const hAll = await timeIt(REPEATS, () =>
      logs.histogram({ query: { kind: 'all' }, range: { from: T0, to: T0 + SPAN_MS }, targetBuckets: 60 }),
    );
    const hRaw = await timeIt(REPEATS, () =>
      raw
        .prepare('SELECT rowid / CAST(? AS INTEGER) AS b, count(*) FROM records GROUP BY b')
        .all(width * 2048),
    );
    const hTerm = await timeIt(REPEATS, () =>
      logs.histogram({
        query: { kind: 'text', text: 'refused' },
        range: { from: T0, to: T0 + SPAN_MS },
        targetBuckets: 60,
      }),
    );
    const hTermRaw = await timeIt(REPEATS, () =>
      raw
        .prepare(
          'SELECT rowid / CAST(? AS INTEGER) AS b, count(*) FROM records_fts WHERE records_fts MATCH \'"refused"\' GROUP BY b',
        )
        .all(width * 2048),
    );
    const hGrep = grepTimes(Math.min(REPEATS, 5), `cut -c1-13 ${textFile} | uniq -c | wc -l`);
    const hGrepTerm = grepTimes(
      Math.min(REPEATS, 5),
      `grep -i -w refused ${textFile} | cut -c1-13 | uniq -c | wc -l`,
    );
    out(
      `${'every record'.padEnd(42)} lakebench ${summary(hAll)} | raw SQL ${summary(hRaw)} | cut|uniq -c (hourly) ${summary(hGrep.times)}`,
    );
    out(
      `${'"refused"'.padEnd(42)} lakebench ${summary(hTerm)} | raw FTS5 ${summary(hTermRaw)} | grep|cut|uniq -c ${summary(hGrepTerm.times)}`,
    );
    raw.close();
    await logs.close();
  } finally {
    await cleanup();
  }
}
