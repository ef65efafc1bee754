import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serveLakebench, type ServedApp } from '../support/serve';
import { tempDir } from '../support/temp';
import { AppPage, launchChromium, screenshot } from './pages';
import { RunsPage } from './runs-pages';

let browser: Browser;
let app: ServedApp;
let cleanup: () => Promise<void>;
let page: Page;
let errors: string[];

/** Calls the MLflow REST API as the official client does. */
async function mlflow<T>(endpoint: string, body: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${app.port}/api/2.0/mlflow/${endpoint}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${app.token}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${endpoint} answered ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** A finished run with params and a loss history of `steps` points. */
async function logRun(
  experimentId: string,
  name: string,
  params: Record<string, string>,
  lossScale: number,
): Promise<string> {
  const start = Date.now() - 60_000;
  const { run } = await mlflow<{ run: { info: { run_id: string } } }>('runs/create', {
    experiment_id: experimentId,
    run_name: name,
    start_time: start,
    tags: [{ key: 'mlflow.user', value: 'e2e' }],
  });
  const runId = run.info.run_id;
  const metrics = Array.from({ length: 40 }, (_, step) => ({
    key: 'loss',
    value: lossScale / (step + 1) + 0.05,
    timestamp: start + step * 1000,
    step,
  }));
  metrics.push({ key: 'accuracy', value: 1 - lossScale / 10, timestamp: start + 40_000, step: 39 });
  await mlflow('runs/log-batch', {
    run_id: runId,
    params: Object.entries(params).map(([key, value]) => ({ key, value })),
    metrics,
  });
  await mlflow('runs/update', { run_id: runId, status: 'FINISHED', end_time: start + 41_000 });
  return runId;
}

beforeAll(async () => {
  const tmp = await tempDir('lakebench-runs-e2e-');
  cleanup = tmp.cleanup;
  app = await serveLakebench(['--workspace', path.join(tmp.dir, 'workspace')]);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await cleanup?.();
});
beforeEach(async () => {
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
});
afterEach(async () => {
  await page.close();
  expect(errors, 'uncaught errors in the page').toEqual([]);
});

describe('the run tracker in the browser', () => {
  it('selects two runs, compares them, sees the differing param highlighted and both runs on one chart', async () => {
    const { experiment_id: experimentId } = await mlflow<{ experiment_id: string }>('experiments/create', {
      name: 'e2e-sweep',
    });
    const runA = await logRun(experimentId, 'lr-0.1', { learning_rate: '0.1', max_depth: '6' }, 2);
    const runB = await logRun(experimentId, 'lr-0.01', { learning_rate: '0.01', max_depth: '6' }, 4);

    const ui = new AppPage(page);
    await ui.open(app.url);
    const runs = new RunsPage(page);
    await runs.open();
    await runs.experiment(experimentId).click();
    await expect.poll(() => runs.rowRunIds()).toEqual(expect.arrayContaining([runA, runB]));
    expect(await runs.rowRunIds()).toHaveLength(2);
    await expect.poll(() => runs.count().textContent()).toMatch(/^2 runs/);
    await screenshot(page, 'runs-01-table');

    await runs.toggleRun(runA);
    await runs.toggleRun(runB);
    await expect.poll(() => runs.count().textContent()).toMatch(/2 selected/);
    await screenshot(page, 'runs-02-selected');
    await runs.compare();

    const view = page.locator('[data-testid="compare-view"]');
    expect(await view.getAttribute('data-run-count')).toBe('2');
    // The differing param is highlighted; the equal one is not.
    expect(await runs.paramRow('learning_rate').getAttribute('data-differs')).toBe('true');
    expect(await runs.paramRow('max_depth').getAttribute('data-differs')).toBe('false');
    const diffCells = runs.paramRow('learning_rate').locator('[data-testid="compare-diff-cell"]');
    expect(await diffCells.count()).toBe(1);
    expect(await diffCells.first().textContent()).toBe('0.01');
    expect(await runs.paramRow('max_depth').locator('[data-testid="compare-diff-cell"]').count()).toBe(0);
    // The lower final loss is marked best.
    const best = page.locator('[data-testid="compare-metric-loss"] [data-testid="compare-best-cell"]');
    expect(await best.count()).toBe(1);
    expect(Number(await best.textContent())).toBeCloseTo(2 / 40 + 0.05, 5);

    // Both runs drawn on the one loss chart, read back from the chart itself; the legend names both.
    await expect
      .poll(async () => ((await runs.chart('loss').getAttribute('data-series')) ?? '').split(',').sort())
      .toEqual([runA, runB].sort());
    expect(await runs.legend(runA).textContent()).toContain('lr-0.1');
    expect(await runs.legend(runB).textContent()).toContain('lr-0.01');
    await screenshot(page, 'runs-03-compare');

    // "Only differences" hides the equal param.
    await page.locator('[data-testid="compare-only-diff"]').check();
    await expect.poll(() => runs.paramRow('max_depth').count()).toBe(0);
    expect(await runs.paramRow('learning_rate').count()).toBe(1);

    await runs.chart('loss').scrollIntoViewIfNeeded();
    await screenshot(page, 'runs-04-compare-charts');
    await page.locator('[data-testid="compare-parallel"]').scrollIntoViewIfNeeded();
    await screenshot(page, 'runs-05-compare-plots');
  });

  it('checks the filter as it is typed and shows where it is wrong', async () => {
    const ui = new AppPage(page);
    await ui.open(app.url);
    const runs = new RunsPage(page);
    await runs.open();
    await runs.filter().click();
    await page.keyboard.type('params.learning_rate < 1');
    await runs.filterError().waitFor();
    expect(await runs.filterError().textContent()).toMatch(/column 22/);
    await screenshot(page, 'runs-06-filter-error');
    await runs.filter().fill("params.learning_rate = '0.1' or params.learning_rate = '0.5'");
    await runs.filter().press('Enter');
    await expect.poll(() => runs.count().textContent()).toMatch(/^1 runs?/);
    expect(await runs.filterError().count()).toBe(0);
  });
});
