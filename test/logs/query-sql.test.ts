import { describe, expect, it } from 'vitest';
import { LogQuerySchema, type LogQuery } from '../../shared/logs/model';
import {
  compileQuery,
  ftsString,
  globPattern,
  likePattern,
  rowidAt,
  toMatch,
} from '../../electron/core/logs/query-sql';

const text = (t: string): LogQuery => ({ kind: 'text', text: t });

describe('log query translation', () => {
  it('quotes every user term, so FTS5 syntax in it is only text', () => {
    expect(ftsString('a"b')).toBe('"a""b"');
    for (const t of ['NEAR(a b)', 'a OR b', '-foo', 'x:y', '^start', 'a AND NOT b', '"quoted"'])
      expect(compileQuery(text(t))).toEqual({ match: ftsString(t), where: '1', params: [] });
  });

  it('says a phrase and a message-only term as FTS5 phrases, restricted to the message column', () => {
    expect(toMatch({ kind: 'phrase', text: 'connection refused' })).toBe('"connection refused"');
    expect(toMatch({ kind: 'text', text: 'timeout', field: 'message' })).toBe('message : "timeout"');
    expect(toMatch({ kind: 'match', field: 'message', value: 'disk full' })).toBe('message : "disk full"');
  });

  it('turns a trailing wildcard into a prefix query and any other wildcard into a scan', () => {
    expect(compileQuery({ kind: 'wildcard', pattern: 'conn*' }).match).toBe('"conn"*');
    const infix = compileQuery({ kind: 'wildcard', pattern: 'co*n?ct' });
    expect(infix.match).toBeNull();
    expect(infix.where).toBe("r.message LIKE ? ESCAPE '\\'");
    expect(infix.params).toEqual(['co%n_ct']);
    const path = compileQuery({ kind: 'wildcard', field: 'requestPath', pattern: '/api/*' });
    expect(path.where).toBe('(r.request_path IS NOT NULL AND r.request_path GLOB ?)');
    expect(path.params).toEqual(['/api/*']);
  });

  it('puts the text of a top-level AND into one MATCH and the field filters into SQL', () => {
    const q = compileQuery({
      kind: 'and',
      clauses: [
        text('timeout'),
        { kind: 'match', field: 'level', value: 'ERROR' },
        { kind: 'not', clause: text('retry') },
      ],
    });
    expect(q.match).toBe('("timeout" NOT "retry")');
    expect(q.where).toBe('r.level = ?');
    expect(q.params).toEqual(['error']);
  });

  it('says AND / OR / NOT of text alone wholly in FTS5', () => {
    const q: LogQuery = {
      kind: 'or',
      clauses: [
        { kind: 'and', clauses: [text('a'), text('b')] },
        { kind: 'phrase', text: 'c d' },
      ],
    };
    expect(compileQuery(q)).toEqual({ match: '(("a" AND "b") OR "c d")', where: '1', params: [] });
  });

  it('takes a lone NOT of text from the index matches in SQL (FTS5 has no unary NOT)', () => {
    const q = compileQuery({ kind: 'not', clause: text('noise') });
    expect(q.match).toBeNull();
    expect(q.where).toBe('NOT (r.rowid IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?))');
    expect(q.params).toEqual(['"noise"']);
  });

  it('nests text under an OR with a field filter as a subquery of the index', () => {
    const q = compileQuery({
      kind: 'or',
      clauses: [text('boom'), { kind: 'match', field: 'taskId', value: 'load' }],
    });
    expect(q.match).toBeNull();
    expect(q.where).toBe(
      '(r.rowid IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?) OR (r.task_id IS NOT NULL AND r.task_id = ?))',
    );
    expect(q.params).toEqual(['"boom"', 'load']);
  });

  it('turns time ranges into rowid ranges and accepts ISO times', () => {
    const t = Date.parse('2026-01-31T12:00:00Z');
    const q = compileQuery({ kind: 'range', field: 'time', gte: '2026-01-31T12:00:00Z', lt: t + 1000 });
    expect(q.where).toBe('(r.rowid >= ? AND r.rowid < ?)');
    expect(q.params).toEqual([rowidAt(t), rowidAt(t + 1000)]);
    const lte = compileQuery({ kind: 'range', field: 'time', lte: t });
    expect(lte.params).toEqual([rowidAt(t + 1)]);
  });

  it('orders levels by severity in a range', () => {
    const q = compileQuery({ kind: 'range', field: 'level', gte: 'warn' });
    expect(q.where).toBe('r.level IN (?, ?, ?)');
    expect(q.params).toEqual(['warn', 'error', 'fatal']);
  });

  it('compares numbers and structured fields as their type', () => {
    const q = compileQuery({ kind: 'range', field: 'durationMs', gt: 100, lte: '250' });
    expect(q.where).toBe(
      '((r.duration_ms IS NOT NULL AND r.duration_ms > ?) AND (r.duration_ms IS NOT NULL AND r.duration_ms <= ?))',
    );
    expect(q.params).toEqual([100, 250]);
    const f = compileQuery({ kind: 'match', field: 'fields.user.name', value: 'ana' });
    expect(f.where).toBe('coalesce(json_extract(r.fields, ?) = ?, 0)');
    expect(f.params).toEqual(['$."user"."name"', 'ana']);
    const n = compileQuery({ kind: 'match', field: 'fields.rows', value: '5' });
    expect(n.params).toEqual(['$."rows"', '5', 5]);
  });

  it('rejects what it cannot run with a message that says why', () => {
    expect(() => compileQuery({ kind: 'match', field: 'nope' as never, value: 1 })).toThrow(
      /unknown field "nope"/,
    );
    expect(() => compileQuery({ kind: 'range', field: 'time', gte: 'yesterday-ish' })).toThrow(
      /is not a time/,
    );
    expect(() => compileQuery({ kind: 'match', field: 'requestStatus', value: 'ok' })).toThrow(/is a number/);
    expect(() => compileQuery({ kind: 'match', field: 'level', value: 'loud' })).toThrow(/is not a level/);
    expect(() => compileQuery({ kind: 'range', field: 'durationMs' })).toThrow(/needs a bound/);
    expect(() => compileQuery({ kind: 'wildcard', field: 'tryNumber', pattern: '1*' })).toThrow(
      /needs a text field/,
    );
  });

  it('escapes LIKE and GLOB metacharacters that are meant literally', () => {
    expect(likePattern('100%_done\\*')).toBe('100\\%\\_done*');
    expect(globPattern('a[b]\\*c*')).toBe('a[[]b][*]c*');
  });

  it('validates the AST at the boundary', () => {
    expect(LogQuerySchema.safeParse({ kind: 'and', clauses: [{ kind: 'text', text: 'x' }] }).success).toBe(
      true,
    );
    expect(LogQuerySchema.safeParse({ kind: 'match', field: 'fields.a b', value: 1 }).success).toBe(false);
    expect(LogQuerySchema.safeParse({ kind: 'text', text: '' }).success).toBe(false);
    expect(LogQuerySchema.safeParse({ kind: 'bogus' }).success).toBe(false);
  });
});
