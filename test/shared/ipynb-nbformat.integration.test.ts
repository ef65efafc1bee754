import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIpynb, serializeIpynb } from '../../shared/notebook/ipynb';
import { CELL_LANGUAGES, emptyNotebook, newCell, type NotebookCell } from '../../shared/notebook/model';
import { tempDir } from '../support/temp';

const PYTHON = '/usr/bin/python3';
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** Validates every notebook in a folder with Jupyter's nbformat; prints one line per invalid file. */
const VALIDATE = `
import sys, os, nbformat
bad = 0
for name in sorted(os.listdir(sys.argv[1])):
    try:
        nb = nbformat.read(os.path.join(sys.argv[1], name), as_version=4)
        nbformat.validate(nb)
    except Exception as e:
        bad += 1
        print(name, type(e).__name__, str(e).splitlines()[0][:200])
print("checked", len(os.listdir(sys.argv[1])), "invalid", bad)
`;

/** A small deterministic random source, so a failure names a reproducible notebook. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

const OUTPUTS = [
  { output_type: 'stream', name: 'stdout', text: ['line\n', 'more'] },
  { output_type: 'stream', name: 'stderr', text: 'warning\n' },
  {
    output_type: 'execute_result',
    execution_count: 3,
    data: { 'text/plain': '42', 'text/html': '<b>42</b>' },
    metadata: {},
  },
  {
    output_type: 'display_data',
    data: { 'image/png': PNG, 'application/json': { a: [1, 2] } },
    metadata: { 'image/png': { width: 1 } },
  },
  { output_type: 'error', ename: 'ValueError', evalue: 'bad', traceback: ['\u001b[31mValueError\u001b[0m'] },
  // What repairs must turn into something valid:
  { output_type: 'stream', name: 'other', text: 'x' },
  { output_type: 'execute_result', data: 'not a bundle' },
  { output_type: 'error', ename: 1 },
  { output_type: 'nonsense' },
];

const BAD_METADATA = [
  { tags: ['a', 'a', 'b,c'] },
  { collapsed: 'yes', scrolled: 7 },
  { jupyter: { source_hidden: 1, outputs_hidden: true } },
  { name: '' },
  { editable: 'no', custom: { anything: [1, 'x'] } },
];

function randomDoc(seed: number) {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const doc = emptyNotebook();
  doc.cells = [];
  const n = 1 + Math.floor(r() * 8);
  for (let i = 0; i < n; i++) {
    const cell: NotebookCell = newCell(
      pick(CELL_LANGUAGES),
      pick(['', 'SELECT 1', 'x = 1\nprint(x)\n', '# Title\n\n$e^x$']),
    );
    if (cell.language !== 'markdown') {
      cell.executionCount = r() < 0.5 ? null : 1 + Math.floor(r() * 9);
      cell.outputs = Array.from({ length: Math.floor(r() * 4) }, () => structuredClone(pick(OUTPUTS)));
    } else if (r() < 0.3) {
      cell.attachments = { 'dot.png': { 'image/png': PNG } };
    } else if (r() < 0.2) {
      cell.metadata.lakebench_raw = true;
    }
    if (r() < 0.4) cell.metadata = { ...cell.metadata, ...structuredClone(pick(BAD_METADATA)) };
    doc.cells.push(cell);
  }
  if (r() < 0.3) doc.metadata = { kernelspec: { name: 'python3' }, language_info: 7, title: ['x'] };
  return doc;
}

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => cleanup());

describe('what Lakebench writes validates with nbformat', () => {
  it('validates 300 generated notebooks, their re-reads, and notebooks read from other sources', async () => {
    const out = path.join(dir, 'out');
    await mkdir(out, { recursive: true });
    for (let seed = 1; seed <= 300; seed++) {
      const text = serializeIpynb(randomDoc(seed));
      await writeFile(path.join(out, `gen-${seed}.ipynb`), text);
      // Reading back and writing again is stable: a second save changes nothing.
      const again = serializeIpynb(parseIpynb(text, `gen-${seed}.ipynb`));
      expect(again, `seed ${seed}`).toBe(text);
    }
    const sources: Record<string, unknown> = {
      v3: {
        nbformat: 3,
        nbformat_minor: 0,
        metadata: { name: 'x' },
        worksheets: [
          {
            cells: [
              { cell_type: 'heading', level: 1, source: 'T', metadata: {} },
              {
                cell_type: 'code',
                input: '1',
                prompt_number: 1,
                language: 'python',
                collapsed: true,
                metadata: {},
                outputs: [{ output_type: 'pyout', prompt_number: 1, text: '1', metadata: {} }],
              },
            ],
          },
        ],
      },
      julia: {
        nbformat: 4,
        nbformat_minor: 5,
        metadata: { kernelspec: { name: 'julia', display_name: 'Julia', language: 'julia' } },
        cells: [
          { cell_type: 'code', id: 'j', metadata: {}, source: '1+1', outputs: [], execution_count: null },
        ],
      },
      older: {
        nbformat: 4,
        nbformat_minor: 2,
        metadata: { kernelspec: { name: 'python3', display_name: 'P', language: 'python' } },
        cells: [
          {
            cell_type: 'markdown',
            metadata: {},
            source: 'x',
            attachments: { 'a.png': { 'image/png': PNG } },
          },
        ],
      },
      broken: {
        nbformat: 4,
        nbformat_minor: 5,
        metadata: { kernelspec: 'python', language_info: { name: 'python', file_extension: 3 } },
        cells: [
          {
            cell_type: 'code',
            id: 'same',
            metadata: { tags: 'x' },
            source: '',
            outputs: [{ output_type: 'bad' }],
            execution_count: 'one',
          },
          { cell_type: 'markdown', id: 'same', metadata: {}, source: '', attachments: { bad: 5 } },
        ],
      },
    };
    for (const [name, raw] of Object.entries(sources)) {
      await writeFile(
        path.join(out, `src-${name}.ipynb`),
        serializeIpynb(parseIpynb(JSON.stringify(raw), name)),
      );
    }
    const result = execFileSync(PYTHON, ['-c', VALIDATE, out], { encoding: 'utf8' }).trim();
    expect(result).toBe('checked 304 invalid 0');
  });
});
