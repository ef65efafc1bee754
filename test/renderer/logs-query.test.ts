import { describe, expect, it } from 'vitest';
import { LogQuerySchema } from '../../shared/logs/model';
import { completionContext, knownFields, parseQueryText } from '../../renderer/logs/query-language';

function q(text: string) {
  const r = parseQueryText(text);
  if ('error' in r) throw new Error(`${text}: ${r.error.message} at ${r.error.offset}`);
  // Every query the bar sends is one the service's contract accepts.
  expect(LogQuerySchema.safeParse(r.query).success).toBe(true);
  return r.query;
}

function err(text: string) {
  const r = parseQueryText(text);
  if (!('error' in r)) throw new Error(`${text} parsed`);
  return r.error;
}

describe('the query bar language', () => {
  it('parses terms, phrases, wildcards, ranges and exists', () => {
    expect(q('')).toEqual({ kind: 'all' });
    expect(q('timeout')).toEqual({ kind: 'text', text: 'timeout' });
    expect(q('"connection refused"')).toEqual({ kind: 'phrase', text: 'connection refused' });
    expect(q('conn*')).toEqual({ kind: 'wildcard', pattern: 'conn*' });
    expect(q('requestPath:/api/*')).toEqual({ kind: 'wildcard', pattern: '/api/*', field: 'requestPath' });
    expect(q('durationMs >= 100')).toEqual({ kind: 'range', field: 'durationMs', gte: 100 });
    expect(q('time<2026-01-01')).toEqual({ kind: 'range', field: 'time', lt: '2026-01-01' });
    expect(q('fields.user:*')).toEqual({ kind: 'exists', field: 'fields.user' });
    expect(q('requestStatus:500')).toEqual({ kind: 'match', field: 'requestStatus', value: 500 });
    expect(q('message:"out of memory"')).toEqual({ kind: 'phrase', text: 'out of memory', field: 'message' });
  });

  it('binds NOT tighter than AND, and AND tighter than OR', () => {
    expect(q('a OR b c AND NOT level:debug')).toEqual({
      kind: 'or',
      clauses: [
        { kind: 'text', text: 'a' },
        {
          kind: 'and',
          clauses: [
            { kind: 'text', text: 'b' },
            { kind: 'text', text: 'c' },
            { kind: 'not', clause: { kind: 'match', field: 'level', value: 'debug' } },
          ],
        },
      ],
    });
    expect(q('(a OR b) AND c')).toEqual({
      kind: 'and',
      clauses: [
        {
          kind: 'or',
          clauses: [
            { kind: 'text', text: 'a' },
            { kind: 'text', text: 'b' },
          ],
        },
        { kind: 'text', text: 'c' },
      ],
    });
  });

  it('says where a mistake is', () => {
    expect(err('level:error AND')).toEqual({ message: 'AND needs a term after it', offset: 15 });
    expect(err('a "open')).toEqual({ message: 'a quoted phrase is not closed', offset: 2 });
    expect(err('a)')).toEqual({ message: 'a ) has no ( before it', offset: 1 });
    expect(err('x AND nope:1')).toMatchObject({ offset: 6 });
    expect(err('level:')).toMatchObject({ offset: 6 });
  });

  it('knows what is being typed for completion', () => {
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
      start: 13,
    });
    expect(knownFields(['user'])).toContain('fields.user');
    expect(knownFields([])).toContain('taskId');
  });
});
