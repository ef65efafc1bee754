/**
 * The top-level columns each data file holds, so a scan can read a column that older files lack (added to the
 * schema after they were written) as NULL. Data files never change once written, so what a path holds is
 * cached for the life of the process.
 */
import type { EngineSession } from './engine';
import { quoteLiteral } from './schema';

const cache = new Map<string, Set<string>>();
/** Bounds the cache; beyond it, the oldest entries are forgotten (and read again if needed). */
const MAX_CACHED = 200_000;

/** Column names per file, read from the Parquet footers of the files not yet cached. */
export async function fileColumns(
  session: EngineSession,
  paths: string[],
): Promise<Map<string, Set<string>>> {
  const missing = [...new Set(paths.filter((p) => !cache.has(p)))];
  const BATCH = 500;
  for (let i = 0; i < missing.length; i += BATCH) {
    const batch = missing.slice(i, i + BATCH);
    const rows = await session.rows(
      `SELECT file_name, name, num_children FROM parquet_schema([${batch.map(quoteLiteral).join(', ')}])`,
    );
    // Rows come in schema order per file: the root, then each column followed by its nested fields.
    let file = '';
    let pending = 0; // nested schema elements still to skip under the current top-level column
    let topLeft = 0; // top-level columns still to come in this file
    let columns = new Set<string>();
    for (const row of rows) {
      const name = String(row.name);
      const children =
        row.num_children === null || row.num_children === undefined ? 0 : Number(row.num_children);
      if (String(row.file_name) !== file || (topLeft === 0 && pending === 0)) {
        if (file) cache.set(file, columns);
        file = String(row.file_name);
        columns = new Set<string>();
        topLeft = children; // the root element
        pending = 0;
        continue;
      }
      if (pending > 0) {
        pending += children - 1;
        continue;
      }
      columns.add(name);
      topLeft--;
      pending = children;
    }
    if (file) cache.set(file, columns);
  }
  while (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  const out = new Map<string, Set<string>>();
  for (const p of paths) out.set(p, cache.get(p) ?? new Set());
  return out;
}
