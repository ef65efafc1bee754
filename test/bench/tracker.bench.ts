/**
 * Run tracker benchmarks: log-batch ingest through the MLflow REST API (from separate client processes, as
 * scripts log) and in process; search over 10,000 runs with a three-clause filter; fetching a 1M-point metric
 * history for a chart and page by page over REST. Prints figures against the targets; never pass/fail.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { LakebenchCore } from '../../electron/core/app';
import { startServer } from '../../electron/server';
import { tempDir } from '../support/temp';

const REST_CLIENTS = Number(process.env.BENCH_REST_CLIENTS ?? 4);
const REST_BATCHES = Number(process.env.BENCH_REST_BATCHES ?? 100);
const REST_ROUNDS = Number(process.env.BENCH_REST_ROUNDS ?? 3);
const RUNS = 10_000;
const SEARCHES = 60;
const HISTORY_POINTS = 1_000_000;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function line(text: string): void {
  process.stdout.write(`  ${text}\n`);
}

/**
 * One logging process: keep-alive connections, a few requests in flight, as a batching client would. It says
 * "ready" once loaded and starts on "go", so the processes' start-up does not compete with the measured
 * ingest; it reports its own first and last moments and the CPU it used while sending.
 */
const CLIENT = `
const http = require('node:http');
const [port, token, runId, batches, clientNo, inFlight] = process.argv.slice(1);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(inFlight) });
let next = 0;
function send(b) {
  const metrics = [];
  for (let i = 0; i < 1000; i++) metrics.push({ key: 'loss', value: Math.random(), timestamp: Date.now(), step: Number(clientNo) * 1e9 + b * 1000 + i });
  const body = Buffer.from(JSON.stringify({ run_id: runId, metrics }));
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: Number(port), method: 'POST', path: '/api/2.0/mlflow/runs/log-batch', agent,
      headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(text))));
    });
    req.on('error', reject);
    req.end(body);
  });
}
async function worker() { while (next < Number(batches)) await send(next++); }
process.stdin.once('data', () => {
  const first = Date.now();
  const cpu = process.cpuUsage();
  Promise.all(Array.from({ length: Number(inFlight) }, worker)).then(
    () => {
      const used = process.cpuUsage(cpu);
      console.log(JSON.stringify({ first, last: Date.now(), cpuMs: (used.user + used.system) / 1000 }));
      agent.destroy();
      process.stdin.destroy();
    },
    (err) => { console.error(err.message); process.exit(1); },
  );
});
console.log('ready');`;
const IN_FLIGHT = Number(process.env.BENCH_REST_IN_FLIGHT ?? 4);

interface ClientReport {
  first: number;
  last: number;
  cpuMs: number;
}

/**
 * Starts one logging process per run, lets them go together, and waits for their reports; with the CPU this
 * process (the server) used from the go to the last report.
 */
async function logFromProcesses(
  port: number,
  token: string,
  runIds: string[],
): Promise<{ reports: ClientReport[]; serverCpuMs: number }> {
  const children = runIds.map((runId, i) => {
    const child = spawn(
      process.execPath,
      ['-e', CLIENT, String(port), token, runId, String(REST_BATCHES), String(i), String(IN_FLIGHT)],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    let out = '';
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.startsWith('ready\n')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`client ${i} exited ${code} before it was ready`)));
    });
    // 'close', not 'exit': the report may still be in the pipe when the process has exited.
    const report = new Promise<ClientReport>((resolve, reject) =>
      child.on('close', (code) => {
        try {
          if (code !== 0) throw new Error(`exited ${code}`);
          resolve(JSON.parse(out.slice('ready\n'.length)) as ClientReport);
        } catch (err) {
          reject(
            new Error(`client ${i}: ${err instanceof Error ? err.message : String(err)}; it printed ${out}`),
          );
        }
      }),
    );
    report.catch(() => undefined); // a client that fails before it is ready is reported by `ready`
    return { child, ready, report };
  });
  await Promise.all(children.map((c) => c.ready));
  const cpu = process.cpuUsage();
  for (const c of children) c.child.stdin.write('go\n');
  const reports = await Promise.all(children.map((c) => c.report));
  const used = process.cpuUsage(cpu);
  return { reports, serverCpuMs: (used.user + used.system) / 1000 };
}

export async function main(): Promise<void> {
  line(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${os.cpus().length} CPUs`,
  );
  const { dir, cleanup } = await tempDir('lakebench-bench-tracker-');
  const core = await LakebenchCore.open({ workspacePath: path.join(dir, 'ws'), version: 'bench' });
  const server = await startServer({ core, port: 0 });
  const store = core.tracker;
  try {
    // ---- ingest through REST --------------------------------------------------------------------------------
    // The server shares the machine's cores with the logging processes, so their CPU time is printed too.
    // The rate counts the points found stored afterwards, over the time from the first request to the last answer.
    const exp = store.createExperiment('bench');
    const base = `http://127.0.0.1:${server.port}`;
    // The machine is shared, so the main case runs a few rounds and the median is the figure.
    const cases = [
      { clients: REST_CLIENTS, rounds: REST_ROUNDS },
      ...[1, 2].filter((n) => n < REST_CLIENTS).map((clients) => ({ clients, rounds: 1 })),
    ];
    for (const { clients, rounds } of cases) {
      const sent = clients * REST_BATCHES * 1000;
      const results: {
        rate: number;
        stored: number;
        seconds: number;
        serverCpuMs: number;
        clientCpuMs: number;
      }[] = [];
      for (let round = 0; round < rounds; round++) {
        const runIds = Array.from(
          { length: clients },
          () => store.createRun({ experimentId: exp.experimentId }).info.runId,
        );
        const { reports, serverCpuMs } = await logFromProcesses(server.port, server.token, runIds);
        const ms = Math.max(...reports.map((r) => r.last)) - Math.min(...reports.map((r) => r.first));
        const stored = runIds.reduce((sum, id) => sum + store.metricCount(id), 0);
        const clientCpuMs = reports.reduce((sum, r) => sum + r.cpuMs, 0);
        results.push({ rate: (stored / ms) * 1000, stored, seconds: ms / 1000, serverCpuMs, clientCpuMs });
      }
      const median = [...results].sort((x, y) => x.rate - y.rate)[Math.floor(results.length / 2)];
      const storedAll = results.every((r) => r.stored === sent);
      line(
        `log-batch over REST, ${clients} process${clients > 1 ? 'es' : ''} x ${REST_BATCHES} batches of 1000 (${IN_FLIGHT} in flight each)${rounds > 1 ? `, median of ${rounds} rounds` : ''}: ${Math.round(median.rate).toLocaleString()} points/s (target >= 200,000)`,
      );
      for (const r of results)
        line(
          `  ${r.stored.toLocaleString()} of ${sent.toLocaleString()} points stored in ${r.seconds.toFixed(2)} s = ${Math.round(r.rate).toLocaleString()} points/s; CPU: server ${r.serverCpuMs.toFixed(0)} ms, logging processes ${r.clientCpuMs.toFixed(0)} ms`,
        );
      if (!storedAll) line(`  POINTS WERE LOST: not every round stored all ${sent.toLocaleString()} points`);
    }

    // ---- ingest in process ----------------------------------------------------------------------------------
    const inRun = store.createRun({ experimentId: exp.experimentId });
    const batches = 200;
    const payloads = Array.from({ length: batches }, (_, b) =>
      Array.from({ length: 1000 }, (_, i) => ({
        key: 'loss',
        value: Math.random(),
        timestamp: 1,
        step: b * 1000 + i,
      })),
    );
    const t1 = performance.now();
    for (const metrics of payloads) store.logBatch(inRun.info.runId, { metrics });
    const inMs = performance.now() - t1;
    line(
      `log-batch in process: ${(batches * 1000).toLocaleString()} points in ${(inMs / 1000).toFixed(2)} s = ${Math.round(((batches * 1000) / inMs) * 1000).toLocaleString()} points/s`,
    );

    // ---- search over 10,000 runs ----------------------------------------------------------------------------
    const sweep = store.createExperiment('sweep-10k');
    const t2 = performance.now();
    const insertRun = (i: number) =>
      store.inTransaction(() => {
        const run = store.createRun({
          experimentId: sweep.experimentId,
          runName: `run-${i}`,
          startTime: 1_700_000_000_000 + i,
        });
        store.logBatch(run.info.runId, {
          params: [
            { key: 'alpha', value: String([0.001, 0.01, 0.1, 1, 10][i % 5]) },
            { key: 'depth', value: String(2 + (i % 7)) },
            { key: 'seed', value: String(i % 10) },
          ],
          metrics: [
            { key: 'rmse', value: ((i * 7919) % 1000) / 1000, timestamp: 1, step: 0 },
            { key: 'accuracy', value: ((i * 104729) % 1000) / 1000, timestamp: 1, step: 0 },
          ],
          tags: [{ key: 'team', value: ['ml-core', 'ml-vision', 'data'][i % 3] }],
        });
      });
    for (let i = 0; i < RUNS; i++) insertRun(i);
    line(
      `made ${RUNS.toLocaleString()} runs with params, metrics and tags in ${((performance.now() - t2) / 1000).toFixed(1)} s`,
    );
    const times: number[] = [];
    const viaApi: number[] = [];
    let matched = 0;
    for (let k = 0; k < SEARCHES; k++) {
      const filter = `metrics.rmse < ${(0.2 + (k % 7) / 10).toFixed(1)} and params.alpha = '${[0.001, 0.01, 0.1, 1, 10][k % 5]}' and tags.team LIKE 'ml%'`;
      const args = {
        experimentIds: [sweep.experimentId],
        filter,
        orderBy: [k % 2 ? 'metrics.rmse ASC' : 'params.depth DESC'],
        maxResults: 100,
        pageToken: null,
        runViewType: 'ACTIVE_ONLY' as const,
      };
      const t = performance.now();
      const r = store.searchRuns(args);
      times.push(performance.now() - t);
      matched = r.totalCount;
      const ta = performance.now();
      const reply = await core.host.dispatch('tracker.searchRuns', args, { clientId: 'bench' });
      viaApi.push(performance.now() - ta);
      if (!reply.ok) throw new Error(reply.error.message);
    }
    line(
      `search 10,000 runs, 3-clause filter, sorted, first 100 with everything logged: p50 ${pct(times, 50).toFixed(1)} ms, p95 ${pct(times, 95).toFixed(1)} ms (target p95 < 50 ms; last matched ${matched})`,
    );
    line(
      `  the same through the API host (validation included): p50 ${pct(viaApi, 50).toFixed(1)} ms, p95 ${pct(viaApi, 95).toFixed(1)} ms`,
    );
    const orFilter =
      "(metrics.rmse < 0.3 or metrics.accuracy > 0.9) and (params.depth = '4' or tags.team = 'data')";
    const orTimes: number[] = [];
    for (let k = 0; k < 20; k++) {
      const t = performance.now();
      store.searchRuns({
        experimentIds: [sweep.experimentId],
        filter: orFilter,
        orderBy: ['metrics.accuracy DESC'],
        maxResults: 100,
        pageToken: null,
        runViewType: 'ACTIVE_ONLY',
      });
      orTimes.push(performance.now() - t);
    }
    line(
      `search with OR and parentheses: p50 ${pct(orTimes, 50).toFixed(1)} ms, p95 ${pct(orTimes, 95).toFixed(1)} ms`,
    );

    // ---- 1M-point metric history ------------------------------------------------------------------------------
    const longRun = store.createRun({ experimentId: exp.experimentId, runName: 'long' });
    for (let b = 0; b < HISTORY_POINTS / 1000; b++)
      store.logBatch(longRun.info.runId, {
        metrics: Array.from({ length: 1000 }, (_, i) => {
          const step = b * 1000 + i;
          return {
            key: 'loss',
            value: Math.exp(-step / 2e5) + Math.random() * 0.01,
            timestamp: 1_700_000_000_000 + step,
            step,
          };
        }),
      });
    const t3 = performance.now();
    const series = store.metricSeries(longRun.info.runId, 'loss', 2000, 'step');
    const chartMs = performance.now() - t3;
    line(
      `history of ${series.count.toLocaleString()} points for a chart (min/max downsampled to ${series.x.length}): ${chartMs.toFixed(0)} ms`,
    );
    const t4 = performance.now();
    let fetched = 0;
    let token: string | undefined;
    do {
      const q = new URLSearchParams({ run_id: longRun.info.runId, metric_key: 'loss', max_results: '25000' });
      if (token) q.set('page_token', token);
      const res = await fetch(`${base}/api/2.0/mlflow/metrics/get-history?${q}`, {
        headers: { authorization: `Bearer ${server.token}` },
      });
      const body = (await res.json()) as { metrics?: unknown[]; next_page_token?: string };
      fetched += body.metrics?.length ?? 0;
      token = body.next_page_token;
    } while (token);
    line(
      `history of ${fetched.toLocaleString()} points over REST in pages of 25,000: ${((performance.now() - t4) / 1000).toFixed(2)} s`,
    );
  } finally {
    await server.close();
    await core.close();
    await cleanup();
  }
}
