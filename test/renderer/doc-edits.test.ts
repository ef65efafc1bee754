import { describe, expect, it } from 'vitest';
import { newCell, type NotebookDocument } from '../../shared/notebook/model';
import {
  insertCell,
  maxExecutionCount,
  moveCell,
  removeCell,
  setLanguage,
  setOutputs,
  setSource,
} from '../../renderer/notebooks/doc-edits';

function doc(): NotebookDocument {
  const cells = ['a', 'b', 'c'].map((id) => ({ ...newCell('sql', `SELECT '${id}'`), id }));
  return { metadata: {}, nbformatMinor: 5, cells };
}

describe('notebook edits', () => {
  it('inserts, removes and moves cells', () => {
    const d = doc();
    const x = { ...newCell('markdown'), id: 'x' };
    expect(insertCell(d, 1, x).cells.map((c) => c.id)).toEqual(['a', 'x', 'b', 'c']);
    expect(insertCell(d, 99, x).cells.map((c) => c.id)).toEqual(['a', 'b', 'c', 'x']);
    expect(removeCell(d, 'b').cells.map((c) => c.id)).toEqual(['a', 'c']);
    expect(removeCell(d, 'zz')).toBe(d);
    expect(moveCell(d, 'a', 1).cells.map((c) => c.id)).toEqual(['b', 'a', 'c']);
    expect(moveCell(d, 'a', -1)).toBe(d);
    expect(moveCell(d, 'c', 1)).toBe(d);
  });

  it('changes source and language; outputs go with the old language', () => {
    let d = setOutputs(doc(), 'a', [{ output_type: 'execute_result' }], 4);
    expect(maxExecutionCount(d)).toBe(4);
    expect(setSource(d, 'a', d.cells[0].source)).toBe(d);
    d = setSource(d, 'a', 'SELECT 1');
    expect(d.cells[0].source).toBe('SELECT 1');
    d = setLanguage(d, 'a', 'markdown');
    expect(d.cells[0]).toMatchObject({ language: 'markdown', outputs: [], executionCount: null });
  });
});
