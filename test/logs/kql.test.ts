import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalLogsService } from '../../electron/core/logs';
import {
  kqlCompletionContext,
  kqlCompletions,
  kqlFields,
  parseKql,
  relativeTime,
  type KqlError,
} from '../../shared/logs/kql';
import { LogQuerySchema, type LogInput, type LogQuery, type LogSource } from '../../shared/logs/model';
import { tempDir } from '../support/temp';

const NOW = Date.parse('2026-12-04T12:00:00Z');

function q(text: string): LogQuery {
  const r = parseKql(text, { now: NOW });
  if ('error' in r) throw new Error(`${text}: ${r.error.message} at ${r.error.offset}`);
  // Whatever the parser produces, the service's schema accepts.
  expect(LogQuerySchema.safeParse(r.query).success).toBe(true);
  return r.query;
}

function err(text: string): KqlError {
  const r = parseKql(text, { now: NOW });
  if (!('error' in r)) throw new Error(`${text} parsed: ${JSON.stringify(r.query)}`);
  return r.error;
}

describe('the logs query language', () => {
  it('reads free text, phrases and wildcards', () => {
    expect(q('')).toEqual({ kind: 'all' });
    expect(q('   ')).toEqual({ kind: 'all' });
    expect(q('timeout')).toEqual({ kind: 'text', text: 'timeout' });
    expect(q('"connection refused"')).toEqual({ kind: 'phrase', text: 'connection refused' });
    expect(q("'it''s'")).toEqual({ kind: 'phrase', text: "it's" });
    expect(q('err*')).toEqual({ kind: 'wildcard', pattern: 'err*' });
    expect(q('co?n')).toEqual({ kind: 'wildcard', pattern: 'co?n' });
  });

  it('reads field:value for columns, structured fields, phrases, wildcards and presence', () => {
    expect(q('level:error')).toEqual({ kind: 'match', field: 'level', value: 'error' });
    expect(q('level:ERROR')).toEqual({ kind: 'match', field: 'level', value: 'error' });
    expect(q('taskId:load')).toEqual({ kind: 'match', field: 'taskId', value: 'load' });
    expect(q('taskId : load')).toEqual({ kind: 'match', field: 'taskId', value: 'load' });
    expect(q('requestStatus:500')).toEqual({ kind: 'match', field: 'requestStatus', value: 500 });
    expect(q('fields.user:ana')).toEqual({ kind: 'match', field: 'fields.user', value: 'ana' });
    expect(q('fields.ok:true')).toEqual({ kind: 'match', field: 'fields.ok', value: true });
    expect(q('fields.ok:"true"')).toEqual({ kind: 'match', field: 'fields.ok', value: 'true' });
    expect(q('notebook:"notebooks/a b.ipynb"')).toEqual({
      kind: 'match',
      field: 'notebook',
      value: 'notebooks/a b.ipynb',
    });
    expect(q('requestPath:/api/*')).toEqual({ kind: 'wildcard', field: 'requestPath', pattern: '/api/*' });
    expect(q('fields.user:*')).toEqual({ kind: 'exists', field: 'fields.user' });
    expect(q('message:timeout')).toEqual({ kind: 'text', text: 'timeout', field: 'message' });
    expect(q('message:"disk full"')).toEqual({ kind: 'phrase', text: 'disk full', field: 'message' });
    // Colons inside a value written without spaces stay in it (URLs, times of day).
    expect(q('fields.url:http://host:8080/x')).toEqual({
      kind: 'match',
      field: 'fields.url',
      value: 'http://host:8080/x',
    });
    expect(q('taskId != load')).toEqual({
      kind: 'not',
      clause: { kind: 'match', field: 'taskId', value: 'load' },
    });
  });

  it('reads AND, OR, NOT, implicit AND and parentheses with OR binding loosest', () => {
    const a = { kind: 'text', text: 'a' } as const;
    const b = { kind: 'text', text: 'b' } as const;
    const c = { kind: 'text', text: 'c' } as const;
    expect(q('a b')).toEqual({ kind: 'and', clauses: [a, b] });
    expect(q('a AND b')).toEqual({ kind: 'and', clauses: [a, b] });
    expect(q('a OR b c')).toEqual({ kind: 'or', clauses: [a, { kind: 'and', clauses: [b, c] }] });
    expect(q('(a OR b) c')).toEqual({ kind: 'and', clauses: [{ kind: 'or', clauses: [a, b] }, c] });
    expect(q('NOT a')).toEqual({ kind: 'not', clause: a });
    expect(q('a NOT b')).toEqual({ kind: 'and', clauses: [a, { kind: 'not', clause: b }] });
    expect(q('NOT NOT a')).toEqual({ kind: 'not', clause: { kind: 'not', clause: a } });
    // Lower-case keywords are words of text: log lines say "not found".
    expect(q('not found')).toEqual({
      kind: 'and',
      clauses: [
        { kind: 'text', text: 'not' },
        { kind: 'text', text: 'found' },
      ],
    });
    // Commas between words are spaces.
    expect(q('failed, retrying')).toEqual({
      kind: 'and',
      clauses: [
        { kind: 'text', text: 'failed' },
        { kind: 'text', text: 'retrying' },
      ],
    });
    expect(q('taskId:load AND level:error')).toEqual({
      kind: 'and',
      clauses: [
        { kind: 'match', field: 'taskId', value: 'load' },
        { kind: 'match', field: 'level', value: 'error' },
      ],
    });
  });

  it('reads a group of values of one field', () => {
    expect(q('level:(error OR fatal)')).toEqual({
      kind: 'or',
      clauses: [
        { kind: 'match', field: 'level', value: 'error' },
        { kind: 'match', field: 'level', value: 'fatal' },
      ],
    });
    expect(q('taskId:(load OR "my task" OR rep*) NOT level:info')).toEqual({
      kind: 'and',
      clauses: [
        {
          kind: 'or',
          clauses: [
            { kind: 'match', field: 'taskId', value: 'load' },
            { kind: 'match', field: 'taskId', value: 'my task' },
            { kind: 'wildcard', field: 'taskId', pattern: 'rep*' },
          ],
        },
        { kind: 'not', clause: { kind: 'match', field: 'level', value: 'info' } },
      ],
    });
    expect(q('taskId:(NOT (a OR b))')).toEqual({
      kind: 'not',
      clause: {
        kind: 'or',
        clauses: [
          { kind: 'match', field: 'taskId', value: 'a' },
          { kind: 'match', field: 'taskId', value: 'b' },
        ],
      },
    });
  });

  it('reads ranges on numbers, dates, date-times and relative times', () => {
    expect(q('durationMs > 5')).toEqual({ kind: 'range', field: 'durationMs', gt: 5 });
    expect(q('durationMs>=5.5')).toEqual({ kind: 'range', field: 'durationMs', gte: 5.5 });
    expect(q('requestStatus:>=500')).toEqual({ kind: 'range', field: 'requestStatus', gte: 500 });
    expect(q('fields.epoch <= 3')).toEqual({ kind: 'range', field: 'fields.epoch', lte: 3 });
    expect(q('fields.user < m')).toEqual({ kind: 'range', field: 'fields.user', lt: 'm' });
    expect(q('time >= 2026-12-01')).toEqual({
      kind: 'range',
      field: 'time',
      gte: Date.parse('2026-12-01'),
    });
    expect(q('time < 2026-12-01T10:30:00Z')).toEqual({
      kind: 'range',
      field: 'time',
      lt: Date.parse('2026-12-01T10:30:00Z'),
    });
    expect(q('time < now-1h')).toEqual({ kind: 'range', field: 'time', lt: NOW - 3_600_000 });
    expect(q('time > now-15m AND time <= now')).toEqual({
      kind: 'and',
      clauses: [
        { kind: 'range', field: 'time', gt: NOW - 900_000 },
        { kind: 'range', field: 'time', lte: NOW },
      ],
    });
    expect(relativeTime('now-7d', NOW)).toBe(NOW - 7 * 86_400_000);
    expect(relativeTime('now+30s', NOW)).toBe(NOW + 30_000);
    expect(relativeTime('nowish', NOW)).toBeNull();
  });

  it('says where a mistake is and what was expected there', () => {
    expect(err('level:error AND')).toMatchObject({ offset: 15, expected: ['field', 'text', '('] });
    expect(err('(a OR b')).toMatchObject({ offset: 7, expected: [')'] });
    expect(err('(a OR b').message).toContain("'(' at column 1 is not closed");
    expect(err('a b)')).toMatchObject({ offset: 3 });
    expect(err('a b)').message).toContain("')' has no matching '('");
    expect(err('levle:error')).toMatchObject({ offset: 0, expected: ['field'] });
    expect(err('levle:error').message).toContain('unknown field "levle"');
    expect(err('a AND level:nope')).toMatchObject({ offset: 12 });
    expect(err('a AND level:nope').message).toContain('not a level');
    expect(err('durationMs > fast')).toMatchObject({ offset: 13, expected: ['number'] });
    expect(err('time < yesterday')).toMatchObject({ offset: 7, expected: ['time'] });
    expect(err('taskId:')).toMatchObject({ offset: 7, expected: ['value'] });
    expect(err('a "unclosed')).toMatchObject({ offset: 2 });
    expect(err('a "unclosed').message).toContain('not closed');
    expect(err('taskId:(a OR b')).toMatchObject({ offset: 14, expected: [')'] });
    expect(err('OR a')).toMatchObject({ offset: 0 });
    expect(err('a ! b')).toMatchObject({ offset: 2 });
    expect(err('durationMs:5*')).toMatchObject({ offset: 11 });
    expect(err('level > error')).toMatchObject({ offset: 8 });
    expect(err('""')).toMatchObject({ offset: 0 });
    expect(err('('.repeat(100) + 'a' + ')'.repeat(100)).message).toContain('nested too deeply');
  });

  it('completes field names and keywords where a term starts', async () => {
    const all = await kqlCompletions('', 0);
    expect(all.items.map((i) => i.label)).toEqual(kqlFields.map((f) => f.name));
    const t = await kqlCompletions('level:error AND ta', 18);
    expect(t).toMatchObject({ context: { kind: 'field' }, from: 16, to: 18 });
    expect(t.items).toEqual([
      { label: 'taskId', kind: 'field', insert: 'taskId:' },
      { label: 'table', kind: 'field', insert: 'table:' },
    ]);
    const o = await kqlCompletions('a O', 3);
    expect(o.items).toContainEqual({ label: 'OR', kind: 'keyword', insert: 'OR ' });
    expect(kqlCompletionContext('(a OR b) le', 11)).toEqual({ kind: 'field', from: 9, prefix: 'le' });
  });

  it('completes values of the field being compared, from its known values or a callback', async () => {
    const l = await kqlCompletions('level:e', 7);
    expect(l).toMatchObject({ context: { kind: 'value', field: 'level' }, from: 6, to: 7 });
    expect(l.items.map((i) => i.label)).toEqual(['error']);
    expect((await kqlCompletions('level:', 6)).items.map((i) => i.label)).toEqual([...kqlFields[1].values!]);
    const asked: string[] = [];
    const values = async (field: string, prefix: string) => {
      asked.push(`${field}/${prefix}`);
      return ['load', 'my task', 'report'];
    };
    const v = await kqlCompletions('x AND taskId:(load OR ', 22, kqlFields, values);
    expect(asked).toEqual(['taskId/']);
    expect(v.items.map((i) => i.insert)).toEqual(['load', '"my task"', 'report']);
    const quoted = await kqlCompletions('taskId:"my', 10, kqlFields, values);
    expect(quoted).toMatchObject({ context: { kind: 'value', field: 'taskId' }, from: 7, to: 10 });
    expect(quoted.items.map((i) => i.label)).toEqual(['my task']);
    expect(kqlCompletionContext('durationMs >= 1', 15)).toEqual({
      kind: 'value',
      field: 'durationMs',
      from: 14,
      prefix: '1',
    });
    // After a closed group, a new term starts.
    expect(kqlCompletionContext('taskId:(a OR b) ', 16)).toEqual({ kind: 'field', from: 16, prefix: '' });
  });
});

describe('queries in the language against a real store', () => {
  const T0 = Date.parse('2026-12-04T10:00:00Z');
  const load: LogSource = { kind: 'pipeline', pipelineId: 'etl', runId: 'r1', taskId: 'load', tryNumber: 1 };
  const report: LogSource = {
    kind: 'pipeline',
    pipelineId: 'etl',
    runId: 'r1',
    taskId: 'report',
    tryNumber: 1,
  };
  const corpus: LogInput[] = [
    { source: load, line: 1, time: T0, stream: 'stdout', message: 'reading landing/orders.csv' },
    {
      source: load,
      line: 2,
      time: T0 + 1000,
      stream: 'stderr',
      level: 'error',
      message: 'Connection refused by warehouse',
    },
    { source: report, line: 1, time: T0 + 2000, stream: 'stdout', message: 'report refused: no data' },
    {
      source: { kind: 'notebook', notebook: 'nb/train.ipynb', cellId: 'c1' },
      time: T0 + 3000,
      stream: 'stdout',
      message: 'training epoch 2 loss 0.31',
      fields: { epoch: 2, user: 'ana' },
    },
    {
      source: { kind: 'server', method: 'POST', path: '/api/query', status: 500, durationMs: 340 },
      time: T0 + 4000,
      level: 'error',
      message: 'POST /api/query 500',
    },
    {
      source: { kind: 'server', method: 'GET', path: '/api/runs', status: 200, durationMs: 12 },
      time: T0 + 5000,
      message: 'GET /api/runs 200',
    },
  ];
  let logs: LocalLogsService;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir('lakebench-kql-'));
    logs = new LocalLogsService({
      file: path.join(dir, 'logs.db'),
      reads: 'inline',
      retentionIntervalMs: null,
    });
    for (const r of corpus) logs.write(r);
    await logs.flush();
  });

  afterAll(async () => {
    await logs.close();
    await cleanup();
  });

  async function messages(text: string, now = T0 + 6000): Promise<string[]> {
    const r = parseKql(text, { now });
    if ('error' in r) throw new Error(r.error.message);
    const res = await logs.search({
      query: r.query,
      range: { from: null, to: null },
      sort: 'oldest',
      limit: 100,
      cursor: null,
    });
    return res.hits.map((h) => h.record.message);
  }

  it('finds what the text says', async () => {
    expect(await messages('refused')).toEqual(['Connection refused by warehouse', 'report refused: no data']);
    expect(await messages('taskId:load AND level:error')).toEqual(['Connection refused by warehouse']);
    expect(await messages('refused NOT taskId:load')).toEqual(['report refused: no data']);
    expect(await messages('"refused by"')).toEqual(['Connection refused by warehouse']);
    expect(await messages('conn*')).toEqual(['Connection refused by warehouse']);
    expect(await messages('taskId:(report OR missing)')).toEqual(['report refused: no data']);
    expect(await messages('requestStatus >= 500 OR fields.user:ana')).toEqual([
      'training epoch 2 loss 0.31',
      'POST /api/query 500',
    ]);
    expect(await messages('durationMs < 100')).toEqual(['GET /api/runs 200']);
    expect(await messages('requestPath:/api/q*')).toEqual(['POST /api/query 500']);
    expect(await messages('fields.epoch >= 2 AND fields.user:*')).toEqual(['training epoch 2 loss 0.31']);
    expect(await messages('level:error AND NOT source:server')).toEqual(['Connection refused by warehouse']);
    expect(await messages('time >= 2026-12-04T10:00:03Z')).toEqual([
      'training epoch 2 loss 0.31',
      'POST /api/query 500',
      'GET /api/runs 200',
    ]);
    // now is T0 + 6s: the last 2.5 seconds hold the two server records.
    expect(await messages('time > now-2500ms')).toEqual(['POST /api/query 500', 'GET /api/runs 200']);
    expect(await messages('time > now-1s')).toEqual([]);
  });
});
