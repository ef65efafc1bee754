import { describe, expect, it } from 'vitest';
import { LakebenchError } from '../../shared/errors';
import { parseIpynb, serializeIpynb, splitLines } from '../../shared/notebook/ipynb';
import { emptyNotebook, newCell } from '../../shared/notebook/model';

const jupyterNotebook = {
  cells: [
    { cell_type: 'markdown', id: 'md1', metadata: {}, source: ['# Hello\n', 'world'] },
    {
      cell_type: 'code',
      execution_count: 3,
      id: 'c1',
      metadata: { tags: ['keep'] },
      outputs: [{ output_type: 'stream', name: 'stdout', text: ['hi\n'] }],
      source: 'print("hi")',
    },
    { cell_type: 'raw', id: 'r1', metadata: {}, source: 'raw text' },
  ],
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, custom: 1 },
  nbformat: 4,
  nbformat_minor: 4,
};

describe('ipynb', () => {
  it('reads a Jupyter notebook, taking the kernel language as the default', () => {
    const doc = parseIpynb(JSON.stringify(jupyterNotebook), 'a.ipynb');
    expect(doc.cells.map((c) => [c.id, c.language, c.source])).toEqual([
      ['md1', 'markdown', '# Hello\nworld'],
      ['c1', 'python', 'print("hi")'],
      ['r1', 'markdown', 'raw text'],
    ]);
    expect(doc.cells[1].executionCount).toBe(3);
    expect(doc.cells[1].metadata).toEqual({ tags: ['keep'] });
  });

  it('keeps what it does not understand on a round trip', () => {
    const doc = parseIpynb(JSON.stringify(jupyterNotebook), 'a.ipynb');
    const out = JSON.parse(serializeIpynb(doc));
    expect(out.nbformat).toBe(4);
    expect(out.nbformat_minor).toBe(5);
    expect(out.metadata.kernelspec.name).toBe('python3');
    expect(out.metadata.custom).toBe(1);
    expect(out.cells[1].outputs).toEqual(jupyterNotebook.cells[1].outputs);
    // A Python notebook's Python cells need no Lakebench key: Jupyter's file stays Jupyter's.
    expect(out.cells[1].metadata).toEqual({ tags: ['keep'] });
    expect(out.metadata.lakebench).toBeUndefined();
    expect(out.cells[2].cell_type).toBe('raw');
    expect(out.cells[0].source).toEqual(['# Hello\n', 'world']);
  });

  it('stores the cell language in metadata and reads it back', () => {
    const doc = emptyNotebook();
    doc.cells = [newCell('sql', 'SELECT 1;\nSELECT 2\n'), newCell('markdown', 'text')];
    const text = serializeIpynb(doc);
    expect(text.endsWith('\n')).toBe(true);
    const again = parseIpynb(text, 'x.ipynb');
    expect(again.cells.map((c) => [c.id, c.language, c.source])).toEqual(
      doc.cells.map((c) => [c.id, c.language, c.source]),
    );
    expect(serializeIpynb(again)).toBe(text);
  });

  it('names the line and column of broken JSON', () => {
    const broken = '{\n "cells": [\n  {"cell_type": "code",,}\n ]\n}';
    try {
      parseIpynb(broken, 'notebooks/broken.ipynb');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(LakebenchError);
      const e = err as LakebenchError;
      expect(e.code).toBe('NOTEBOOK_INVALID');
      expect(e.message).toMatch(/notebooks\/broken\.ipynb: is not valid JSON at line 3, column 24/);
      expect(e.location).toMatchObject({ file: 'notebooks/broken.ipynb', line: 3, column: 24 });
    }
  });

  it('refuses other nbformat versions and malformed cells', () => {
    expect(() => parseIpynb('{"nbformat": 2, "cells": []}', 'a.ipynb')).toThrow(/only nbformat 4/);
    expect(() => parseIpynb('{"nbformat": 3, "cells": []}', 'a.ipynb')).toThrow(/must have "worksheets"/);
    expect(() => parseIpynb('{"nbformat": 4}', 'a.ipynb')).toThrow(/"cells" must be a list/);
    expect(() => parseIpynb('{"nbformat": 4, "cells": [{"cell_type": "weird"}]}', 'a.ipynb')).toThrow(
      /cell 1: unknown cell_type "weird"/,
    );
    expect(() =>
      parseIpynb('{"nbformat": 4, "cells": [{"cell_type": "code", "source": 5}]}', 'a.ipynb'),
    ).toThrow(/cell 1: "source" must be a string/);
    expect(() => parseIpynb('[]', 'a.ipynb')).toThrow(/top level must be a JSON object/);
  });

  it('gives duplicate or invalid cell ids fresh ones', () => {
    const doc = parseIpynb(
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [
          { cell_type: 'code', id: 'same', source: '' },
          { cell_type: 'code', id: 'same', source: '' },
          { cell_type: 'code', id: 'bad id!', source: '' },
        ],
      }),
      'a.ipynb',
    );
    const ids = doc.cells.map((c) => c.id);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[a-zA-Z0-9-_]{1,64}$/);
  });

  it('splits lines the way Jupyter stores them', () => {
    expect(splitLines('')).toEqual([]);
    expect(splitLines('a')).toEqual(['a']);
    expect(splitLines('a\nb\n')).toEqual(['a\n', 'b\n']);
  });
});
