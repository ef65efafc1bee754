/**
 * Run tracker read benchmarks for the Runs area: a 10,000-run page with every key against only the table's
 * columns (`select`), the ids of every matching run (`idsOnly`), runs by id (getRuns against the IN-filter search
 * it replaces), and metric histories of many runs x metrics in one batch against one series at a time, down to a
 * 1M-point history. Prints figures; never pass/fail.
 */
import os from 'node:os';
import path from 'node:path';
import type { RequestArgs, RequestName, RequestResult } from '../../shared/api/contract';
import { LakebenchCore } from '../../electron/core/app';
import { tempDir } from '../support/temp';

const RUNS = Number(process.env.BENCH_READ_RUNS ?? 10_000);
const PARAMS = 50;
const METRICS = 20;
const HISTORY_RUNS = 300;
const HISTORY_KEYS = 6;
const HISTORY_POINTS = 1000;
const LONG_POINTS = 1_000_000;

function line(text: string): void {
  process.stdout.write(`  ${text}\n`);
}

function timed<T>(f: () => T): { value: T; ms: number } {
  const t = performance.now();
  const value = f();
  return { value, ms: performance.now() - t };
}

async function timedAsync<T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t = performance.now();
  const value = await f();
  return { value, ms: performance.now() - t };
}

const mb = (value: unknown) => `${(JSON.stringify(value).length / 1e6).toFixed(1)} MB`;

export async function main(): Promise<void> {
  line(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} on ${os.cpus().length} cores`,
  );
  const { dir, cleanup } = await tempDir('lakebench-bench-reads-');
  const core = await LakebenchCore.open({ workspacePath: path.join(dir, 'ws'), version: 'bench' });
  const call = async <K extends RequestName>(method: K, args: RequestArgs<K>) => {
    const reply = await core.host.dispatch(method, args, { clientId: 'bench' });
    if (!reply.ok) throw new Error(reply.error.message);
    return reply.value as RequestResult<K>;
  };
  try {
    const store = core.tracker;
    const exp = store.createExperiment('reads').experimentId;
    const made = timed(() => {
      const ids: string[] = [];
      for (let i = 0; i < RUNS; i++) {
        const id = store.createRun({ experimentId: exp, runName: `r${i}`, startTime: 1_700_000_000_000 + i })
          .info.runId;
        store.logBatch(id, {
          params: Array.from({ length: PARAMS }, (_, k) => ({
            key: `param_${k}`,
            value: String((i * k) % 97),
          })),
          metrics: Array.from({ length: METRICS }, (_, k) => ({
            key: `metric_${k}`,
            value: Math.random(),
            timestamp: 1,
            step: 0,
          })),
          tags: [{ key: 'team', value: i % 3 ? 'a' : 'b' }],
        });
        ids.push(id);
      }
      return ids;
    });
    const ids = made.value;
    line(
      `${RUNS.toLocaleString()} runs with ${PARAMS} params and ${METRICS} metrics each: ${(made.ms / 1000).toFixed(1)} s`,
    );

    // ---- a 10,000-run page: every key, or the table's columns --------------------------------------------------
    const page = {
      experimentIds: [exp],
      filter: "tags.team = 'a' or metrics.metric_0 < 0.5",
      maxResults: 10_000,
    };
    const full = await timedAsync(() => call('tracker.searchRuns', page));
    const lean = await timedAsync(() =>
      call('tracker.searchRuns', {
        ...page,
        select: {
          metrics: ['metric_0', 'metric_1', 'metric_2', 'metric_3'],
          params: ['param_0', 'param_1', 'param_2', 'param_3'],
        },
      }),
    );
    line(
      `page of ${full.value.runs.length.toLocaleString()} runs, every key: ${full.ms.toFixed(0)} ms, ${mb(full.value)}; ` +
        `4 metrics + 4 params (select): ${lean.ms.toFixed(0)} ms, ${mb(lean.value)}`,
    );
    const every = await timedAsync(() => call('tracker.searchRuns', { ...page, idsOnly: true }));
    line(
      `ids of all ${every.value.totalCount.toLocaleString()} matching runs (idsOnly): ${every.ms.toFixed(0)} ms, ${mb(every.value)}`,
    );

    // ---- runs by id -------------------------------------------------------------------------------------------
    const some = ids.filter((_, i) => i % 97 === 0).slice(0, 100);
    const byId = await timedAsync(() => call('tracker.getRuns', { runIds: some }));
    const byFilter = await timedAsync(() =>
      call('tracker.searchRuns', {
        experimentIds: [],
        filter: `attributes.run_id IN (${some.map((id) => `'${id}'`).join(', ')})`,
        maxResults: some.length,
        runViewType: 'ALL',
      }),
    );
    line(
      `${some.length} runs by id: getRuns ${byId.ms.toFixed(1)} ms; the IN-filter search it replaces ${byFilter.ms.toFixed(1)} ms`,
    );

    // ---- metric histories: runs x metrics -------------------------------------------------------------------
    const histRuns = ids.slice(0, HISTORY_RUNS);
    const keys = Array.from({ length: HISTORY_KEYS }, (_, k) => `curve_${k}`);
    for (const id of histRuns)
      for (const key of keys)
        store.logBatch(id, {
          metrics: Array.from({ length: HISTORY_POINTS }, (_, step) => ({
            key,
            value: Math.exp(-step / 300) + Math.random() * 0.01,
            timestamp: 1_700_000_000_000 + step,
            step,
          })),
        });
    for (const maxPoints of [2000, 200]) {
      const one = timed(() => {
        // What the request did before: each run read whole to check it exists, then one series at a time.
        for (const id of histRuns) store.getRun(id);
        let n = 0;
        for (const id of histRuns)
          for (const key of keys) n += store.metricSeries(id, key, maxPoints, 'step').x.length;
        return n;
      });
      const batch = await timedAsync(() =>
        call('tracker.getMetricHistories', { runIds: histRuns, keys, maxPoints, xAxis: 'step' }),
      );
      const points = batch.value.series.reduce((a, s) => a + s.x.length, 0);
      line(
        `${HISTORY_RUNS} runs x ${HISTORY_KEYS} metrics of ${HISTORY_POINTS} points, maxPoints ${maxPoints}: ` +
          `one series at a time ${one.ms.toFixed(0)} ms (${one.value.toLocaleString()} points); ` +
          `one batch request ${batch.ms.toFixed(0)} ms (${points.toLocaleString()} points, ${mb(batch.value)})`,
      );
    }

    // ---- a 1M-point history -----------------------------------------------------------------------------------
    const long = store.createRun({ experimentId: exp, runName: 'long' }).info.runId;
    for (let b = 0; b < LONG_POINTS / 1000; b++)
      store.logBatch(long, {
        metrics: Array.from({ length: 1000 }, (_, i) => {
          const step = b * 1000 + i;
          return {
            key: 'loss',
            value: step === 654_321 ? 9 : Math.exp(-step / 2e5),
            timestamp: 1 + step,
            step,
          };
        }),
      });
    const alone = timed(() => store.metricSeries(long, 'loss', 2000, 'step'));
    const inBatch = await timedAsync(() =>
      call('tracker.getMetricHistories', {
        runIds: [long, ...histRuns.slice(0, 99)],
        keys: ['loss', ...keys],
        maxPoints: 2000,
      }),
    );
    const longSeries = inBatch.value.series[0];
    line(
      `1M-point history: alone ${alone.ms.toFixed(0)} ms; in a batch with 99 runs x ${HISTORY_KEYS} metrics ${inBatch.ms.toFixed(0)} ms ` +
        `(reduced to ${longSeries.x.length} points, peak ${longSeries.max?.value} at step ${longSeries.max?.step} kept: ${longSeries.y.includes(9)})`,
    );
  } finally {
    await core.close();
    await cleanup();
  }
}
