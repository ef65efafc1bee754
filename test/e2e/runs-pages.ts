import type { Page } from 'playwright-core';

const id = (testId: string) => `[data-testid="${testId}"]`;

/** Geometry of the runs grid (renderer/runs/RunsTable.tsx): group header, header, rows, checkbox column. */
const GROUP_HEADER = 22;
const HEADER = 30;
const ROW = 26;
const MARKER = 34;

/** The Runs area as a user sees it: experiments, the runs table, compare view. */
export class RunsPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.locator(id('activity-runs')).click();
    await this.page.locator(id('runs-filter')).waitFor();
  }

  experiment(experimentId: string) {
    return this.page.locator(id(`runs-experiment-${experimentId}`));
  }

  /** Run ids of the loaded rows, in table order. */
  async rowRunIds(): Promise<string[]> {
    return this.page
      .locator(`${id('runs-visible-rows')} li`)
      .evaluateAll((items) => items.map((li) => li.getAttribute('data-run-id') ?? ''));
  }

  /** Clicks the checkbox of a run's row (the grid is a canvas: by position). */
  async toggleRun(runId: string): Promise<void> {
    const rows = await this.rowRunIds();
    const index = rows.indexOf(runId);
    if (index < 0) throw new Error(`run ${runId} is not among the loaded rows`);
    const box = await this.page.locator(id('runs-grid')).boundingBox();
    if (!box) throw new Error('the runs grid is not visible');
    await this.page.mouse.click(box.x + MARKER / 2, box.y + GROUP_HEADER + HEADER + index * ROW + ROW / 2);
  }

  /** Clicks the grid's header checkbox: selects every run the filter matches (the grid is a canvas: by position). */
  async selectAllRows(): Promise<void> {
    const box = await this.page.locator(id('runs-grid')).boundingBox();
    if (!box) throw new Error('the runs grid is not visible');
    await this.page.mouse.click(box.x + MARKER / 2, box.y + GROUP_HEADER + HEADER / 2);
  }

  selectAllButton() {
    return this.page.locator(id('runs-select-all'));
  }

  /** Opens a run's page by clicking its name in the table. */
  async openRun(runId: string): Promise<void> {
    const rows = await this.rowRunIds();
    const index = rows.indexOf(runId);
    if (index < 0) throw new Error(`run ${runId} is not among the loaded rows`);
    const box = await this.page.locator(id('runs-grid')).boundingBox();
    if (!box) throw new Error('the runs grid is not visible');
    // The name column follows the checkbox and status columns.
    await this.page.mouse.click(
      box.x + MARKER + 92 + 40,
      box.y + GROUP_HEADER + HEADER + index * ROW + ROW / 2,
    );
    await this.page.locator(id('run-page')).waitFor();
  }

  /** "Produced by" on the run page, and its link back to the notebook or pipeline. */
  source() {
    return this.page.locator(id('run-source'));
  }

  sourceLink() {
    return this.page.locator(id('run-source-link'));
  }

  compareCapped() {
    return this.page.locator(id('compare-capped'));
  }

  runStatus() {
    return this.page.locator(id('run-status'));
  }

  artifact(path: string) {
    return this.page.locator(id(`run-artifact-${path}`));
  }

  artifactPreview() {
    return this.page.locator(id('run-artifact-preview'));
  }

  async openModels(): Promise<void> {
    await this.page.locator(id('runs-models')).click();
    await this.page.locator(id('models-page')).waitFor();
  }

  modelVersion(version: number) {
    return this.page.locator(id(`model-version-${version}`));
  }

  count() {
    return this.page.locator(id('runs-count'));
  }

  filter() {
    return this.page.locator(id('runs-filter'));
  }

  filterError() {
    return this.page.locator(id('runs-filter-error'));
  }

  async compare(): Promise<void> {
    await this.page.locator(id('runs-compare')).click();
    await this.page.locator(id('compare-view')).waitFor();
  }

  paramRow(key: string) {
    return this.page.locator(id(`compare-param-${key}`));
  }

  chart(metric: string) {
    return this.page.locator(id(`compare-chart-${metric}`));
  }

  legend(runId: string) {
    return this.page.locator(id(`compare-legend-${runId}`));
  }
}
