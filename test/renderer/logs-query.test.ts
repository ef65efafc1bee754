import { describe, expect, it } from 'vitest';
import { LogQuerySchema } from '../../shared/logs/model';
import {
  completionContext,
  fixedValues,
  knownFields,
  parseQueryText,
} from '../../renderer/logs/query-language';
import { addFilter } from '../../renderer/logs/store';

function q(text: string, now = 0) {
  const r = parseQueryText(text, now);
  if ('error' in r) throw new Error(`${text}: ${r.error.message} at ${r.error.offset}`);
  // Every query the bar sends is one the service's contract accepts.
  expect(LogQuerySchema.safeParse(r.query).success).toBe(true);
  return r.query;
}

describe('the query bar language', () => {
  it('an empty bar is every record; relative times count from the search’s clock', () => {
    expect(q('')).toEqual({ kind: 'all' });
    expect(q('   ')).toEqual({ kind: 'all' });
    expect(q('time >= now-1h', 10_000_000)).toEqual({
      kind: 'range',
      field: 'time',
      gte: 10_000_000 - 3_600_000,
    });
  });

  it('gives the mistake and its offset', () => {
    const r = parseQueryText('level:error AND', 0);
    expect(r).toMatchObject({ error: { offset: 15 } });
  });

  it('filters the sidebar adds parse to what they say, whatever the value holds', () => {
    for (const value of ['ana', 'ana maria', 'say "hi"', 'a:b', 'OR', '(x)', "it's", 'now-1h', 'x*', 'a,b']) {
      expect(q(addFilter('', 'fields.user', value, false))).toEqual({
        kind: 'match',
        field: 'fields.user',
        value,
      });
      expect(q(addFilter('timeout OR crash', 'fields.user', value, true))).toEqual({
        kind: 'and',
        clauses: [
          {
            kind: 'or',
            clauses: [
              { kind: 'text', text: 'timeout' },
              { kind: 'text', text: 'crash' },
            ],
          },
          { kind: 'not', clause: { kind: 'match', field: 'fields.user', value } },
        ],
      });
    }
    expect(q(addFilter('', 'requestStatus', 500, false))).toEqual({
      kind: 'match',
      field: 'requestStatus',
      value: 500,
    });
  });

  it('knows what is being typed for completion, and where its text starts', () => {
    expect(completionContext('level:er', 8)).toEqual({
      kind: 'value',
      field: 'level',
      prefix: 'er',
      start: 6,
    });
    expect(completionContext('a AND tas', 9)).toEqual({ kind: 'field', prefix: 'tas', start: 6 });
    expect(completionContext('fields.user:"an', 15)).toEqual({
      kind: 'value',
      field: 'fields.user',
      prefix: 'an',
      start: 12,
    });
    expect(knownFields(['user'])).toContain('fields.user');
    expect(knownFields([])).toContain('taskId');
    expect(fixedValues('level')).toContain('error');
    expect(fixedValues('taskId')).toBeUndefined();
  });
});
