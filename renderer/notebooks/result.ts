import type { Schema, Table } from 'apache-arrow';

/**
 * A query result as it streams in: the decoded Arrow batches in arrival order and the first row of each, so a
 * grid row is found by binary search and read straight from the Arrow vectors, never copied into JS objects.
 */
export interface QueryResult {
  readonly schema: Schema | null;
  readonly batches: readonly Table[];
  /** offsets[i] is the index of the first row of batches[i]; ascending. */
  readonly offsets: readonly number[];
  readonly rowCount: number;
}

export const emptyResult: QueryResult = { schema: null, batches: [], offsets: [], rowCount: 0 };

export function appendBatch(result: QueryResult, table: Table): QueryResult {
  if (table.numRows === 0 && result.schema) return result;
  return {
    schema: result.schema ?? table.schema,
    batches: [...result.batches, table],
    offsets: [...result.offsets, result.rowCount],
    rowCount: result.rowCount + table.numRows,
  };
}

/** Which batch holds a row, and where in it; null past the end. */
export function locateRow(result: QueryResult, row: number): { batch: number; index: number } | null {
  if (row < 0 || row >= result.rowCount) return null;
  const offsets = result.offsets;
  let lo = 0;
  let hi = offsets.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid] <= row) lo = mid;
    else hi = mid - 1;
  }
  return { batch: lo, index: row - offsets[lo] };
}

/** The raw Arrow value at a row and column, or undefined past the end. */
export function valueAt(result: QueryResult, row: number, column: number): unknown {
  const at = locateRow(result, row);
  if (!at) return undefined;
  const vector = result.batches[at.batch].getChildAt(column);
  return vector ? vector.get(at.index) : undefined;
}
