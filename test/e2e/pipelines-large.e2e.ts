import { readFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PipelineRunStore } from '../../electron/core/pipelines/pipeline-run-store';
import { pipelineTestIds as ids } from '../../renderer/pipelines/testids';
import { AppPage, screenshot, useServedApp } from './pages';
import { PipelinesPage } from './pipelines-pages';

const TASKS = 5000;
const RUNS = 3;

/** Ranks of ten tasks, each on one of the rank before, every seventh also on one four ranks back. */
function pipelineYaml(id: string): string {
  const lines = [`id: ${id}`, 'schedule: null', 'tasks:'];
  for (let i = 0; i < TASKS; i++) {
    const deps =
      i === 0 ? [] : i < 10 ? ['t0'] : [`t${i - 10}`, ...(i % 7 === 0 && i >= 37 ? [`t${i - 37}`] : [])];
    lines.push(
      `  - { id: t${i}, type: sql, sql: "SELECT ${i}"${deps.length ? `, depends_on: [${deps.join(', ')}]` : ''} }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Finished runs of `big` written into the run store before the server starts. */
function seedRuns(workspace: string): void {
  const store = new PipelineRunStore(path.join(workspace, '.lakebench', 'pipelines.db'));
  try {
    const definition = JSON.stringify({
      id: 'big',
      tasks: Array.from({ length: TASKS }, (_, i) => ({ id: `t${i}`, type: 'sql', sql: `SELECT ${i}` })),
    });
    const run = store.db.prepare(
      `INSERT INTO runs (run_id, pipeline_id, run_type, state, logical_date, interval_start, interval_end,
         queued_at, started_at, ended_at, params, definition)
       VALUES (?, 'big', 'manual', ?, ?, ?, ?, ?, ?, ?, '{}', ?)`,
    );
    const ti = store.db.prepare(
      `INSERT INTO task_instances (run_id, task_id, task_type, state, try_number, max_tries, started_at, ended_at)
       VALUES (?, ?, 'sql', ?, 1, 1, ?, ?)`,
    );
    store.db.transaction(() => {
      for (let r = 0; r < RUNS; r++) {
        const day = `2026-01-0${r + 1}T00:00:00.000Z`;
        const runId = `big__manual__${day}`;
        const failed = r === RUNS - 1;
        run.run(runId, failed ? 'failed' : 'success', day, day, day, day, day, day, definition);
        for (let i = 0; i < TASKS; i++) {
          const state =
            failed && i >= TASKS - 20 ? (i === TASKS - 20 ? 'failed' : 'upstream_failed') : 'success';
          ti.run(runId, `t${i}`, state, day, day);
        }
      }
    })();
  } finally {
    store.close();
  }
}

const served = useServedApp({
  name: 'pipelines-large',
  prepare: async (workspace) => {
    await mkdir(path.join(workspace, 'pipelines'), { recursive: true });
    await mkdir(path.join(workspace, '.lakebench'), { recursive: true });
    await writeFile(path.join(workspace, 'pipelines', 'big.yaml'), pipelineYaml('big'));
    seedRuns(workspace);
  },
});

async function openPipeline(id: string): Promise<PipelinesPage> {
  const { page, app } = served;
  await new AppPage(page).open(app.url);
  const pl = new PipelinesPage(page);
  await pl.open();
  await pl.loc(ids.item(id)).click();
  await pl.loc(ids.canvas).waitFor();
  return pl;
}

async function savedPositions(id: string): Promise<Record<string, { x: number; y: number }> | null> {
  const text = await readFile(path.join(served.workspace, 'pipelines', `${id}.layout.json`), 'utf8').catch(
    () => null,
  );
  return text
    ? (JSON.parse(text) as { positions: Record<string, { x: number; y: number }> }).positions
    : null;
}

describe('a 5,000-task pipeline in the browser', () => {
  it('stops a background layout on request and stays usable', async () => {
    const pl = await openPipeline('big');
    await pl.loc(ids.layoutProgress).waitFor();
    await pl.loc(ids.layoutCancel).click();
    await pl.loc(ids.layoutProgress).waitFor({ state: 'detached' });
    await pl.selectNode('t2');
    expect(await savedPositions('big')).toBeNull();
  });

  it('opens at once, lays itself out in the background while a task is selected, and keeps the layout', async () => {
    const pl = await openPipeline('big');
    const { page } = served;
    // Shown at once in a grid while dagre works in a worker; only the tasks in view are drawn.
    await expect
      .poll(() => pl.loc(ids.layoutProgress).textContent(), { timeout: 20_000 })
      .toContain('Laying out 5,000 tasks');
    await pl.node('t0').waitFor();
    expect(await page.locator('.react-flow__node').count()).toBeLessThan(TASKS / 10);
    await pl.selectNode('t1');
    await screenshot(page, 'pipelines-large-01-laying-out');

    await pl.loc(ids.layoutProgress).waitFor({ state: 'detached', timeout: 100_000 });
    await expect
      .poll(async () => Object.keys((await savedPositions('big')) ?? {}).length, { timeout: 20_000 })
      .toBe(TASKS);
    const positions = (await savedPositions('big')) as Record<string, { x: number; y: number }>;
    expect(positions.t0.x).toBeLessThan(positions.t10.x);
    expect(positions.t10.x).toBeLessThan(positions.t4990.x);
    // Opened at its upstream end, readable; the form still shows the selected task.
    await pl.node('t0').waitFor();
    expect(await pl.loc(ids.taskIdInput).inputValue()).toBe('t1');
    expect(await pl.node('t0').locator('.task-node-id').textContent()).toBe('t0');
    await pl.loc(ids.overview).waitFor();
    await screenshot(page, 'pipelines-large-02-laid-out');

    await pl.loc(ids.fit).click();
    await expect.poll(() => page.locator('.task-node.far').count(), { timeout: 10_000 }).toBeGreaterThan(100);
    await screenshot(page, 'pipelines-large-03-whole');
  });

  it('reopens with its saved positions, coloured by a run, and a far task is reached from the map', async () => {
    const pl = await openPipeline('big');
    const { page } = served;
    await pl.node('t0').waitFor();
    expect(await pl.loc(ids.layoutProgress).count()).toBe(0);
    await expect.poll(() => pl.node('t0').getAttribute('data-state'), { timeout: 20_000 }).toBe('success');
    // The right end of the map is the downstream end of the pipeline, where the newest run failed.
    const map = await pl.loc(ids.overview).boundingBox();
    if (!map) throw new Error('the overview map is not shown');
    await page.mouse.click(map.x + map.width * 0.97, map.y + map.height / 2);
    await expect
      .poll(() => page.locator('.task-node[data-state="upstream_failed"]').count())
      .toBeGreaterThan(0);
    await screenshot(page, 'pipelines-large-04-downstream-end');
  });

  it('shows every task of every run in the Grid, drawing only the rows in view', async () => {
    const pl = await openPipeline('big');
    const { page } = served;
    await pl.tab('grid');
    await expect
      .poll(() => pl.square(0, 't0').getAttribute('data-state'), { timeout: 20_000 })
      .toBe('success');
    await screenshot(page, 'pipelines-large-05-grid-top');
    expect(await page.locator('.grid-row').count()).toBeLessThan(100);
    await page.locator('.grid-scroll').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect
      .poll(() => pl.square(RUNS - 1, 't4999').getAttribute('data-state'), { timeout: 10_000 })
      .toBe('upstream_failed');
    expect(await pl.square(RUNS - 1, 't4980').getAttribute('data-state')).toBe('failed');
    expect(await page.locator('.grid-row').count()).toBeLessThan(100);
    await screenshot(page, 'pipelines-large-06-grid-bottom');
  });
});
