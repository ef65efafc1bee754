import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../../shared/api/wire';
import { connectWs } from '../support/ws-client';
import { AppPage, screenshot, useServedApp } from './pages';
import { RunsPage } from './runs-pages';

const served = useServedApp({ name: 'runs', viewport: { width: 1400, height: 900 } });

/** Calls the MLflow REST API as the official client does. */
async function mlflow<T>(endpoint: string, body: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${served.app.port}/api/2.0/mlflow/${endpoint}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${served.app.token}` },
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

/** Uploads a file to a run's artifacts as `mlflow.log_artifact` does. */
async function putArtifact(
  experimentId: string,
  runId: string,
  rel: string,
  body: Uint8Array | string,
): Promise<void> {
  const res = await fetch(
    `http://127.0.0.1:${served.app.port}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/${rel}`,
    {
      method: 'PUT',
      headers: { Authorization: `Bearer ${served.app.token}` },
      body: new Blob([body as BlobPart]),
    },
  );
  if (!res.ok) throw new Error(`uploading ${rel} answered ${res.status}: ${await res.text()}`);
}

/** A 2x2 red PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);

describe('the run tracker in the browser', () => {
  it('selects two runs, compares them, sees the differing param highlighted and both runs on one chart', async () => {
    const { experiment_id: experimentId } = await mlflow<{ experiment_id: string }>('experiments/create', {
      name: 'e2e-sweep',
    });
    const runA = await logRun(experimentId, 'lr-0.1', { learning_rate: '0.1', max_depth: '6' }, 2);
    const runB = await logRun(experimentId, 'lr-0.01', { learning_rate: '0.01', max_depth: '6' }, 4);

    const ui = new AppPage(served.page);
    await ui.open(served.app.url);
    const runs = new RunsPage(served.page);
    await runs.open();
    await runs.experiment(experimentId).click();
    await expect.poll(() => runs.rowRunIds()).toEqual(expect.arrayContaining([runA, runB]));
    expect(await runs.rowRunIds()).toHaveLength(2);
    await expect.poll(() => runs.count().textContent()).toMatch(/^2 runs/);
    await screenshot(served.page, 'runs-01-table');

    await runs.toggleRun(runA);
    await runs.toggleRun(runB);
    await expect.poll(() => runs.count().textContent()).toMatch(/2 selected/);
    await screenshot(served.page, 'runs-02-selected');
    await runs.compare();

    const view = served.page.locator('[data-testid="compare-view"]');
    expect(await view.getAttribute('data-run-count')).toBe('2');
    // The differing param is highlighted; the equal one is not.
    expect(await runs.paramRow('learning_rate').getAttribute('data-differs')).toBe('true');
    expect(await runs.paramRow('max_depth').getAttribute('data-differs')).toBe('false');
    const diffCells = runs.paramRow('learning_rate').locator('[data-testid="compare-diff-cell"]');
    expect(await diffCells.count()).toBe(1);
    expect(await diffCells.first().textContent()).toBe('0.01');
    expect(await runs.paramRow('max_depth').locator('[data-testid="compare-diff-cell"]').count()).toBe(0);
    // The lower final loss is marked best.
    const best = served.page.locator('[data-testid="compare-metric-loss"] [data-testid="compare-best-cell"]');
    expect(await best.count()).toBe(1);
    expect(Number(await best.textContent())).toBeCloseTo(2 / 40 + 0.05, 5);

    // Both runs drawn on the one loss chart, read back from the chart itself; the legend names both.
    await expect
      .poll(async () => ((await runs.chart('loss').getAttribute('data-series')) ?? '').split(',').sort())
      .toEqual([runA, runB].sort());
    expect(await runs.legend(runA).textContent()).toContain('lr-0.1');
    expect(await runs.legend(runB).textContent()).toContain('lr-0.01');
    await screenshot(served.page, 'runs-03-compare');

    // "Only differences" hides the equal param.
    await served.page.locator('[data-testid="compare-only-diff"]').check();
    await expect.poll(() => runs.paramRow('max_depth').count()).toBe(0);
    expect(await runs.paramRow('learning_rate').count()).toBe(1);

    await runs.chart('loss').scrollIntoViewIfNeeded();
    await screenshot(served.page, 'runs-04-compare-charts');
    await served.page.locator('[data-testid="compare-parallel"]').scrollIntoViewIfNeeded();
    await screenshot(served.page, 'runs-05-compare-plots');
  });

  it('checks the filter as it is typed and shows where it is wrong', async () => {
    const ui = new AppPage(served.page);
    await ui.open(served.app.url);
    const runs = new RunsPage(served.page);
    await runs.open();
    await runs.filter().click();
    // Completion offers the logged keys after an entity.
    await served.page.keyboard.type('metrics.');
    await expect
      .poll(() => served.page.locator('[data-testid="runs-filter-suggestion"]').allTextContents())
      .toEqual(
        expect.arrayContaining([expect.stringContaining('loss'), expect.stringContaining('accuracy')]),
      );
    await served.page.keyboard.type('lo');
    await served.page.keyboard.press('Tab');
    expect(await runs.filter().inputValue()).toBe('metrics.loss ');
    await runs.filter().fill('');
    await served.page.keyboard.type('params.learning_rate < 1');
    await runs.filterError().waitFor();
    expect(await runs.filterError().textContent()).toMatch(/column 22/);
    await screenshot(served.page, 'runs-06-filter-error');
    await runs.filter().fill("params.learning_rate = '0.1' or params.learning_rate = '0.5'");
    await runs.filter().press('Enter');
    await expect.poll(() => runs.count().textContent()).toMatch(/^1 runs?/);
    expect(await runs.filterError().count()).toBe(0);
  });

  it('shows a run page with its description, tags and artifact previews, and marks a dead run failed', async () => {
    const { experiment_id: experimentId } = await mlflow<{ experiment_id: string }>('experiments/create', {
      name: 'e2e-run-page',
    });
    const runId = await logRun(experimentId, 'with-artifacts', { model: 'gbm' }, 3);
    await putArtifact(
      experimentId,
      runId,
      'eval/predictions.csv',
      'id,label,score\n1,cat,0.91\n2,"dog, big",0.42\n',
    );
    await putArtifact(experimentId, runId, 'config.json', '{"depth":6,"features":["a","b"]}');
    await putArtifact(experimentId, runId, 'plots/roc.png', PNG);
    const { run: dead } = await mlflow<{ run: { info: { run_id: string } } }>('runs/create', {
      experiment_id: experimentId,
      run_name: 'process-died',
      start_time: Date.now() - 5000,
    });

    const ui = new AppPage(served.page);
    await ui.open(served.app.url);
    const runs = new RunsPage(served.page);
    await runs.open();
    await runs.experiment(experimentId).click();
    await expect.poll(() => runs.rowRunIds()).toHaveLength(2);
    await runs.openRun(runId);
    expect(await runs.runStatus().textContent()).toBe('FINISHED');

    await served.page.locator('[data-testid="run-description-edit"]').click();
    await served.page.locator('.run-desc-text').fill('## Baseline\n\nGradient boosting, **depth 6**.');
    await served.page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect
      .poll(() => served.page.locator('[data-testid="run-description"] h2').textContent())
      .toBe('Baseline');
    expect(await served.page.locator('[data-testid="run-description"] strong').textContent()).toBe('depth 6');

    await served.page.getByLabel('New tag key').fill('team');
    await served.page.getByLabel('New tag value').fill('forecasting');
    await served.page.getByLabel('New tag value').press('Enter');
    await served.page.locator('[data-testid="run-tag-team"]').waitFor();

    await runs.artifact('eval').click();
    await runs.artifact('eval/predictions.csv').click();
    await expect
      .poll(() => runs.artifactPreview().locator('td').allTextContents())
      .toEqual(['1', 'cat', '0.91', '2', 'dog, big', '0.42']);
    await runs.artifact('config.json').click();
    await expect.poll(() => runs.artifactPreview().locator('pre').textContent()).toContain('"depth": 6');
    await runs.artifact('plots').click();
    await runs.artifact('plots/roc.png').click();
    await runs.artifactPreview().locator('img').waitFor();
    expect(
      await runs
        .artifactPreview()
        .locator('img')
        .evaluate((img: HTMLImageElement) => img.naturalWidth),
    ).toBe(2);
    await screenshot(served.page, 'runs-07-run-page');

    // The description went to the store as mlflow.note.content.
    const res = await fetch(`http://127.0.0.1:${served.app.port}/api/2.0/mlflow/runs/get?run_id=${runId}`, {
      headers: { Authorization: `Bearer ${served.app.token}` },
    });
    const { run } = (await res.json()) as { run: { data: { tags: { key: string; value: string }[] } } };
    const tags = Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
    expect(tags['mlflow.note.content']).toContain('## Baseline');
    expect(tags.team).toBe('forecasting');

    await served.page.locator('.runs-crumb').click();
    await runs.openRun(dead.info.run_id);
    expect(await runs.runStatus().textContent()).toBe('RUNNING');
    await served.page.locator('[data-testid="run-mark-failed"]').click();
    await expect.poll(() => runs.runStatus().textContent()).toBe('FAILED');
  });

  it('shows the registry: versions with stages, the history, and rolls Production back after a confirm', async () => {
    const { experiment_id: experimentId } = await mlflow<{ experiment_id: string }>('experiments/create', {
      name: 'e2e-registry',
    });
    const runId = await logRun(experimentId, 'candidate', { model: 'gbm' }, 1);
    await mlflow('registered-models/create', { name: 'churn' });
    for (let i = 0; i < 2; i++)
      await mlflow('model-versions/create', { name: 'churn', source: `runs:/${runId}/model`, run_id: runId });
    await mlflow('model-versions/transition-stage', {
      name: 'churn',
      version: '1',
      stage: 'Production',
      archive_existing_versions: false,
      comment: 'first release',
    });
    await mlflow('model-versions/transition-stage', {
      name: 'churn',
      version: '2',
      stage: 'Production',
      archive_existing_versions: true,
      comment: 'better recall',
    });

    const ui = new AppPage(served.page);
    await ui.open(served.app.url);
    const runs = new RunsPage(served.page);
    await runs.open();
    await runs.openModels();
    await served.page.locator('[data-testid="model-churn"]').click();
    await expect.poll(() => runs.modelVersion(2).locator('.stage-badge').textContent()).toBe('Production');
    expect(await runs.modelVersion(1).locator('.stage-badge').textContent()).toBe('Archived');
    const timeline = served.page.locator('[data-testid="model-timeline"] li');
    await expect.poll(() => timeline.count()).toBeGreaterThanOrEqual(4);
    expect(await served.page.locator('[data-testid="model-timeline"]').textContent()).toContain(
      'better recall',
    );

    await served.page.locator('[data-testid="model-rollback"]').click();
    await served.page.locator('.dialog input').fill('recall regression in prod');
    await screenshot(served.page, 'runs-08-rollback-confirm');
    await served.page.locator('[data-testid="dialog-ok"]').click();
    await expect.poll(() => runs.modelVersion(1).locator('.stage-badge').textContent()).toBe('Production');
    expect(await runs.modelVersion(2).locator('.stage-badge').textContent()).toBe('Archived');
    await expect
      .poll(() => served.page.locator('[data-testid="model-timeline"]').textContent())
      .toContain('recall regression in prod');
    await expect.poll(() => served.page.locator('[data-testid="model-churn"]').textContent()).toContain('v1');

    // Which version was in Production a minute from now: the one rolled back to.
    const later = new Date(Date.now() + 60_000 - new Date().getTimezoneOffset() * 60_000);
    await served.page
      .locator('[data-testid="model-version-at-input"]')
      .fill(later.toISOString().slice(0, 19));
    await served.page.getByRole('button', { name: 'Ask', exact: true }).click();
    await expect
      .poll(() => served.page.locator('[data-testid="model-version-at-result"]').textContent())
      .toMatch(/^Version 1 was in Production/);
    await screenshot(served.page, 'runs-09-registry');
  });

  it('follows runs logged while the table is open', async () => {
    const { experiment_id: experimentId } = await mlflow<{ experiment_id: string }>('experiments/create', {
      name: 'e2e-live',
    });
    await logRun(experimentId, 'first', { learning_rate: '0.3' }, 1);
    const ui = new AppPage(served.page);
    await ui.open(served.app.url);
    const runs = new RunsPage(served.page);
    await runs.open();
    await runs.experiment(experimentId).click();
    await expect.poll(() => runs.count().textContent()).toMatch(/^1 runs?/);
    const second = await logRun(experimentId, 'second', { learning_rate: '0.4' }, 1);
    await expect.poll(() => runs.rowRunIds(), { timeout: 10_000 }).toContain(second);
    expect(await runs.count().textContent()).toMatch(/^2 runs/);
    await expect.poll(() => runs.experiment(experimentId).textContent()).toContain('2');
  });

  it('compares runs of two experiments chosen together in the sidebar', async () => {
    const ids: string[] = [];
    const runIds: string[] = [];
    for (const name of ['e2e-cross-a', 'e2e-cross-b']) {
      const { experiment_id: experimentId } = await mlflow<{ experiment_id: string }>('experiments/create', {
        name,
      });
      ids.push(experimentId);
      runIds.push(
        await logRun(experimentId, `${name}-run`, { optimizer: name.endsWith('a') ? 'adam' : 'sgd' }, 2),
      );
    }
    const ui = new AppPage(served.page);
    await ui.open(served.app.url);
    const runs = new RunsPage(served.page);
    await runs.open();
    await runs.experiment(ids[0]).click();
    await runs.experiment(ids[1]).click({ modifiers: ['ControlOrMeta'] });
    await expect.poll(() => runs.rowRunIds()).toHaveLength(2);
    expect((await runs.rowRunIds()).sort()).toEqual([...runIds].sort());
    for (const id of runIds) await runs.toggleRun(id);
    await runs.compare();
    const experimentRow = served.page
      .locator('[data-testid="compare-view"] tr', { hasText: 'Experiment' })
      .first();
    expect(await experimentRow.textContent()).toMatch(/e2e-cross-a.*e2e-cross-b|e2e-cross-b.*e2e-cross-a/);
    expect(await runs.paramRow('optimizer').getAttribute('data-differs')).toBe('true');
  });

  it('selects every run the filter matches with the header checkbox, and compares the first 100 of them', async () => {
    const { experiment_id: experimentId } = await mlflow<{ experiment_id: string }>('experiments/create', {
      name: 'e2e-select-all',
    });
    // More matching runs than the table loads at first (a page is 500), and some the filter leaves out.
    const names = [
      ...Array.from({ length: 1050 }, (_, i) => `keep-${i}`),
      ...Array.from({ length: 40 }, (_, i) => `drop-${i}`),
    ];
    for (let i = 0; i < names.length; i += 25)
      await Promise.all(
        names
          .slice(i, i + 25)
          .map((name) =>
            mlflow('runs/create', { experiment_id: experimentId, run_name: name, start_time: Date.now() }),
          ),
      );

    // What the table asks the store for, read from the WebSocket frames the page sends.
    const searches: Record<string, unknown>[] = [];
    served.page.on('websocket', (ws) =>
      ws.on('framesent', ({ payload }) => {
        if (typeof payload === 'string') return;
        const message = decodeMessage(new Uint8Array(payload));
        if (message.t === 'call' && message.method === 'tracker.searchRuns')
          searches.push(message.args as Record<string, unknown>);
      }),
    );
    const ui = new AppPage(served.page);
    await ui.open(served.app.url);
    const runs = new RunsPage(served.page);
    await runs.open();
    await runs.experiment(experimentId).click();
    await runs.filter().fill("attributes.run_name LIKE 'keep-%'");
    await runs.filter().press('Enter');
    await expect.poll(() => runs.count().textContent()).toMatch(/^1,050 runs/);
    expect((await runs.rowRunIds()).length).toBeLessThan(1050);
    // The table asks for its columns' keys only, not for everything each run logged.
    expect(searches.length).toBeGreaterThan(0);
    for (const args of searches.filter((a) => !a.idsOnly)) expect(args.select).toBeDefined();

    await runs.selectAllRows();
    await expect.poll(() => runs.count().textContent()).toContain('All 1,050 matching runs selected');
    expect(searches.filter((a) => a.idsOnly)).toHaveLength(1);
    expect(await served.page.locator('[data-testid="runs-compare"]').textContent()).toContain(
      'Compare 100 of 1,050',
    );
    await screenshot(served.page, 'runs-10-select-all');

    // Unchecking one loaded run leaves the others selected, no longer "all".
    const [first] = await runs.rowRunIds();
    await runs.toggleRun(first);
    await expect.poll(() => runs.count().textContent()).toMatch(/1,049 selected$/);
    await runs.selectAllButton().click();
    await expect.poll(() => runs.count().textContent()).toContain('All 1,050 matching runs selected');

    await runs.compare();
    expect(await served.page.locator('[data-testid="compare-view"]').getAttribute('data-run-count')).toBe(
      '100',
    );
    expect(await runs.compareCapped().textContent()).toMatch(/first 100 of the 1,050 selected runs/);
    await screenshot(served.page, 'runs-11-compare-capped');

    // The header checkbox again clears the whole selection.
    await served.page.locator('.runs-crumb').click();
    await runs.selectAllRows();
    await expect.poll(() => runs.count().textContent()).toBe('1,050 runs');
  });

  it('links a pipeline task run to the pipeline, its run and the task, with the file version', async () => {
    const yaml = [
      'id: e2e_provenance',
      'tasks:',
      '  - id: flaky',
      '    type: shell',
      '    retries: 1',
      '    retry_delay: 0s',
      '    command: |',
      '      if [ ! -f "$LAKEBENCH_WORKSPACE/flaky.ok" ]; then touch "$LAKEBENCH_WORKSPACE/flaky.ok"; exit 1; fi',
      `      echo '::lakebench-output::{"score": 0.75}'`,
      '',
    ].join('\n');
    const { client, close } = await connectWs(
      `ws://127.0.0.1:${served.app.port}/api/ws?token=${served.app.token}`,
    );
    let pipelineRun: string;
    let tryRun: string;
    let experimentId: string | undefined;
    try {
      await client.call('pipelines.create', { id: 'e2e_provenance', yaml });
      pipelineRun = (await client.call('pipelines.trigger', { id: 'e2e_provenance' })).runId;
      await expect
        .poll(async () => (await client.call('pipelines.getRun', { runId: pipelineRun })).run.state, {
          timeout: 60_000,
        })
        .toBe('success');
      const detail = await client.call('pipelines.getRun', { runId: pipelineRun });
      const tries = detail.taskInstances.find((t) => t.taskId === 'flaky')?.tries ?? [];
      expect(tries.map((t) => t.state)).toEqual(['failed', 'success']);
      tryRun = tries[1].trackerRunId as string;
      experimentId = (await client.call('tracker.listExperiments', {})).find(
        (e) => e.name === 'pipeline:e2e_provenance',
      )?.experimentId;
    } finally {
      close();
    }
    const text = await readFile(path.join(served.workspace, 'pipelines', 'e2e_provenance.yaml'));
    const version = `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
    const ui = new AppPage(served.page);
    await ui.open(served.app.url);
    const runs = new RunsPage(served.page);
    await runs.open();
    if (!experimentId) throw new Error('the pipeline run made no experiment pipeline:e2e_provenance');
    await runs.experiment(experimentId).click();
    await expect.poll(() => runs.rowRunIds()).toContain(tryRun);
    await runs.openRun(tryRun);
    await expect
      .poll(async () => (await runs.sourceLink().textContent())?.trim())
      .toBe('pipeline e2e_provenance, task flaky, try 2');
    const source = (await runs.source().textContent()) ?? '';
    expect(source).toContain(pipelineRun.slice('e2e_provenance__'.length));
    expect(source).toMatch(new RegExp(`\\(version ${version}\\)$`));
    await screenshot(served.page, 'runs-12-run-provenance');

    await runs.sourceLink().click();
    await served.page.locator('[data-testid="pipeline-view"]').waitFor();
    expect(await served.page.locator('[data-testid="pipeline-tab-grid"]').getAttribute('aria-selected')).toBe(
      'true',
    );
    const details = served.page.locator('[data-testid="try-details"]');
    await details.waitFor();
    expect(await details.locator('.try-title').textContent()).toBe('flaky');
    expect(await details.locator('.try-run').textContent()).toBe(pipelineRun);
    await expect.poll(() => details.locator('[data-testid="try-state"]').textContent()).toMatch(/success/i);
    await screenshot(served.page, 'runs-13-provenance-opens-pipeline');
  });
});
