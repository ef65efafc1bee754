import {
  DateDay,
  Decimal,
  Field,
  Int32,
  Int64,
  List,
  Struct,
  TimestampMillisecond,
  Utf8,
  tableFromArrays,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { formatValue, isNumericType, typeLabel } from '../../renderer/notebooks/format';
import { appendBatch, emptyResult, locateRow, valueAt } from '../../renderer/notebooks/result';

function batch(from: number, n: number) {
  const ids = Int32Array.from({ length: n }, (_, i) => from + i);
  return tableFromIPC(tableToIPC(tableFromArrays({ id: ids }), 'stream'));
}

describe('streamed Arrow results', () => {
  it('accumulates batches with their first rows', () => {
    let r = emptyResult;
    for (const [from, n] of [
      [0, 10],
      [10, 1],
      [11, 5],
    ]) {
      r = appendBatch(r, batch(from, n));
    }
    expect(r.rowCount).toBe(16);
    expect(r.offsets).toEqual([0, 10, 11]);
    expect(r.schema?.fields.map((f) => f.name)).toEqual(['id']);
  });

  it('finds every row by binary search and reads it from the vectors', () => {
    let r = emptyResult;
    let from = 0;
    for (const n of [3, 1, 7, 2, 50, 1]) {
      r = appendBatch(r, batch(from, n));
      from += n;
    }
    for (let row = 0; row < from; row++) expect(valueAt(r, row, 0)).toBe(row);
    expect(locateRow(r, 3)).toEqual({ batch: 1, index: 0 });
    expect(locateRow(r, 4)).toEqual({ batch: 2, index: 0 });
    expect(locateRow(r, -1)).toBeNull();
    expect(locateRow(r, from)).toBeNull();
    expect(valueAt(r, from, 0)).toBeUndefined();
  });

  it('keeps the schema of an empty result', () => {
    const r = appendBatch(emptyResult, batch(0, 0));
    expect(r.rowCount).toBe(0);
    expect(r.schema?.fields).toHaveLength(1);
  });
});

describe('value formatting', () => {
  it('writes NULL as null, numbers plainly, bigints as digits', () => {
    expect(formatValue(null, new Int32())).toBeNull();
    expect(formatValue(42, new Int32())).toBe('42');
    expect(formatValue(0.1 + 0.2, new Int32())).toBe('0.3');
    expect(formatValue(12345678901234567890n, new Int64())).toBe('12345678901234567890');
  });

  it('writes dates and timestamps as ISO', () => {
    const day = vectorFromArray([new Date(Date.UTC(2024, 1, 29))], new DateDay());
    expect(formatValue(day.get(0), day.type)).toBe('2024-02-29');
    const ts = vectorFromArray([Date.UTC(2024, 0, 2, 3, 4, 5, 6)], new TimestampMillisecond());
    expect(formatValue(ts.get(0), ts.type)).toBe('2024-01-02 03:04:05.006');
  });

  it('writes nested values as JSON', () => {
    const st = vectorFromArray(
      [{ x: 1, y: 'a' }],
      new Struct([new Field('x', new Int32()), new Field('y', new Utf8())]),
    );
    expect(formatValue(st.get(0), st.type)).toBe('{"x":1,"y":"a"}');
    const list = vectorFromArray([[1, 2]], new List(new Field('item', new Int32())));
    expect(formatValue(list.get(0), list.type)).toBe('[1,2]');
  });

  it('places the decimal point of decimals', () => {
    const t = new Decimal(2, 10, 128);
    expect(formatValue(12345n, t)).toBe('123.45');
    expect(formatValue(-5n, t)).toBe('-0.05');
  });

  it('names types the way DuckDB does and knows numbers', () => {
    expect(typeLabel(new Field('a', new Int32()))).toBe('INTEGER');
    expect(typeLabel(new Field('a', new Int64()))).toBe('BIGINT');
    expect(typeLabel(new Field('a', new Utf8()))).toBe('VARCHAR');
    expect(isNumericType(new Int32())).toBe(true);
    expect(isNumericType(new Utf8())).toBe(false);
  });
});
