/**
 * Delta table benchmarks: an aggregate over a Delta table through Lakebench's read path (snapshot, plan,
 * DuckDB over the Parquet files) against the same query on a native DuckDB table in the same run; and a
 * 1-row insert into a 1M-row table (snapshot, Parquet write, stats, commit). Figures, never pass/fail.
 */
import path from 'node:path';
import { DeltaTables, TableEngine, type ParquetCodec } from '../../electron/core/tables';
import { tempDir } from '../support/temp';

const ROWS = Number(process.env.BENCH_TABLE_ROWS ?? 5_000_000);
const INSERT_ROWS = 1_000_000;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn: () => Promise<unknown>, warm = true): Promise<number[]> {
  if (warm) await fn();
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

const SOURCE = (n: number) =>
  `SELECT i AS id, i % 1000 AS k, (i * 7 % 10007)::DOUBLE AS v, 'name_' || (i % 5000) AS name FROM range(${n}) t(i)`;
const AGG = (from: string) =>
  `SELECT k % 100 AS bucket, count(*) AS n, sum(v) AS total, avg(v) AS mean, max(v) AS top FROM ${from} GROUP BY ALL ORDER BY bucket`;

export async function main(): Promise<void> {
  const { dir, cleanup } = await tempDir('lakebench-bench-tables-');
  const { engine, close } = await TableEngine.inMemory();
  const tables = new DeltaTables(engine);
  try {
    process.stdout.write(`Preparing ${ROWS.toLocaleString()} rows (native table and Delta tables)...\n`);
    await engine.withConnection((s) => s.run(`CREATE TABLE native AS ${SOURCE(ROWS)}`));
    const codecs: ParquetCodec[] = ['snappy', 'uncompressed', 'zstd'];
    for (const codec of codecs) {
      await tables.createTableAs(path.join(dir, `agg_${codec}`), SOURCE(ROWS), {}, { codec });
    }

    process.stdout.write(`\nAggregate over ${ROWS.toLocaleString()} rows (GROUP BY 100 buckets)\n`);
    const native = await time(() => engine.rows(AGG('native')));
    row('native DuckDB table', native);
    const base = median(native);
    for (const codec of codecs) {
      const root = path.join(dir, `agg_${codec}`);
      row(
        `Delta table (${codec}), snapshot + plan + query`,
        await time(async () => engine.rows(AGG(`(${(await tables.scan(root)).sql})`))),
        base,
      );
    }
    const snappyRoot = path.join(dir, 'agg_snappy');
    row('  of which snapshot + plan (snappy)', await time(() => tables.scan(snappyRoot)), base);

    process.stdout.write(`\n1-row insert into a ${INSERT_ROWS.toLocaleString()}-row table\n`);
    const target = path.join(dir, 'insert_target');
    await tables.createTableAs(target, SOURCE(INSERT_ROWS));
    let next = INSERT_ROWS;
    const nativeInsert = await time(() =>
      engine.withConnection((s) => s.run(`INSERT INTO native VALUES (${next++}, 1, 1.0, 'x')`)),
    );
    row('native DuckDB INSERT of 1 row', nativeInsert);
    // Each insert is one commit; the table grows by a file per insert (and checkpoints every 10).
    const deltaInsert = await time(() =>
      tables.insert(target, `SELECT ${next++}::BIGINT AS id, 1::BIGINT AS k, 1.0::DOUBLE AS v, 'x' AS name`),
    );
    row('Delta insert of 1 row (commit, stats, checkpoint when due)', deltaInsert, median(nativeInsert));
    const snap = await tables.snapshot(target);
    process.stdout.write(
      `  after ${snap.version} commits: ${snap.files.length} files, checkpoint at ${String(snap.checkpointVersion)}\n`,
    );
    row(
      'read after the inserts: count(*) through the read path',
      await time(async () => engine.rows(`SELECT count(*) FROM (${(await tables.scan(target)).sql})`)),
    );
  } finally {
    close();
    await cleanup();
  }
}
