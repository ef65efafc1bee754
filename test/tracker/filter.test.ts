import { describe, expect, it } from 'vitest';
import {
  FilterSyntaxError,
  filterComparisons,
  filterExpectation,
  parseFilter,
  parseOrderBy,
} from '../../shared/tracker/filter';
import { likeToGlob } from '../../electron/core/tracker/search-sql';

function fault(text: string): FilterSyntaxError {
  try {
    parseFilter(text);
  } catch (err) {
    if (err instanceof FilterSyntaxError) return err;
    throw err;
  }
  throw new Error(`expected ${text} to fail`);
}

describe('the runs filter grammar', () => {
  it('parses MLflow filters: entities, comparators, quoting, IN and IS NULL', () => {
    const expr = parseFilter(
      "metrics.rmse < 0.5 and params.alpha = '0.1' AND tags.team LIKE 'ml%' and attributes.status = 'FINISHED'",
    );
    expect(expr).toMatchObject({ kind: 'and' });
    expect(filterComparisons(expr).map((c) => [c.entity, c.key, c.op, c.value])).toEqual([
      ['metric', 'rmse', '<', 0.5],
      ['param', 'alpha', '=', '0.1'],
      ['tag', 'team', 'LIKE', 'ml%'],
      ['attribute', 'status', '=', 'FINISHED'],
    ]);
    const more = filterComparisons(
      parseFilter(
        'metric.`val loss` >= -1e-3 and params."learning rate" != "x" and tags.note ILIKE \'%it\'\'s%\' and ' +
          "attr.run_id IN ('a', 'b') and datasets.name NOT IN ('x') and tags.owner IS NULL and " +
          'params.seed IS NOT NULL and attributes.created > 5 and run.duration <= 1000',
      ),
    );
    expect(more.map((c) => [c.entity, c.key, c.op, c.value])).toEqual([
      ['metric', 'val loss', '>=', -0.001],
      ['param', 'learning rate', '!=', 'x'],
      ['tag', 'note', 'ILIKE', "%it's%"],
      ['attribute', 'run_id', 'IN', ['a', 'b']],
      ['dataset', 'name', 'NOT IN', ['x']],
      ['tag', 'owner', 'IS NULL', null],
      ['param', 'seed', 'IS NOT NULL', null],
      ['attribute', 'start_time', '>', 5],
      ['attribute', 'duration', '<=', 1000],
    ]);
    expect(parseFilter('   ')).toBeNull();
  });

  it('adds OR and parentheses, with AND binding tighter so MLflow filters keep their meaning', () => {
    expect(parseFilter("params.a = '1' or params.b = '2' and params.c = '3'")).toMatchObject({
      kind: 'or',
      items: [
        { kind: 'compare', key: 'a' },
        { kind: 'and', items: [{ key: 'b' }, { key: 'c' }] },
      ],
    });
    expect(parseFilter("(params.a = '1' or params.b = '2') and params.c = '3'")).toMatchObject({
      kind: 'and',
      items: [{ kind: 'or' }, { kind: 'compare', key: 'c' }],
    });
  });

  it('names the position and what was expected when a filter is wrong', () => {
    const e1 = fault('metrics.rmse < ');
    expect(e1.code).toBe('INVALID_PARAMETER_VALUE');
    expect(e1.location?.column).toBe(16);
    expect(e1.expected).toBe('value');
    const e2 = fault('params.alpha = 0.1');
    expect(e2.message).toContain('must be a quoted string');
    expect(e2.offset).toBe(15);
    const e3 = fault("metrics.rmse LIKE '1'");
    expect(e3.message).toContain('does not apply to the number');
    const e4 = fault("foo.bar = '1'");
    expect(e4.message).toContain("invalid entity type 'foo'");
    expect(e4.offset).toBe(0);
    const e5 = fault("(params.a = '1'");
    expect(e5.message).toContain('not closed');
    const e6 = fault("params.a = '1' params.b = '2'");
    expect(e6.message).toContain('expected AND or OR');
    expect(e6.offset).toBe(15);
    const e7 = fault("params.a = 'open");
    expect(e7.message).toContain('not closed');
    expect(e7.offset).toBe(11);
    const e8 = fault("attributes.colour = 'red'");
    expect(e8.message).toContain("invalid attribute key 'colour'");
    const e9 = fault("params.a = '1')");
    expect(e9.message).toContain('has no ( to close');
  });

  it('tells the search box what to offer next', () => {
    expect(filterExpectation('')).toMatchObject({ expect: 'entity' });
    expect(filterExpectation('metrics.')).toMatchObject({ expect: 'key', entity: 'metric', partial: '' });
    expect(filterExpectation('params.al')).toMatchObject({ expect: 'key', entity: 'param', partial: 'al' });
    expect(filterExpectation('metrics.rmse ')).toMatchObject({ expect: 'operator' });
    expect(filterExpectation('metrics.rmse < ')).toMatchObject({ expect: 'value' });
    expect(filterExpectation("params.a = '1' ")).toMatchObject({ expect: 'conjunction' });
  });

  it('parses order_by clauses', () => {
    expect(parseOrderBy('metrics.rmse DESC')).toEqual({ entity: 'metric', key: 'rmse', ascending: false });
    expect(parseOrderBy('params.`my alpha`')).toEqual({ entity: 'param', key: 'my alpha', ascending: true });
    expect(parseOrderBy('start_time asc')).toEqual({
      entity: 'attribute',
      key: 'start_time',
      ascending: true,
    });
    expect(() => parseOrderBy('weird')).toThrow(/Invalid order_by clause/);
  });
});

describe('search and chart helpers', () => {
  it('turns LIKE patterns into case-sensitive GLOBs, escaping GLOB specials', () => {
    expect(likeToGlob('ml%')).toBe('ml*');
    expect(likeToGlob('a_b*[c]?')).toBe('a?b[*][[]c][?]');
  });
});
