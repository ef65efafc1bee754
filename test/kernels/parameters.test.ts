import { describe, expect, it } from 'vitest';
import { injectParameters, isPythonName, pythonLiteral } from '../../electron/core/kernels';
import { newCell, type NotebookDocument } from '../../shared/notebook/model';

function doc(...cells: ReturnType<typeof newCell>[]): NotebookDocument {
  return { metadata: {}, nbformatMinor: 5, cells };
}

describe('notebook parameters', () => {
  it('writes parameter values as Python literals', () => {
    expect(pythonLiteral(null)).toBe('None');
    expect(pythonLiteral(true)).toBe('True');
    expect(pythonLiteral(false)).toBe('False');
    expect(pythonLiteral(2.5)).toBe('2.5');
    expect(pythonLiteral(Number.POSITIVE_INFINITY)).toBe('float("inf")');
    expect(pythonLiteral('it\'s "quoted"\n\\ é')).toBe('"it\'s \\"quoted\\"\\n\\\\ é"');
  });

  it('knows which names Python can assign', () => {
    expect(isPythonName('n_rows2')).toBe(true);
    expect(isPythonName('2n')).toBe(false);
    expect(isPythonName('a-b')).toBe(false);
    expect(isPythonName('class')).toBe(false);
  });

  it('injects after the cell tagged parameters, replacing an earlier injected cell', () => {
    const intro = newCell('markdown', '# intro');
    const defaults = newCell('python', 'n = 1');
    defaults.metadata = { tags: ['parameters'] };
    const stale = newCell('python', '# Parameters\nn = 0');
    stale.metadata = { tags: ['injected-parameters'] };
    const body = newCell('python', 'print(n)');
    const d = doc(intro, defaults, stale, body);
    expect(injectParameters(d, { n: 5, name: 'x' }, { file: 'nb.ipynb' })).toBe(2);
    expect(d.cells.map((c) => c.source)).toEqual([
      '# intro',
      'n = 1',
      '# Parameters\nn = 5\nname = "x"',
      'print(n)',
    ]);
    expect(d.cells[2].metadata).toEqual({ tags: ['injected-parameters'] });
    expect(d.cells[2].language).toBe('python');
  });

  it('injects first without a parameters cell, and refuses names Python cannot assign', () => {
    const d = doc(newCell('python', 'print(n)'));
    expect(injectParameters(d, { n: 1 }, { file: 'nb.ipynb' })).toBe(0);
    expect(d.cells[0].source).toBe('# Parameters\nn = 1');
    expect(() => injectParameters(d, { 'a-b': 1 }, { file: 'nb.ipynb', task: 't' })).toThrow(
      expect.objectContaining({ code: 'PIPELINE_INVALID', location: { file: 'nb.ipynb', task: 't' } }),
    );
  });
});
