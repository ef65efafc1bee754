import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PythonNotebookPage } from './kernel-pages';
import { AppPage, screenshot, useServedApp } from './pages';

/** A one-pixel red PNG. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function code(source: string) {
  return {
    cell_type: 'code',
    metadata: { lakebench: { language: 'python' } },
    source,
    outputs: [],
    execution_count: null,
  };
}

const served = useServedApp({
  name: 'kernel',
  viewport: { width: 1400, height: 1000 },
  prepare: async (workspace) => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(workspace, 'notebooks'), { recursive: true });
    const release = path.join(workspace, 'release.flag');
    const cells = [
      code(
        [
          'import os, time',
          'print("waiting for the test", flush=True)',
          `while not os.path.exists(${JSON.stringify(release)}):`,
          '    time.sleep(0.05)',
          'print("released")',
        ].join('\n'),
      ),
      code(
        [
          'import base64',
          'from IPython.display import HTML, Image, display',
          'display(HTML("<p>html <b>bold</b></p><script>parent.document.title = \'script ran\'</script>"))',
          `Image(data=base64.b64decode("${PNG}"), format="png")`,
        ].join('\n'),
      ),
      code('import time\nprint("sleeping", flush=True)\ntime.sleep(600)'),
      code('def check(x):\n    raise ValueError(f"bad value {x}")\n\ncheck(42)'),
    ].map((c, i) => ({ ...c, id: `py-${i}` }));
    await writeFile(
      path.join(workspace, 'notebooks', 'python.ipynb'),
      JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells }),
    );
  },
});

describe('Python cells in the browser', () => {
  it('runs a Python cell that prints a value and shows it, and a failing cell with its traceback', async () => {
    const { page, app } = served;
    const ui = new AppPage(page);
    await ui.open(app.url);
    await ui.createNotebook('py-first');
    const nb = new PythonNotebookPage(page);
    await nb.addPythonCell();
    await nb.cell(1).waitFor();
    await nb.runCell(1, 'answer = 6 * 7\nprint("the answer is", answer)');
    await nb.waitForStatus(1, 'succeeded');
    await expect.poll(() => nb.outputText(1)).toBe('the answer is 42\n');
    await nb.waitForKernel('idle');
    await screenshot(page, 'kernel-01-print');

    // Shift+Enter added a Python cell below; it raises.
    await nb.cell(2).waitFor();
    await nb.runCell(2, 'answer / 0');
    await nb.waitForStatus(2, 'failed');
    const traceback = await nb.outputText(2);
    expect(traceback).toContain('ZeroDivisionError');
    expect(traceback).toContain('division by zero');
    expect(traceback).toContain('----> 1 answer / 0');
    // IPython's colours are drawn, not shown as escape codes.
    expect(traceback).not.toContain('\u001b');
    expect(traceback).not.toContain('[0;31m');
    await screenshot(page, 'kernel-02-traceback');

    // The outputs are saved into the .ipynb as nbformat.
    await nb.save();
    const file = path.join(served.workspace, 'notebooks', 'py-first.ipynb');
    await expect
      .poll(async () => (await readFile(file, 'utf8')).includes('ZeroDivisionError'), { timeout: 20_000 })
      .toBe(true);
    const saved = JSON.parse(await readFile(file, 'utf8')) as {
      cells: { metadata: { lakebench: { language: string } }; outputs: Record<string, unknown>[] }[];
    };
    expect(saved.cells[1].metadata.lakebench.language).toBe('python');
    expect(saved.cells[1].outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'the answer is 42\n' },
    ]);
    expect(saved.cells[2].outputs[0]).toMatchObject({
      output_type: 'error',
      ename: 'ZeroDivisionError',
      evalue: 'division by zero',
    });
  });

  it('streams output while a cell runs, shows HTML and images safely, interrupts and restarts the kernel', async () => {
    const { page, app } = served;
    const ui = new AppPage(page);
    await ui.open(app.url);
    const title = await page.title();
    await ui.openFile('notebooks/python.ipynb');
    const nb = new PythonNotebookPage(page);
    await nb.cell(3).waitFor();

    // The first line shows while the cell still runs: it waits for a file only the test writes.
    await nb.clickRun(0);
    await expect.poll(() => nb.outputText(0), { timeout: 60_000 }).toBe('waiting for the test\n');
    expect(await nb.cellStatus(0).textContent()).toBe('running');
    await screenshot(page, 'kernel-03-streaming');
    await writeFile(path.join(served.workspace, 'release.flag'), '');
    await nb.waitForStatus(0, 'succeeded');
    await expect.poll(() => nb.outputText(0)).toBe('waiting for the test\nreleased\n');

    await nb.clickRun(1);
    await nb.waitForStatus(1, 'succeeded');
    const frame = nb.outputs(1).locator('iframe');
    expect(await frame.getAttribute('sandbox')).toBe('allow-same-origin');
    await expect.poll(() => frame.contentFrame().locator('b').textContent()).toBe('bold');
    // The output's script did not run.
    expect(await page.title()).toBe(title);
    const image = nb.outputs(1).locator('img');
    expect(await image.getAttribute('src')).toBe(`data:image/png;base64,${PNG}`);
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
    await screenshot(page, 'kernel-04-rich-output');

    await nb.clickRun(2);
    await expect.poll(() => nb.outputText(2), { timeout: 60_000 }).toContain('sleeping');
    await nb.waitForKernel('busy');
    await nb.interrupt();
    await nb.waitForStatus(2, 'cancelled');
    expect(await nb.outputText(2)).toContain('KeyboardInterrupt');
    await nb.waitForKernel('idle');

    await nb.clickRun(3);
    await nb.waitForStatus(3, 'failed');
    const tb = await nb.outputText(3);
    expect(tb).toContain('ValueError: bad value 42');
    expect(tb).toContain('raise ValueError(f"bad value {x}")');
    await screenshot(page, 'kernel-05-interrupt-and-error');

    // After a restart the kernel has forgotten what earlier cells defined (cell 1 imported os).
    await nb.restart();
    await nb.waitForKernel('idle');
    await nb.addPythonCell();
    await nb.cell(4).waitFor();
    await nb.runCell(4, 'os.getcwd()');
    await nb.waitForStatus(4, 'failed');
    await expect.poll(() => nb.outputText(4)).toContain("NameError: name 'os' is not defined");
    expect(existsSync(path.join(served.workspace, 'release.flag'))).toBe(true);
  });
});
