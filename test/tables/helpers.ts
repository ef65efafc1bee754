import { chmod, cp, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { DeltaTables, TableEngine } from '../../electron/core/tables';
import { tempDir } from '../support/temp';

/** The real Delta tables written by Spark and delta-rs (see its README). */
export const REFERENCE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../shared/reference/delta-tables',
);

export function reference(name: string): string {
  return path.join(REFERENCE, name);
}

/** A writable copy of a reference table (the originals are read-only). */
export async function copyTable(name: string, into: string): Promise<string> {
  const target = path.join(into, name);
  await cp(reference(name), target, { recursive: true });
  await makeWritable(target);
  return target;
}

async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir)) {
    const p = path.join(dir, entry);
    if ((await stat(p)).isDirectory()) await makeWritable(p);
    else await chmod(p, 0o644);
  }
}

export interface TablesFixture {
  readonly tables: DeltaTables;
  readonly dir: string;
}

/** A tables service on an in-memory DuckDB and a fresh folder, for one test file. */
export function useTables(name: string): TablesFixture {
  let tables: DeltaTables | undefined;
  let dir = '';
  let close: (() => void) | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir(`lakebench-${name}-`));
    const opened = await TableEngine.inMemory();
    close = opened.close;
    tables = new DeltaTables(opened.engine);
  });
  afterAll(async () => {
    close?.();
    await cleanup?.();
  });
  return {
    get tables() {
      if (!tables) throw new Error('useTables: not open (used outside a test?)');
      return tables;
    },
    get dir() {
      return dir;
    },
  };
}

/** Plain numbers instead of bigints, for comparing rows. */
export function plain(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
  );
}

export function sortedNumbers(rows: Record<string, unknown>[], column: string): number[] {
  return rows.map((r) => Number(r[column])).sort((a, b) => a - b);
}
