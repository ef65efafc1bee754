import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppPage, screenshot, useServedApp } from './pages';

/** A 4x4 red PNG. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEklEQVR4nGP8z4AATAxEcQAz0QEHOoQ+uAAAAABJRU5ErkJggg==';

const julia = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {
    kernelspec: { name: 'julia-1.10', display_name: 'Julia 1.10', language: 'julia' },
    language_info: { name: 'julia' },
  },
  cells: [
    {
      cell_type: 'markdown',
      id: 'intro',
      metadata: {},
      source: ['# Julia notes\n', '\n', 'Euler: $e^{i\\pi} + 1 = 0$\n', '\n', '![dot](attachment:dot.png)'],
      attachments: { 'dot.png': { 'image/png': PNG } },
    },
    {
      cell_type: 'code',
      execution_count: 7,
      id: 'sum',
      metadata: {},
      outputs: [
        { output_type: 'execute_result', execution_count: 7, data: { 'text/plain': ['55'] }, metadata: {} },
        { output_type: 'display_data', data: { 'text/latex': ['$\\frac{a}{b}$'] }, metadata: {} },
        {
          output_type: 'display_data',
          data: {
            'image/svg+xml': ['<svg width="20" height="20"><rect width="20" height="20" fill="teal"/></svg>'],
          },
          metadata: {},
        },
      ],
      source: ['sum(1:10)'],
    },
  ],
};

const v3 = {
  nbformat: 3,
  nbformat_minor: 0,
  metadata: { name: 'legacy' },
  worksheets: [
    {
      cells: [
        { cell_type: 'heading', level: 1, source: 'Old notebook', metadata: {} },
        {
          cell_type: 'code',
          language: 'python',
          input: 'print(1)',
          prompt_number: 1,
          metadata: {},
          outputs: [],
        },
      ],
    },
  ],
};

/** JSON as Jupyter writes it: sorted keys, one-space indent, a final newline. */
function jupyterJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  return `${JSON.stringify(sort(value), null, 1)}\n`;
}

const served = useServedApp({
  name: 'nbfidelity',
  viewport: { width: 1300, height: 900 },
  prepare: async (workspace) => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(workspace, 'notebooks'), { recursive: true });
    await writeFile(path.join(workspace, 'notebooks', 'julia.ipynb'), jupyterJson(julia));
    await writeFile(path.join(workspace, 'notebooks', 'legacy.ipynb'), JSON.stringify(v3));
  },
});

describe('notebooks from other tools', () => {
  it('opens a Julia notebook read-only with its outputs, math and attachments, and saves it unchanged', async () => {
    const { page, app } = served;
    const ui = new AppPage(page);
    await ui.open(app.url);
    const nb = await ui.openFile('notebooks/julia.ipynb');
    await nb.cell(1).waitFor();
    const badge = page.locator('[data-testid="cell-readonly-1"]');
    await expect.poll(() => badge.textContent()).toMatch(/julia/i);
    expect(await page.locator('[data-testid="cell-run-1"]').count()).toBe(0);
    expect(await nb.cellText(1)).toContain('sum(1:10)');
    const outputs = page.locator('[data-testid="cell-output-1"]');
    await expect.poll(() => outputs.textContent()).toContain('55');
    expect(await outputs.locator('.katex').count()).toBeGreaterThan(0);
    // An SVG without xmlns still draws as an image.
    const svgWidth = await outputs
      .locator('img.output-image')
      .first()
      .evaluate((img) => (img as HTMLImageElement).naturalWidth);
    expect(svgWidth).toBe(20);
    // The Markdown cell renders its math and its attached image.
    const md = nb.cell(0);
    expect(await md.locator('.katex').count()).toBeGreaterThan(0);
    const dot = md.locator('img[alt="dot"]');
    await expect.poll(() => dot.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(4);
    await screenshot(page, 'nbfidelity-01-julia');

    const file = path.join(served.workspace, 'notebooks', 'julia.ipynb');
    const before = await readFile(file, 'utf8');
    await nb.save();
    await expect.poll(async () => (await readFile(file, 'utf8')) === before).toBe(true);
  });

  it('upgrades an nbformat 3 notebook with a notice and leaves the file untouched until saved', async () => {
    const { page, app } = served;
    const ui = new AppPage(page);
    await ui.open(app.url);
    const file = path.join(served.workspace, 'notebooks', 'legacy.ipynb');
    const before = await readFile(file, 'utf8');
    const nb = await ui.openFile('notebooks/legacy.ipynb');
    const notices = page.locator('[data-testid="notebook-notices"]');
    await expect.poll(() => notices.textContent()).toMatch(/nbformat 3/);
    await expect.poll(() => nb.cell(0).textContent()).toContain('Old notebook');
    expect(await nb.cellText(1)).toContain('print(1)');
    await screenshot(page, 'nbfidelity-02-v3');
    expect(await readFile(file, 'utf8')).toBe(before);
    await nb.save();
    await expect.poll(async () => JSON.parse(await readFile(file, 'utf8')).nbformat).toBe(4);
  });
});
