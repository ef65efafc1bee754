import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePipelineYaml } from '../../shared/pipeline/parse';
import { AppPage, screenshot, useServedApp } from './pages';
import { PipelinesPage } from './pipelines-pages';

const served = useServedApp({ name: 'pipelines' });

async function readPipeline(id: string) {
  const text = await readFile(path.join(served.workspace, 'pipelines', `${id}.yaml`), 'utf8');
  return { text, parsed: parsePipelineYaml(text, { expectedId: id }) };
}

describe('pipelines in the browser', () => {
  it('builds a three-task pipeline by drag and drop, refuses a cycle, runs it and shows it green', async () => {
    const { page, app } = served;
    await new AppPage(page).open(app.url);
    const pl = new PipelinesPage(page);
    await pl.open();
    await pl.create('three');

    // Three shell tasks from the palette, each configured in the side form.
    const tasks = [
      { id: 'extract', x: 100, y: 160, command: 'echo 1' },
      { id: 'transform', x: 290, y: 280, command: 'echo 2' },
      { id: 'load', x: 480, y: 160, command: 'echo 3' },
    ];
    for (const t of tasks) {
      await pl.dropTask('shell', t.x, t.y);
      await pl.loc('task-form').waitFor();
      await pl.renameTask(t.id);
      await pl.typeCode(t.command);
    }
    await screenshot(page, 'pipelines-01-three-tasks');

    await pl.drawEdge('extract', 'transform');
    await pl.drawEdge('transform', 'load');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);

    // load -> extract would close extract -> transform -> load -> extract: refused, and the reason is shown
    // while the edge is still being drawn.
    let shownWhileDrawing = '';
    await pl.drawEdge('load', 'extract', async () => {
      await pl.refusal().waitFor({ timeout: 5000 });
      shownWhileDrawing = (await pl.refusal().textContent()) ?? '';
      await screenshot(page, 'pipelines-02-cycle-refused');
    });
    expect(shownWhileDrawing).toContain('load -> extract -> transform -> load');
    expect(shownWhileDrawing).toMatch(/cycle/);
    expect(await page.locator('.react-flow__edge').count()).toBe(2);

    // Saved as reviewable YAML: the commands typed, the edges as depends_on, positions not in it.
    await expect.poll(() => pl.saveState().textContent(), { timeout: 10_000 }).toBe('Saved');
    await expect
      .poll(async () =>
        (await readPipeline('three')).parsed.pipeline?.tasks.map((t) => [t.id, t.depends_on ?? []]),
      )
      .toEqual([
        ['extract', []],
        ['transform', ['extract']],
        ['load', ['transform']],
      ]);
    const { text, parsed } = await readPipeline('three');
    expect(parsed.problems).toEqual([]);
    expect(parsed.pipeline?.tasks.map((t) => (t.type === 'shell' ? t.command : null))).toEqual([
      'echo 1',
      'echo 2',
      'echo 3',
    ]);
    expect(text).not.toMatch(/position|"x"/);

    await pl.run();
    await pl.tab('grid');
    for (const t of tasks) {
      await expect
        .poll(() => pl.square(0, t.id).getAttribute('data-state'), { timeout: 60_000 })
        .toBe('success');
    }
    await screenshot(page, 'pipelines-03-grid-green');

    // The try's details: its log has what the command printed.
    await pl.square(0, 'transform').click();
    await expect.poll(() => pl.loc('try-log').textContent()).toContain('2');
    expect(await pl.loc('try-state').textContent()).toBe('success');
    await screenshot(page, 'pipelines-04-try-details');

    await pl.tab('graph');
    await expect.poll(() => pl.node('load').getAttribute('data-state')).toBe('success');
    await screenshot(page, 'pipelines-05-graph-coloured');
    await pl.tab('gantt');
    await pl.loc('gantt-bar-load-1').waitFor();
    await screenshot(page, 'pipelines-06-gantt');

    // Delete a task with the keyboard, then undo: the task, its edges and the file's exact bytes come back.
    const before = (await readPipeline('three')).text;
    await pl.tab('graph');
    await pl.node('load').click();
    await page.keyboard.press('Delete');
    await expect.poll(() => pl.node('load').count()).toBe(0);
    await expect.poll(async () => (await readPipeline('three')).text.includes('id: load')).toBe(false);
    await page.keyboard.press('ControlOrMeta+Z');
    await pl.node('load').waitFor();
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);
    await expect.poll(async () => (await readPipeline('three')).text).toBe(before);

    // The same pipeline as YAML; an edit there updates the graph.
    await pl.tab('yaml');
    await pl.loc('yaml-editor').locator('.monaco-editor').waitFor();
    await expect
      .poll(async () => ((await pl.loc('yaml-editor').textContent()) ?? '').replace(/\u00a0/g, ' '))
      .toContain('id: transform');
    await screenshot(page, 'pipelines-07-yaml');
  });
});
