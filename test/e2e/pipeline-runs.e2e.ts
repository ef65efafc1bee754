import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppPage, screenshot, useServedApp } from './pages';
import { PipelinesPage } from './pipelines-pages';

/**
 * The run operations of the Pipelines area, driven as a user does: backfill with its dry run, clear and mark,
 * the try's log (tail and search), a manual run with params, and cancel. Each pipeline is written by the test;
 * tasks that must stay running wait for a file the test writes when it is ready (never for a time).
 */

// No scheduled runs: the schedule's last interval (end_date) is long past and catchup is off.
const DAILY_REPORT = `id: daily_report
description: A daily report; new_metric was added after the report had run for a while
schedule: "@daily"
start_date: 2026-01-01
end_date: 2026-01-31
catchup: false
tasks:
  - id: extract
    type: shell
    command: echo extract {{ ds }}
  - id: transform
    type: shell
    command: echo transform {{ ds }}
    depends_on: [extract]
  - id: new_metric
    type: shell
    command: 'case "$LAKEBENCH_RUN_ID" in *__backfill__*) while [ ! -f backfill.gate ]; do sleep 0.1; done;; esac; echo metric {{ ds }}'
    depends_on: [transform]
`;

// The message is built by the shell, so the log's copy of the command never matches it.
const GUARDED = `id: guarded
tasks:
  - id: check_input
    type: shell
    command: 'test -f input.ready || { echo "$(basename "$PWD")/input.ready not found" >&2; exit 3; }; echo input ok'
  - id: process
    type: shell
    command: echo processed
    depends_on: [check_input]
  - id: publish
    type: shell
    command: echo published
    depends_on: [process]
`;

const CHATTY = `id: chatty
tasks:
  - id: talk
    type: shell
    command: 'w=check; for i in $(seq 1 300); do if [ $((i % 50)) -eq 0 ]; then echo "step $i: \${w}point reached"; else echo "step $i: working"; fi; done; while [ ! -f talk.gate ]; do sleep 0.1; done; echo all done'
`;

const PARAMS_DEMO = `id: params_demo
params:
  region: { type: string, default: eu, description: Where the report is for }
  rows: { type: integer, default: 10, minimum: 1, maximum: 1000, description: Rows in the report }
tasks:
  - id: report
    type: shell
    command: echo "report for {{ params.region }} with {{ params.rows }} rows on {{ ds }}"
`;

const LONG_JOB = `id: long_job
tasks:
  - id: prepare
    type: shell
    command: echo prepared
  - id: crunch
    type: shell
    command: echo crunching; sleep 600
    depends_on: [prepare]
  - id: finish
    type: shell
    command: echo finished
    depends_on: [crunch]
`;

const served = useServedApp({
  name: 'pipeline-runs',
  prepare: async (workspace) => {
    await mkdir(path.join(workspace, 'pipelines'), { recursive: true });
    const files = {
      daily_report: DAILY_REPORT,
      guarded: GUARDED,
      chatty: CHATTY,
      params_demo: PARAMS_DEMO,
      long_job: LONG_JOB,
    };
    for (const [id, yaml] of Object.entries(files))
      await writeFile(path.join(workspace, 'pipelines', `${id}.yaml`), yaml);
  },
});

const RUN_TIMEOUT = { timeout: 60_000 };

async function openPipeline(id: string): Promise<PipelinesPage> {
  await new AppPage(served.page).open(served.app.url);
  const pl = new PipelinesPage(served.page);
  await pl.open();
  await pl.openPipeline(id);
  return pl;
}

/** Waits until a Grid square shows a state. */
async function squareState(pl: PipelinesPage, runIndex: number, task: string, state: string) {
  await expect.poll(() => pl.square(runIndex, task).getAttribute('data-state'), RUN_TIMEOUT).toBe(state);
}

describe('pipeline runs in the browser', () => {
  it('backfills a task just added over a date range: dry run first, one run at a time, never in the way of a manual run', async () => {
    const { page } = served;
    const pl = await openPipeline('daily_report');

    const dialog = await pl.openBackfill();
    await pl.setBackfillRange('2026-03-01', '2026-03-03');
    expect(await pl.backfillPlan()).toEqual([
      ['2026-03-01 00:00', 'create'],
      ['2026-03-02 00:00', 'create'],
      ['2026-03-03 00:00', 'create'],
    ]);
    await expect.poll(() => pl.backfillSummary().textContent()).toMatch(/^3 new runs · every task/);
    await pl.limitBackfillTo(['new_metric']);
    await pl.setBackfillRunsAtATime(1);
    await expect
      .poll(() => pl.backfillSummary().textContent())
      .toMatch(/3 new runs · only new_metric · 1 run at a time/);
    expect(await pl.backfillPlan()).toHaveLength(3);
    expect(await dialog.getByRole('button', { name: 'Start backfill (3 runs)' }).isEnabled()).toBe(true);
    await screenshot(page, 'pipeline-runs-01-backfill-dry-run');
    await pl.startBackfill();

    // One backfill run at a time: the first runs (its task waits for the gate), the others wait their turn.
    await pl.tab('grid');
    await squareState(pl, 0, 'new_metric', 'running');
    expect(await pl.runState(0)).toBe('running');
    expect(await pl.runState(1)).toBe('queued');
    expect(await pl.runState(2)).toBe('queued');
    // Only new_metric is in these runs: the other tasks have no square to click.
    for (let i = 0; i < 3; i++) {
      for (const task of ['extract', 'transform']) {
        await expect.poll(() => pl.square(i, task).getAttribute('class')).toContain('absent');
        expect(await pl.square(i, task).isDisabled()).toBe(true);
      }
    }

    // A manual run meanwhile is not starved: it runs every task to the end while the backfill still holds.
    await pl.run();
    for (const task of ['extract', 'transform', 'new_metric']) await squareState(pl, 3, task, 'success');
    // The run ends just after its last task (its own event).
    await expect.poll(() => pl.runState(3), RUN_TIMEOUT).toBe('success');
    expect(await pl.runState(0)).toBe('running');
    expect(await pl.runState(2)).toBe('queued');
    await screenshot(page, 'pipeline-runs-02-backfill-held-manual-done');

    await writeFile(path.join(served.workspace, 'backfill.gate'), '');
    for (let i = 0; i < 3; i++) await squareState(pl, i, 'new_metric', 'success');
    await expect.poll(() => pl.runState(2), RUN_TIMEOUT).toBe('success');
    await pl.openSquare(1, 'new_metric');
    await expect.poll(() => pl.tryLog().textContent()).toContain('metric 2026-03-02');
    await screenshot(page, 'pipeline-runs-03-backfill-done');

    // After a reload the Grid still shows the backfill's runs without the tasks they never had.
    await page.reload();
    await pl.open();
    await pl.openPipeline('daily_report');
    await pl.tab('grid');
    await squareState(pl, 2, 'new_metric', 'success');
    expect(await pl.square(2, 'extract').getAttribute('class')).toContain('absent');
    expect(await pl.square(3, 'extract').getAttribute('class')).not.toContain('absent');

    // The dry run over a wider range: the existing runs get the tasks they never had; a new date a new run.
    await pl.openBackfill();
    await pl.setBackfillRange('2026-03-01', '2026-03-04');
    expect(await pl.backfillPlan()).toEqual([
      ['2026-03-01 00:00', 'fill'],
      ['2026-03-02 00:00', 'fill'],
      ['2026-03-03 00:00', 'fill'],
      ['2026-03-04 00:00', 'create'],
    ]);
    await expect
      .poll(() => pl.backfillSummary().textContent())
      .toMatch(/^1 new run, 3 existing runs run the tasks they never had/);
    await expect
      .poll(() => pl.loc('backfill-plan').textContent())
      .toContain('adds and runs extract, transform');
    await screenshot(page, 'pipeline-runs-04-backfill-fill-plan');
    await page.keyboard.press('Escape');
    await pl.loc('backfill-dialog').waitFor({ state: 'detached' });
  });

  it('shows a failed task with its error and log, clears it with downstream after the fix, and marks tasks by hand', async () => {
    const { page } = served;
    const pl = await openPipeline('guarded');
    await pl.run();
    await pl.tab('grid');
    await squareState(pl, 0, 'check_input', 'failed');
    await squareState(pl, 0, 'process', 'upstream_failed');
    await squareState(pl, 0, 'publish', 'upstream_failed');
    await expect.poll(() => pl.runState(0)).toBe('failed');

    await pl.openSquare(0, 'check_input');
    expect(await pl.tryState().textContent()).toBe('failed');
    expect(await pl.tryError().textContent()).toMatch(/TASK_FAILED.*exited with code 3/);
    await expect.poll(() => pl.tryLog().textContent()).toContain('workspace/input.ready not found');
    expect(await pl.loc('try-details').textContent()).toContain('exit code 3');
    await screenshot(page, 'pipeline-runs-05-failed-task');

    // The downstream tasks never ran, and say why.
    await pl.openSquare(0, 'process');
    expect(await pl.tryState().textContent()).toBe('upstream failed');
    expect(await pl.loc('try-details').textContent()).toContain('a task it depends on failed');

    // Fix the cause, then clear the failed task and everything downstream: all of it runs again.
    await writeFile(path.join(served.workspace, 'input.ready'), '');
    await pl.openSquare(0, 'check_input');
    await pl.clearTaskAndDownstream();
    for (const task of ['check_input', 'process', 'publish']) await squareState(pl, 0, task, 'success');
    await expect.poll(() => pl.runState(0), RUN_TIMEOUT).toBe('success');
    await expect.poll(() => pl.tryState().textContent()).toBe('success');
    await pl.loc('try-select-2').waitFor();
    await expect.poll(() => pl.tryLog().textContent()).toContain('input ok');
    await screenshot(page, 'pipeline-runs-06-cleared-green');
    await pl.openSquare(0, 'publish');
    await expect.poll(() => pl.tryLog().textContent()).toContain('published');

    // Mark failed with downstream: process and publish fail, the task upstream keeps its state, the run fails.
    await pl.openSquare(0, 'process');
    await pl.markTask('failed', true);
    await squareState(pl, 0, 'process', 'failed');
    await squareState(pl, 0, 'publish', 'failed');
    expect(await pl.square(0, 'check_input').getAttribute('data-state')).toBe('success');
    await expect.poll(() => pl.runState(0)).toBe('failed');
    await expect
      .poll(() => pl.loc('try-details').textContent())
      .toContain('Marked failed by hand; the try itself succeeded.');
    await screenshot(page, 'pipeline-runs-07-marked-failed');

    // Mark success on process alone: publish (a leaf) is still failed, so the run stays failed...
    await pl.markTask('success');
    await squareState(pl, 0, 'process', 'success');
    expect(await pl.square(0, 'publish').getAttribute('data-state')).toBe('failed');
    expect(await pl.runState(0)).toBe('failed');
    // ...until publish is marked success too.
    await pl.openSquare(0, 'publish');
    await pl.markTask('success');
    await squareState(pl, 0, 'publish', 'success');
    await expect.poll(() => pl.runState(0)).toBe('success');
  });

  it("tails a running try's log and searches it: match count, marked matches, context lines, next and previous", async () => {
    const { page } = served;
    const pl = await openPipeline('chatty');
    await pl.run();
    await pl.tab('grid');
    await squareState(pl, 0, 'talk', 'running');
    await pl.openSquare(0, 'talk');

    // The log tails while the try runs.
    await expect.poll(() => pl.tryLog().textContent(), RUN_TIMEOUT).toContain('step 299: working');
    expect(await pl.tryLog().getAttribute('data-complete')).toBe('false');
    // What the running try runs is shown while it runs.
    await expect.poll(() => pl.loc('try-rendered').textContent()).toContain('w=check; for i in $(seq 1 300)');

    // The runner's two lines come first, so "step n" is on line n + 2.
    await pl.searchLog('CHECKPOINT');
    await expect.poll(() => pl.logSearchCount().textContent()).toBe('1 of 6 matches');
    expect(await pl.logMatches().count()).toBe(6);
    expect(await pl.currentMatchLine()).toBe('52');
    const first = pl.logMatches().first();
    expect(await first.locator('[data-testid="log-hit"] mark').allTextContents()).toEqual(['checkpoint']);
    const context = await first.locator('[data-testid="log-context"]').allTextContents();
    expect(context).toEqual([
      '49step 47: working',
      '50step 48: working',
      '51step 49: working',
      '53step 51: working',
      '54step 52: working',
      '55step 53: working',
    ]);
    await screenshot(page, 'pipeline-runs-08-log-search');

    await pl.nextMatch();
    await pl.nextMatch();
    expect(await pl.currentMatchLine()).toBe('152');
    await expect.poll(() => pl.logSearchCount().textContent()).toBe('3 of 6 matches');
    await pl.previousMatch();
    expect(await pl.currentMatchLine()).toBe('102');
    await pl.previousMatch();
    await pl.previousMatch();
    // Before the first comes the last; Enter in the box steps forward too.
    expect(await pl.currentMatchLine()).toBe('302');
    await pl.loc('log-search-input').press('Enter');
    expect(await pl.currentMatchLine()).toBe('52');

    // Fewer context lines; a regular expression.
    await pl.loc('log-search-context').selectOption('1');
    await expect.poll(() => first.locator('[data-testid="log-context"]').count()).toBe(2);
    await pl.loc('log-search-regex').click();
    await pl.searchLog('step (1|2)50:');
    await expect.poll(() => pl.logSearchCount().textContent()).toBe('1 of 2 matches');
    expect(await pl.logMatches().first().locator('mark').textContent()).toBe('step 150:');

    // The try ends: the log has its last line, and the search still finds what it found.
    await writeFile(path.join(served.workspace, 'talk.gate'), '');
    await expect.poll(() => pl.tryLog().getAttribute('data-complete'), RUN_TIMEOUT).toBe('true');
    expect(await pl.tryLog().textContent()).toContain('all done');
    expect(await pl.tryState().textContent()).toBe('success');
    await expect.poll(() => pl.logSearchCount().textContent()).toBe('1 of 2 matches');
    await screenshot(page, 'pipeline-runs-09-log-complete');
  });

  it('runs with param overrides and shows the rendered command; marks a stuck task success; cancels a run', async () => {
    const { page } = served;
    const pl = await openPipeline('params_demo');
    await pl.openRunDialog();
    await pl.setRunParam('rows', '0');
    await expect.poll(() => pl.paramProblem('rows').textContent()).toMatch(/1/);
    expect(await pl.loc('pipeline-run-confirm').isDisabled()).toBe(true);
    await pl.setRunParam('rows', '25');
    await pl.setRunParam('region', 'us-west');
    await expect.poll(() => pl.paramProblem('rows').count()).toBe(0);
    await screenshot(page, 'pipeline-runs-10-run-dialog');
    await pl.confirmRun('2026-05-01');
    await pl.tab('grid');
    await squareState(pl, 0, 'report', 'success');
    await pl.openSquare(0, 'report');
    expect(await pl.loc('try-rendered').textContent()).toContain(
      'echo "report for us-west with 25 rows on 2026-05-01"',
    );
    await expect
      .poll(() => pl.tryLog().textContent())
      .toContain('report for us-west with 25 rows on 2026-05-01');
    await screenshot(page, 'pipeline-runs-11-rendered');

    // A stuck task marked success lets its downstream run, as in Airflow.
    await pl.openPipeline('long_job');
    await pl.run();
    await pl.tab('grid');
    await squareState(pl, 0, 'crunch', 'running');
    await pl.openSquare(0, 'crunch');
    await expect.poll(() => pl.tryLog().textContent(), RUN_TIMEOUT).toContain('crunching');
    await pl.markTask('success');
    await squareState(pl, 0, 'crunch', 'success');
    await squareState(pl, 0, 'finish', 'success');
    await expect.poll(() => pl.runState(0)).toBe('success');

    // Cancel a running run: the running task fails, the one after it is skipped, the run fails.
    await pl.run();
    await squareState(pl, 1, 'crunch', 'running');
    await screenshot(page, 'pipeline-runs-12-before-cancel');
    await pl.cancelRunningRun();
    const cancelled = pl.runRows().first();
    await expect.poll(() => cancelled.getAttribute('data-state'), RUN_TIMEOUT).toBe('failed');
    expect(await cancelled.textContent()).toMatch(/failed.*manual · cancelled/);
    expect(await page.locator('[data-testid^="run-cancel-"]').count()).toBe(0);
    await screenshot(page, 'pipeline-runs-13-cancelled-list');
    await pl.tab('grid');
    await squareState(pl, 1, 'prepare', 'success');
    await squareState(pl, 1, 'crunch', 'failed');
    await squareState(pl, 1, 'finish', 'skipped');
    expect(await pl.runState(1)).toBe('failed');
    await pl.openSquare(1, 'crunch');
    expect(await pl.tryError().textContent()).toMatch(/cancelled/);
    await screenshot(page, 'pipeline-runs-14-cancelled-grid');
  });
});
