/**
 * Warehouse benchmarks: Lakebench's API against the same work done directly with @duckdb/node-api, in the
 * same run, on the same database. Prints figures and ratios; never pass/fail.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import path from 'node:path';
import { LakebenchCore } from '../../electron/core/app';
import { startServer } from '../../electron/server';
import { runQuery } from '../support/contract-cases';
import { tempDir } from '../support/temp';
import { connectWs } from '../support/ws-client';

const AGG_ROWS = 10_000_000;
const TRANSFER_ROWS = 1_000_000;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

function row(name: string, ms: number[], baseline?: number): void {
  const m = median(ms);
  const ratio = baseline ? `  ${(m / baseline).toFixed(2)}x baseline` : '  (baseline)';
  process.stdout.write(
    `  ${name.padEnd(58)} median ${m.toFixed(1).padStart(8)} ms  min ${Math.min(...ms)
      .toFixed(1)
      .padStart(8)} ms${ratio}\n`,
  );
}

const AGG_SQL = `SELECT k % 100 AS bucket, count(*) AS n, sum(v) AS total, avg(v) AS mean, max(v) AS top
                 FROM bench_rows GROUP BY ALL ORDER BY bucket`;
const TRANSFER_SQL = `SELECT i AS id, i * 0.5 AS amount, (i % 1000)::INTEGER AS bucket, 'name_' || (i % 5000) AS name,
                        DATE '2026-01-01' + (i % 365)::INTEGER AS day, TIMESTAMP '2026-01-01' + to_seconds(i) AS at,
                        i % 2 = 0 AS flag, CASE WHEN i % 10 = 0 THEN NULL ELSE i % 97 END AS maybe
                      FROM bench_transfer`;

export async function main(): Promise<void> {
  const { dir, cleanup } = await tempDir('lakebench-bench-');
  const core = await LakebenchCore.open({ workspacePath: path.join(dir, 'ws'), version: 'bench' });
  const server = await startServer({ core, port: 0, rendererDir: null, writeServerJson: false });
  const { client, close } = await connectWs(`ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`);
  try {
    process.stdout.write(
      `Preparing ${AGG_ROWS.toLocaleString()} + ${TRANSFER_ROWS.toLocaleString()} rows...\n`,
    );
    await core.warehouse.execute(`
      CREATE TABLE bench_rows AS SELECT i AS k, (hash(i) % 100000)::DOUBLE / 7 AS v FROM range(${AGG_ROWS}) t(i);
      CREATE TABLE bench_transfer AS SELECT i FROM range(${TRANSFER_ROWS}) t(i);
    `);
    await core.close();
    // Direct access opens the very same database file, while Lakebench is closed (DuckDB allows one writer).
    const dbFile = path.join(dir, 'ws', '.lakebench', 'warehouse.duckdb');
    const direct = await DuckDBInstance.create(dbFile);
    const conn = await direct.connect();

    process.stdout.write(
      `\n${AGG_ROWS.toLocaleString()}-row aggregate (100 groups), ${REPEATS} runs each:\n`,
    );
    const aggDirect = await time(async () => (await conn.runAndReadAll(AGG_SQL)).getRowsJS());
    const chunksSql = async (sql: string) => {
      const r = await conn.stream(sql);
      let rows = 0;
      for (;;) {
        const c = await r.fetchChunk();
        if (!c || c.rowCount === 0) break;
        rows += c.rowCount;
      }
      return rows;
    };

    process.stdout.write(
      `\n${TRANSFER_ROWS.toLocaleString()} rows x 8 columns to a client, ${REPEATS} runs each:\n`,
    );
    const transferChunks = await time(() => chunksSql(TRANSFER_SQL));
    const transferJs = await time(async () => (await conn.runAndReadAll(TRANSFER_SQL)).getColumnsJS());
    conn.closeSync();
    direct.closeSync();

    await core.openWorkspace(path.join(dir, 'ws'));
    const aggApi = await time(async () => {
      const { end } = await runQuery(client, AGG_SQL);
      if (end.rowCount !== 100) throw new Error(`expected 100 groups, got ${end.rowCount}`);
    });
    const transferApi = await time(async () => {
      const { end, tables } = await runQuery(client, TRANSFER_SQL);
      const rows = tables.reduce((s, t) => s + t.numRows, 0);
      if (end.rowCount !== TRANSFER_ROWS || rows !== TRANSFER_ROWS)
        throw new Error(`expected ${TRANSFER_ROWS} rows, got ${rows}`);
    });
    let firstBatchMs = 0;
    await (async () => {
      const t = performance.now();
      const off = client.on('warehouse.onQueryBatch', () => {
        if (!firstBatchMs) firstBatchMs = performance.now() - t;
      });
      await runQuery(client, TRANSFER_SQL);
      off();
    })();

    process.stdout.write(`\n${AGG_ROWS.toLocaleString()}-row aggregate:\n`);
    row('direct: @duckdb/node-api runAndReadAll', aggDirect);
    row('Lakebench: warehouse.runQuery over WebSocket, Arrow decoded', aggApi, median(aggDirect));
    process.stdout.write(`\n${TRANSFER_ROWS.toLocaleString()} x 8 result transferred:\n`);
    row('direct: @duckdb/node-api stream + fetchChunk (no values read)', transferChunks);
    row('direct: @duckdb/node-api runAndReadAll + getColumnsJS', transferJs, median(transferChunks));
    row('Lakebench: Arrow batches over WebSocket, decoded by client', transferApi, median(transferChunks));
    process.stdout.write(
      `  Lakebench vs node-api JS values: ${(median(transferApi) / median(transferJs)).toFixed(2)}x\n`,
    );
    process.stdout.write(`  first batch reached the client after ${firstBatchMs.toFixed(1)} ms\n`);
    void tableFromIPC;
  } finally {
    close();
    await server.close();
    await core.close();
    await cleanup();
  }
}
