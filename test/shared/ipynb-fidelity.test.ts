import { describe, expect, it } from 'vitest';
import { parseIpynb, serializeIpynb } from '../../shared/notebook/ipynb';
import { emptyNotebook, newCell } from '../../shared/notebook/model';

const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function nb(cells: unknown[], extra: Record<string, unknown> = {}) {
  return JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells, ...extra });
}

describe('ipynb fidelity', () => {
  it('keeps Markdown attachments through a round trip', () => {
    const text = nb([
      {
        cell_type: 'markdown',
        id: 'm1',
        metadata: {},
        source: '![dot](attachment:dot.png)',
        attachments: { 'dot.png': { 'image/png': PNG } },
      },
    ]);
    const doc = parseIpynb(text, 'a.ipynb');
    expect(doc.cells[0].attachments).toEqual({ 'dot.png': { 'image/png': PNG } });
    const out = JSON.parse(serializeIpynb(doc));
    expect(out.cells[0].attachments).toEqual({ 'dot.png': { 'image/png': PNG } });
  });

  it('opens a notebook without a kernelspec as Python, as Jupyter does', () => {
    const doc = parseIpynb(
      nb([{ cell_type: 'code', id: 'c', metadata: {}, source: 'x = 1', outputs: [] }]),
      'a.ipynb',
    );
    expect(doc.cells[0].language).toBe('python');
    expect(doc.cells[0].readOnly).toBeUndefined();
  });

  it('keeps SQL as the default of notebooks Lakebench wrote with SQL cells', () => {
    const doc = emptyNotebook();
    doc.cells = [newCell('sql', 'SELECT 1'), newCell('sql', 'SELECT 2'), newCell('python', 'print(1)')];
    const out = JSON.parse(serializeIpynb(doc));
    expect(out.metadata.lakebench).toEqual({ default_language: 'sql' });
    expect(out.cells[0].metadata).toEqual({ lakebench: { language: 'sql' } });
    expect(out.cells[2].metadata).toEqual({ lakebench: { language: 'python' } });
    const again = parseIpynb(JSON.stringify(out), 'a.ipynb');
    expect(again.cells.map((c) => c.language)).toEqual(['sql', 'sql', 'python']);
  });

  it('writes new notebooks with a kernelspec and language_info', () => {
    const out = JSON.parse(serializeIpynb(emptyNotebook()));
    expect(out.metadata.kernelspec).toMatchObject({ name: 'python3', language: 'python' });
    expect(typeof out.metadata.kernelspec.display_name).toBe('string');
    expect(out.metadata.language_info).toEqual({ name: 'python' });
  });

  it('opens a Julia notebook with its outputs and read-only code, and writes its cells back unchanged', () => {
    const julia = {
      cell_type: 'code',
      execution_count: 2,
      id: 'j1',
      metadata: {},
      outputs: [
        { output_type: 'execute_result', execution_count: 2, data: { 'text/plain': '3' }, metadata: {} },
      ],
      source: 'x = 1 + 2',
    };
    const text = nb([julia], {
      metadata: { kernelspec: { name: 'julia-1.9', display_name: 'Julia 1.9', language: 'julia' } },
    });
    const doc = parseIpynb(text, 'j.ipynb');
    expect(doc.cells[0].readOnly).toMatch(/julia/);
    expect(doc.cells[0].displayLanguage).toBe('julia');
    expect(doc.cells[0].outputs).toEqual(julia.outputs);
    const out = JSON.parse(serializeIpynb(doc));
    expect(out.cells[0]).toEqual(julia);
    expect(out.metadata.lakebench).toBeUndefined();
  });

  it('opens a newer 4.x minor, keeps unknown cell and output types, and round-trips it unchanged', () => {
    const original = {
      cells: [
        { cell_type: 'future', id: 'f1', metadata: {}, source: ['something new'] },
        {
          cell_type: 'code',
          execution_count: 1,
          id: 'c1',
          metadata: {},
          outputs: [{ output_type: 'hologram', payload: 1 }],
          source: ['print(1)'],
        },
      ],
      metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' } },
      nbformat: 4,
      nbformat_minor: 9,
    };
    const text = `${JSON.stringify(original, null, 1)}\n`;
    const doc = parseIpynb(text, 'n.ipynb');
    expect(doc.cells[0].readOnly).toMatch(/"future" cell of nbformat 4\.9/);
    expect(doc.cells[1].outputs).toEqual([{ output_type: 'hologram', payload: 1 }]);
    expect(doc.nbformatMinor).toBe(9);
    expect(doc.notices).toBeUndefined();
    expect(serializeIpynb(doc)).toBe(text);
  });

  it('upgrades nbformat 3 to 4 as Jupyter does, with a notice', () => {
    const v3 = {
      nbformat: 3,
      nbformat_minor: 0,
      metadata: { name: 'old', signature: 'sha256:x' },
      worksheets: [
        {
          cells: [
            { cell_type: 'heading', level: 2, source: 'Title', metadata: {} },
            {
              cell_type: 'code',
              language: 'python',
              collapsed: false,
              input: 'print(1)\n1',
              prompt_number: 4,
              metadata: {},
              outputs: [
                { output_type: 'stream', stream: 'stdout', text: '1\n' },
                { output_type: 'pyout', prompt_number: 4, text: '1', html: '<b>1</b>', metadata: {} },
                { output_type: 'display_data', png: PNG, metadata: {} },
                { output_type: 'pyerr', ename: 'E', evalue: 'v', traceback: ['t'] },
              ],
            },
            { cell_type: 'markdown', source: 'text', metadata: {} },
          ],
        },
      ],
    };
    const doc = parseIpynb(JSON.stringify(v3), 'old.ipynb');
    expect(doc.notices?.[0]).toMatch(/nbformat 3 .* upgraded/);
    expect(doc.cells.map((c) => [c.language, c.source])).toEqual([
      ['markdown', '## Title'],
      ['python', 'print(1)\n1'],
      ['markdown', 'text'],
    ]);
    expect(doc.cells[1].executionCount).toBe(4);
    expect(doc.cells[1].metadata).toEqual({ collapsed: false });
    expect(doc.cells[1].outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: '1\n' },
      {
        output_type: 'execute_result',
        execution_count: 4,
        data: { 'text/plain': '1', 'text/html': '<b>1</b>' },
        metadata: {},
      },
      { output_type: 'display_data', data: { 'image/png': PNG }, metadata: {} },
      { output_type: 'error', ename: 'E', evalue: 'v', traceback: ['t'] },
    ]);
    const out = JSON.parse(serializeIpynb(doc));
    expect(out.nbformat).toBe(4);
    expect(out.metadata).toEqual({});
  });

  it('repairs invalid metadata with notices and never writes it back invalid', () => {
    const text = nb(
      [
        {
          cell_type: 'code',
          id: 'c1',
          metadata: { tags: ['a', 'a', 'b,c', 3], collapsed: 'yes', jupyter: { source_hidden: 'no' } },
          source: '',
          outputs: [{ output_type: 'stream', name: 'weird', text: 'x' }, 'nonsense'],
          execution_count: 1.5,
        },
      ],
      { metadata: { kernelspec: { name: 'python3' }, language_info: 'python', title: 5 } },
    );
    const doc = parseIpynb(text, 'bad.ipynb');
    expect(doc.notices?.length).toBeGreaterThanOrEqual(5);
    expect(doc.metadata).toEqual({ kernelspec: { name: 'python3', display_name: 'python3' } });
    expect(doc.cells[0].metadata).toEqual({ tags: ['a'], jupyter: {} });
    expect(doc.cells[0].outputs).toEqual([]);
    expect(doc.cells[0].executionCount).toBeNull();
  });

  it('repairs invalid or duplicate cell ids and says so', () => {
    const doc = parseIpynb(
      nb([
        { cell_type: 'markdown', id: 'same', metadata: {}, source: '' },
        { cell_type: 'markdown', id: 'same', metadata: {}, source: '' },
        { cell_type: 'markdown', id: 'bad id!', metadata: {}, source: '' },
      ]),
      'ids.ipynb',
    );
    expect(new Set(doc.cells.map((c) => c.id)).size).toBe(3);
    expect(doc.notices).toEqual(['2 cells had invalid or duplicate ids; they were given a new one.']);
  });

  it('gives cells of a notebook older than 4.5 ids without calling it a repair', () => {
    const doc = parseIpynb(
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 2,
        metadata: {},
        cells: [{ cell_type: 'markdown', metadata: {}, source: 'x' }],
      }),
      'old.ipynb',
    );
    expect(doc.notices).toBeUndefined();
    expect(JSON.parse(serializeIpynb(doc)).nbformat_minor).toBe(5);
  });
});
