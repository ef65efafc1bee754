import { describe, expect, it } from 'vitest';
import {
  EXPERIMENT_FIELDS,
  MODEL_VERSION_FIELDS,
  QuerySyntaxError,
  REGISTERED_MODEL_FIELDS,
  RUN_FIELDS,
  comparisons,
  likeMatch,
  parseQuery,
  tokenize,
} from '../../shared/query';

function fault(text: string, fields = EXPERIMENT_FIELDS): QuerySyntaxError {
  try {
    parseQuery(text, fields);
  } catch (err) {
    if (err instanceof QuerySyntaxError) return err;
    throw err;
  }
  throw new Error(`expected ${text} to fail`);
}

describe('the shared query grammar', () => {
  it('tokenizes with the offsets of every token', () => {
    const tokens = tokenize("tags.`a b` <= 'it''s' AND (x != \"y\")");
    expect(tokens.map((t) => [t.kind, t.value, t.start, t.end])).toEqual([
      ['word', 'tags.', 0, 5],
      ['name', 'a b', 5, 10],
      ['op', '<=', 11, 13],
      ['string', "it's", 14, 21],
      ['word', 'AND', 22, 25],
      ['lparen', '(', 26, 27],
      ['word', 'x', 27, 28],
      ['op', '!=', 29, 31],
      ['string', 'y', 32, 35],
      ['rparen', ')', 35, 36],
      ['end', '', 36, 36],
    ]);
    expect(() => tokenize("name = 'open")).toThrow(QuerySyntaxError);
  });

  it('parses experiment filters as MLflow writes them, with positions', () => {
    const expr = parseQuery(
      "name LIKE 'exp-%' and attributes.creation_time > 5 AND tags.team = 'ml'",
      EXPERIMENT_FIELDS,
    );
    expect(comparisons(expr).map((c) => [c.field.group, c.field.key, c.op, c.value])).toEqual([
      ['attribute', 'name', 'LIKE', { kind: 'string', value: 'exp-%', start: 10, end: 17 }],
      ['attribute', 'creation_time', '>', { kind: 'number', value: 5, text: '5', start: 49, end: 50 }],
      ['tag', 'team', '=', { kind: 'string', value: 'ml', start: 67, end: 71 }],
    ]);
    expect(parseQuery('  ', EXPERIMENT_FIELDS)).toBeNull();
    expect(parseQuery("name = 'a' or (name = 'b' and tags.x = 'y')", EXPERIMENT_FIELDS)).toMatchObject({
      kind: 'or',
      items: [{ kind: 'compare' }, { kind: 'and' }],
    });
  });

  it('says where a filter goes wrong', () => {
    expect(fault("name = 'a' AND").offset).toBe(14);
    expect(fault("nmae = 'a'").offset).toBe(0);
    expect(fault("name = 'a' name = 'b'").offset).toBe(11);
    expect(fault("name ~ 'a'").offset).toBe(5);
    expect(fault("(name = 'a'").message).toContain('not closed');
    expect(fault("run_id < 'x'", MODEL_VERSION_FIELDS).message).toContain('does not apply');
    expect(fault("tags.x = 'y'", REGISTERED_MODEL_FIELDS).message).toContain('Invalid attribute key');
    expect(fault(`${'('.repeat(100)}name = 'a'${')'.repeat(100)}`).message).toContain('nest deeper');
  });

  it('reads run fields with their groups and value kinds', () => {
    const expr = parseQuery(
      "metrics.`val loss` >= -1e-3 and params.\"lr\" IN ('a', 'b') and attr.created > 5 and tags.t IS NOT NULL",
      RUN_FIELDS,
      { backslashEscapes: true },
    );
    expect(comparisons(expr).map((c) => [c.field.group, c.field.key, c.op])).toEqual([
      ['metric', 'val loss', '>='],
      ['param', 'lr', 'IN'],
      ['attribute', 'start_time', '>'],
      ['tag', 't', 'IS NOT NULL'],
    ]);
    expect(fault("metrics.rmse LIKE '%'", RUN_FIELDS).message).toContain('does not apply');
  });

  it('parses a long IN list of a registry search at once, closed or not', () => {
    const values = Array.from({ length: 5000 }, (_, i) => `'v${i}'`).join(', ');
    const t0 = performance.now();
    expect(comparisons(parseQuery(`name IN (${values})`, MODEL_VERSION_FIELDS))[0].value).toMatchObject({
      kind: 'list',
    });
    expect(fault(`name IN (${values}`, MODEL_VERSION_FIELDS).message).toContain('expected , or )');
    expect(performance.now() - t0).toBeLessThan(500);
  });
});

describe('LIKE without backtracking', () => {
  it('matches as SQL LIKE does', () => {
    const cases: [string, string, boolean][] = [
      ['exp-a', 'exp-%', true],
      ['exp-a', '%a', true],
      ['exp-a', '%b%', false],
      ['abc', 'a_c', true],
      ['abc', 'a__c', false],
      ['abc', '%', true],
      ['', '%', true],
      ['', '', true],
      ['a', '', false],
      ['aXbXc', 'a%b%c', true],
      ['abab', '%ab', true],
      ['aab', 'a%ab', true],
      ['ab', 'a%%b', true],
      ['ab', '%a%b%', true],
      ['ba', '%a%b%', false],
      ['a.b', 'a.b', true],
      ['axb', 'a.b', false],
      ['a_b', 'a_b', true],
      ['abxd', '%b_d', true],
      ['abcbe', '%b_d', false],
    ];
    for (const [text, pattern, expected] of cases)
      expect([text, pattern, likeMatch(text, pattern)]).toEqual([text, pattern, expected]);
    expect(likeMatch('EXP-A', 'exp-%', true)).toBe(true);
    expect(likeMatch('EXP-A', 'exp-%', false)).toBe(false);
  });

  it('answers pathological patterns at once', () => {
    const t0 = performance.now();
    expect(likeMatch('a'.repeat(60), '%a%a%a%a%a%a%a%b')).toBe(false);
    expect(likeMatch('a'.repeat(100_000), `${'%a'.repeat(2000)}%b`)).toBe(false);
    expect(likeMatch('a'.repeat(100_000), `${'%_a'.repeat(2000)}%b`)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
