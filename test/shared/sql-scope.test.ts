import { describe, expect, it } from 'vitest';
import { completionContext, tableReferences, tokenize } from '../../shared/sql/scope';

const refs = (sql: string) =>
  tableReferences(tokenize(sql)).map((r) => [r.schema ? `${r.schema}.${r.name}` : r.name, r.alias, r.cte]);

describe('SQL scope for completion', () => {
  it('finds tables and aliases in FROM lists and joins', () => {
    expect(refs('SELECT t.fare FROM trips t JOIN main.zones AS z ON z.id = t.zone, "Odd Name" o')).toEqual([
      ['trips', 't', false],
      ['main.zones', 'z', false],
      ['Odd Name', 'o', false],
    ]);
    expect(refs('SELECT * FROM trips WHERE fare > 1')).toEqual([['trips', null, false]]);
    expect(refs('SELECT * FROM trips LEFT JOIN zones USING (id)')).toEqual([
      ['trips', null, false],
      ['zones', null, false],
    ]);
  });

  it('knows CTEs, subqueries and table functions', () => {
    expect(
      refs(
        "WITH recent AS (SELECT * FROM trips), z2 AS (SELECT 1) SELECT * FROM recent r, read_csv('x.csv') c",
      ),
    ).toEqual([
      ['trips', null, false],
      ['recent', 'r', true],
    ]);
    expect(refs('SELECT * FROM (SELECT * FROM trips) sub JOIN zones z ON true')).toEqual([
      ['trips', null, false],
      ['zones', 'z', false],
    ]);
  });

  it('covers UPDATE, INSERT INTO and DELETE FROM', () => {
    expect(refs('UPDATE trips SET fare = 1')).toEqual([['trips', null, false]]);
    expect(refs('INSERT INTO archive SELECT * FROM trips t')).toEqual([
      ['archive', null, false],
      ['trips', 't', false],
    ]);
    expect(refs('DELETE FROM trips WHERE fare < 0')).toEqual([['trips', null, false]]);
  });

  it('reads the word and its qualifier at the cursor', () => {
    const sql = 'SELECT t.fa FROM trips t';
    const c = completionContext(sql, 'SELECT t.fa'.length);
    expect([c.word, c.qualifier, c.wordStart]).toEqual(['fa', 't', 9]);
    const d = completionContext('SELECT * FROM trips t JOIN zones z ON z.', 40);
    expect([d.word, d.qualifier]).toEqual(['', 'z']);
    expect(completionContext('SELECT fa', 9).qualifier).toBeNull();
  });

  it('ignores strings and comments', () => {
    expect(refs("SELECT 'FROM fake' -- FROM other\nFROM real_one /* JOIN nope */")).toEqual([
      ['real_one', null, false],
    ]);
  });

  it('stays linear on long pathological text', () => {
    const sql = `SELECT ${'a.'.repeat(50_000)} FROM ${'t, '.repeat(20_000)}t`;
    const refsFound = tableReferences(tokenize(sql));
    expect(refsFound.length).toBe(20_001);
  });
});
