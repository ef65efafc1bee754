// @vitest-environment jsdom
import { Field, Int32, Schema, Table, Utf8, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { buildTree } from '../../renderer/notebooks/file-tree';
import { renderMarkdown } from '../../renderer/notebooks/markdown';
import {
  errorOutput,
  executeResultOutput,
  storedOutputText,
  summaryLine,
} from '../../renderer/notebooks/outputs';
import { appendBatch, emptyResult } from '../../renderer/notebooks/result';

function people(n: number) {
  const id = vectorFromArray(
    Array.from({ length: n }, (_, i) => i),
    new Int32(),
  );
  const name = vectorFromArray(
    Array.from({ length: n }, (_, i) => (i === 1 ? null : `<b>p${i}</b>`)),
    new Utf8(),
  );
  const table = new Table({ id, name });
  return appendBatch(emptyResult, tableFromIPC(tableToIPC(table, 'stream')));
}

describe('nbformat outputs of a SQL cell', () => {
  it('saves an aligned text and an escaped HTML preview of the first 20 rows', () => {
    const out = executeResultOutput(people(25), 25, 12.4, 3);
    expect(out.output_type).toBe('execute_result');
    expect(out.execution_count).toBe(3);
    expect(out.metadata).toEqual({ lakebench: { rows: 25, elapsedMs: 12 } });
    const data = out.data as Record<string, string>;
    const lines = data['text/plain'].split('\n');
    expect(lines[0]).toBe('id | name');
    expect(lines[2]).toBe(' 0 | <b>p0</b>');
    expect(lines[3]).toBe(' 1 | NULL');
    expect(lines).toHaveLength(2 + 20 + 1);
    expect(lines.at(-1)).toBe('(25 rows, first 20 shown)');
    expect(data['text/html']).toContain('&lt;b&gt;p0&lt;/b&gt;');
    expect(data['text/html']).not.toContain('<b>');
    expect(data['text/html']).toContain('<em>NULL</em>');
  });

  it('saves an error as an nbformat error output', () => {
    const out = errorOutput({ code: 'SQL_ERROR', message: 'syntax error', location: { line: 2, column: 5 } });
    expect(out).toEqual({
      output_type: 'error',
      ename: 'SQLError',
      evalue: 'syntax error (line 2, column 5)',
      traceback: [],
    });
    // DuckDB's message often already says where.
    const dup = errorOutput({
      code: 'SQL_ERROR',
      message: 'x (line 1, column 3)',
      location: { line: 1, column: 3 },
    });
    expect(dup.evalue).toBe('x (line 1, column 3)');
  });

  it('reads stored outputs back as text', () => {
    expect(
      storedOutputText([{ output_type: 'execute_result', data: { 'text/plain': ['a\n', 'b'] } }]),
    ).toEqual({ text: 'a\nb', isError: false });
    expect(storedOutputText([{ output_type: 'error', ename: 'SQLError', evalue: 'bad' }])).toEqual({
      text: 'SQLError: bad',
      isError: true,
    });
    expect(storedOutputText([])).toBeNull();
  });

  it('summarises rows and time', () => {
    expect(summaryLine(1, 5)).toBe('1 row · 5 ms');
    expect(summaryLine(3000000, 1234)).toBe('3,000,000 rows · 1.23 s');
    expect(summaryLine(20, 5, 10)).toBe('20 rows · 5 ms · showing first 10');
  });

  it('handles a result without columns', () => {
    const r = appendBatch(emptyResult, new Table(new Schema([new Field('x', new Int32())])));
    const out = executeResultOutput(r, 0, 1, 1);
    expect((out.data as Record<string, string>)['text/plain'].split('\n')[0]).toBe('x');
  });
});

describe('markdown cells', () => {
  it('renders markdown but never raw HTML', () => {
    const html = renderMarkdown(
      '# Title\n\n**bold** <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>',
    );
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;');
  });

  it('neutralises script links', () => {
    const html = renderMarkdown('[x](javascript:alert(1)) [y](https://duckdb.org)');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('href="https://duckdb.org"');
  });
});

describe('explorer tree', () => {
  it('nests files under folders, folders first', () => {
    const tree = buildTree([
      { path: 'lakebench.yaml', kind: 'file', size: 1, mtimeMs: 0 },
      { path: 'notebooks/b.ipynb', kind: 'file', size: 1, mtimeMs: 0 },
      { path: 'notebooks', kind: 'directory', size: 0, mtimeMs: 0 },
      { path: 'notebooks/a.ipynb', kind: 'file', size: 1, mtimeMs: 0 },
      { path: 'landing/x/y.csv', kind: 'file', size: 1, mtimeMs: 0 },
    ]);
    expect(tree.map((n) => n.path)).toEqual(['landing', 'notebooks', 'lakebench.yaml']);
    expect(tree[0].children[0].path).toBe('landing/x');
    expect(tree[1].children.map((n) => n.name)).toEqual(['a.ipynb', 'b.ipynb']);
  });
});
