import { describe, expect, it } from 'vitest';
import {
  duckdbErrorOffset,
  duckdbErrorSummary,
  lineColumnAt,
  splitStatements,
} from '../../shared/sql/statements';

describe('splitStatements', () => {
  it('splits at semicolons and keeps offsets', () => {
    const sql = 'SELECT 1;\nSELECT 2 ; SELECT 3';
    const parts = splitStatements(sql);
    expect(parts.map((p) => p.text.trim())).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 3']);
    for (const p of parts) expect(sql.slice(p.start, p.start + p.text.length)).toBe(p.text);
  });

  it('ignores semicolons in strings, identifiers, comments and dollar quotes', () => {
    const sql = `SELECT 'a;b', "c;d" FROM t -- x;y\n; /* p;q */ SELECT $$e;f$$, $tag$g;h$tag$, 'it''s;'`;
    expect(splitStatements(sql).map((p) => p.text.trim())).toEqual([
      `SELECT 'a;b', "c;d" FROM t -- x;y`,
      `/* p;q */ SELECT $$e;f$$, $tag$g;h$tag$, 'it''s;'`,
    ]);
  });

  it('drops empty and comment-only statements', () => {
    expect(splitStatements(' ; -- only a comment\n;  ')).toEqual([]);
    expect(splitStatements('SELECT 1; -- trailing')).toHaveLength(1);
  });
});

describe('DuckDB error positions', () => {
  it('reads the LINE and caret DuckDB appends', () => {
    const statement = '\nSELECT nope FROM range(3)';
    const message =
      'Binder Error: Referenced column "nope" not found in FROM clause!\n\nLINE 2: SELECT nope FROM range(3)\n               ^';
    expect(duckdbErrorOffset(message, statement)).toBe(1 + 7);
    expect(duckdbErrorSummary(message)).toBe(
      'Binder Error: Referenced column "nope" not found in FROM clause!',
    );
  });

  it('handles excerpts DuckDB shortened with "..."', () => {
    const line = `SELECT ${'a, '.repeat(60)}missing_col FROM t`;
    const at = line.indexOf('missing_col');
    const excerpt = `...${line.slice(at - 20, at + 20)}...`;
    const caret = ' '.repeat('LINE 1: '.length + 3 + 20) + '^';
    expect(duckdbErrorOffset(`Binder Error: x\n\nLINE 1: ${excerpt}\n${caret}`, line)).toBe(at);
  });

  it('returns null without a position', () => {
    expect(duckdbErrorOffset('Catalog Error: nope', 'SELECT 1')).toBeNull();
  });

  it('converts offsets to 1-based line and column', () => {
    expect(lineColumnAt('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumnAt('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});
