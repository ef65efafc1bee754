import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Warehouse } from '../../electron/core/warehouse';
import type { SqlCompletion } from '../../shared/sql/completion';
import { RecordingSink } from '../support/events';
import { tempDir } from '../support/temp';

let cleanup: () => Promise<void>;
let warehouse: Warehouse;

beforeAll(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  warehouse = await Warehouse.open(path.join(t.dir, 'warehouse.duckdb'));
  await warehouse.execute(`
    CREATE TABLE trips (fare DOUBLE, distance DOUBLE, pickup_zone INTEGER, pickup_at TIMESTAMP);
    CREATE TABLE zones (id INTEGER, name VARCHAR, fare VARCHAR);
    CREATE SCHEMA staging;
    CREATE TABLE staging.raw_trips (line VARCHAR);
    CREATE VIEW cheap AS SELECT * FROM trips WHERE fare < 5;`);
});
afterAll(async () => {
  await warehouse.close();
  await cleanup();
});

const labels = (items: SqlCompletion[], kind?: SqlCompletion['kind']) =>
  items.filter((i) => !kind || i.kind === kind).map((i) => i.label);

async function at(sqlWithCursor: string) {
  const cursor = sqlWithCursor.indexOf('|');
  const text = sqlWithCursor.replace('|', '');
  return { text, cursor, ...(await warehouse.complete(text, cursor)) };
}

describe('SQL completion', () => {
  it('offers the columns of an alias, with the type of that table', async () => {
    const r = await at('SELECT z.| FROM trips t JOIN zones z ON z.id = t.pickup_zone');
    expect(labels(r.items)).toEqual(['id', 'name', 'fare']);
    expect(r.items.find((i) => i.label === 'fare')?.detail).toBe('VARCHAR · zones');
    expect(r.from).toBe('SELECT z.'.length);
    const t = await at('SELECT t.fa| FROM trips t JOIN zones z ON true');
    expect(labels(t.items)).toEqual(['fare']);
    expect(t.items[0].detail).toBe('DOUBLE · trips');
    expect(t.from).toBe('SELECT t.'.length);
  });

  it('offers only the columns of the tables in scope, and keywords and functions', async () => {
    const r = await at('SELECT di| FROM trips');
    expect(labels(r.items, 'column')).toEqual(['distance']);
    expect(labels(r.items, 'keyword')).toContain('DISTINCT');
    const fn = await at('SELECT date_tr| FROM trips');
    const dateTrunc = fn.items.find((i) => i.label === 'date_trunc');
    expect(dateTrunc?.kind).toBe('function');
    expect(dateTrunc?.detail).toMatch(/^date_trunc\(part VARCHAR, timestamp .*\) -> /);
    const kw = await at('SEL|');
    expect(labels(kw.items, 'keyword')).toContain('SELECT');
  });

  it("offers tables and views after FROM, and a schema's tables after its name", async () => {
    const r = await at('SELECT * FROM |');
    expect(labels(r.items)).toEqual(expect.arrayContaining(['trips', 'zones', 'cheap']));
    expect(r.items.find((i) => i.label === 'cheap')?.kind).toBe('view');
    const s = await at('SELECT * FROM staging.|');
    expect(labels(s.items)).toEqual(['raw_trips']);
  });

  it('works on the statement at the cursor in a cell of several', async () => {
    const r = await at('SELECT 1;\nSELECT z.n| FROM zones z;\nSELECT 3');
    expect(labels(r.items)).toEqual(['name']);
  });

  it('sees a table made after the catalog was first read', async () => {
    await at('SELECT | FROM trips');
    const sink = new RecordingSink();
    const { queryId } = warehouse.runQuery(
      { sql: 'CREATE TABLE later_one (wanted INTEGER)', maxRows: 100 },
      sink,
    );
    await sink.waitFor('warehouse.onQueryFinished', (p) => p.queryId === queryId, 30_000);
    const r = await at('SELECT wan| FROM later_one');
    expect(labels(r.items, 'column')).toEqual(['wanted']);
  });

  it('is not fooled by SQL in the text it completes', async () => {
    const r = await at("SELECT '); DROP TABLE trips; --' AS x, t.| FROM trips t");
    expect(labels(r.items)).toContain('fare');
    expect((await warehouse.listTables()).some((t) => t.name === 'trips')).toBe(true);
  });
});
