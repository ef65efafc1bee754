import type { Locator, Page } from 'playwright-core';
import { pipelineTestIds as ids } from '../../renderer/pipelines/testids';

const sel = (testId: string) => `[data-testid="${testId}"]`;

/** The Pipelines area as a user works in it: the list, the canvas, the task form, the run views. */
export class PipelinesPage {
  constructor(readonly page: Page) {}

  loc(testId: string) {
    return this.page.locator(sel(testId));
  }

  async open(): Promise<void> {
    await this.page.locator(sel('activity-pipelines')).click();
    await this.loc(ids.panel).waitFor();
  }

  async create(id: string): Promise<void> {
    await this.loc(ids.newPipeline).click();
    await this.page.locator(sel('notebook-name-input')).fill(id);
    await this.page.locator(sel('dialog-ok')).click();
    await this.loc(ids.view).waitFor();
    await this.loc(ids.canvas).waitFor();
  }

  /** Drags a task type from the palette onto the canvas at a point relative to the canvas's top-left corner. */
  async dropTask(type: string, x: number, y: number): Promise<void> {
    await this.loc(ids.palette(type)).dragTo(this.loc(ids.canvas), { targetPosition: { x, y } });
  }

  node(task: string) {
    return this.loc(ids.node(task));
  }

  /** Renames the task whose form is open. */
  async renameTask(to: string): Promise<void> {
    const input = this.loc(ids.taskIdInput);
    await input.fill(to);
    await input.press('Enter');
    await this.node(to).waitFor();
  }

  /** Replaces the code (SQL, Python, shell command) of the task whose form is open, typing as a user does. */
  async typeCode(text: string): Promise<void> {
    const editor = this.loc(ids.taskCodeEditor);
    await editor.locator('.monaco-editor').waitFor();
    await editor.click();
    await this.page.keyboard.press('ControlOrMeta+A');
    await this.page.keyboard.press('Delete');
    await this.page.keyboard.type(text);
  }

  async selectNode(task: string): Promise<void> {
    await this.node(task).click();
    await this.loc(ids.taskIdInput)
      .and(this.page.locator(`[value="${task}"]`))
      .waitFor();
  }

  /**
   * Drags with the mouse from one task's output handle to another's input handle, as a user draws an edge.
   * `whileOver` runs with the button still held over the target handle (to read what the canvas says then).
   */
  async drawEdge(from: string, to: string, whileOver?: () => Promise<void>): Promise<void> {
    const a = await this.loc(ids.handleOut(from)).boundingBox();
    const b = await this.loc(ids.handleIn(to)).boundingBox();
    if (!a || !b) throw new Error(`handles of ${from} or ${to} are not visible`);
    const m = this.page.mouse;
    await m.move(a.x + a.width / 2, a.y + a.height / 2);
    await m.down();
    await m.move((a.x + b.x) / 2, (a.y + b.y) / 2 + 20, { steps: 8 });
    await m.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 8 });
    if (whileOver) await whileOver();
    await m.up();
  }

  refusal() {
    return this.loc(ids.edgeRefusal);
  }

  saveState() {
    return this.loc(ids.saveState);
  }

  async tab(name: 'graph' | 'yaml' | 'grid' | 'gantt' | 'runs'): Promise<void> {
    await this.loc(ids.tab(name)).click();
  }

  async run(): Promise<void> {
    await this.loc(ids.run).click();
  }

  /** The state of a Grid square of the newest run shown (runIndex counts from the oldest). */
  square(runIndex: number, task: string) {
    return this.loc(ids.gridSquare(runIndex, task));
  }

  /** Opens a pipeline of the list. */
  async openPipeline(id: string): Promise<void> {
    await this.loc(ids.item(id)).click();
    await this.loc(ids.view).waitFor();
    await this.page.locator('.pl-title-id', { hasText: id }).waitFor();
  }

  /** The state of a run column's bar in the Grid (runIndex counts from the oldest shown). */
  runState(runIndex: number) {
    return this.loc(ids.gridRun(runIndex)).getAttribute('data-state');
  }

  // ---------------------------------------------------------------------------------------------------------
  // Backfill
  // ---------------------------------------------------------------------------------------------------------

  async openBackfill(): Promise<Locator> {
    await this.loc(ids.backfill).click();
    const dialog = this.loc(ids.backfillDialog);
    await dialog.waitFor();
    return dialog;
  }

  async setBackfillRange(from: string, to: string): Promise<void> {
    await this.loc(ids.backfillFrom).fill(from);
    await this.loc(ids.backfillTo).fill(to);
  }

  async limitBackfillTo(taskIds: string[]): Promise<void> {
    for (const t of taskIds) await this.loc(ids.backfillTask(t)).check();
  }

  async setBackfillRunsAtATime(n: number): Promise<void> {
    await this.loc(ids.backfillMaxActive).fill(String(n));
  }

  /** The dry run as shown: [logical date, action] per planned run, once the plan for the current inputs is in. */
  async backfillPlan(): Promise<[string, string][]> {
    await this.page.locator(`${sel(ids.backfillPlan)}[aria-busy="false"]`).waitFor();
    const rows = this.loc(ids.backfillPlanRow);
    const out: [string, string][] = [];
    for (let i = 0; i < (await rows.count()); i++) {
      const row = rows.nth(i);
      out.push([(await row.getAttribute('data-date')) ?? '', (await row.getAttribute('data-action')) ?? '']);
    }
    return out;
  }

  backfillSummary() {
    return this.loc(ids.backfillSummary);
  }

  async startBackfill(): Promise<void> {
    await this.loc(ids.backfillStart).click();
    await this.loc(ids.backfillDialog).waitFor({ state: 'detached' });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Manual runs
  // ---------------------------------------------------------------------------------------------------------

  /** Opens the run dialog (a pipeline with params), sets values, and optionally a logical date. */
  async openRunDialog(): Promise<Locator> {
    await this.loc(ids.run).click();
    const dialog = this.loc(ids.runDialog);
    await dialog.waitFor();
    return dialog;
  }

  async setRunParam(name: string, value: string): Promise<void> {
    await this.loc(ids.runParam(name)).fill(value);
  }

  paramProblem(name: string) {
    return this.loc(ids.runParamProblem(name));
  }

  async confirmRun(logicalDate?: string): Promise<void> {
    if (logicalDate) await this.loc(ids.runLogicalDate).fill(logicalDate);
    await this.loc(ids.runConfirm).click();
    await this.loc(ids.runDialog).waitFor({ state: 'detached' });
  }

  /** Cancels a running run from the Runs tab, confirming the question. */
  async cancelRunningRun(): Promise<void> {
    await this.tab('runs');
    await this.page.locator('[data-testid^="run-cancel-"]').first().click();
    await this.page.locator(sel('dialog-ok')).click();
  }

  runRows() {
    return this.page.locator(`${sel(ids.runsList)} [data-testid^="run-row-"]`);
  }

  // ---------------------------------------------------------------------------------------------------------
  // A try's details
  // ---------------------------------------------------------------------------------------------------------

  /** Clicks a Grid square and waits for its details. */
  async openSquare(runIndex: number, task: string): Promise<Locator> {
    await this.square(runIndex, task).click();
    const details = this.loc(ids.tryDetails);
    await details.locator(`${sel(ids.tryTitle)}:text-is("${task}")`).waitFor();
    await this.loc(ids.tryState).waitFor();
    return details;
  }

  tryState() {
    return this.loc(ids.tryState);
  }

  tryLog() {
    return this.loc(ids.tryLog);
  }

  tryError() {
    return this.loc(ids.tryError);
  }

  async clearTask(): Promise<void> {
    await this.loc(ids.tryClear).click();
  }

  async clearTaskAndDownstream(): Promise<void> {
    await this.loc(ids.tryClearDownstream).click();
    await this.page.locator(sel('dialog-ok')).click();
  }

  async markTask(state: 'success' | 'failed', downstream = false): Promise<void> {
    await this.loc(ids.tryMarkDownstream).setChecked(downstream);
    await this.loc(state === 'success' ? ids.tryMarkSuccess : ids.tryMarkFailed).click();
  }

  async searchLog(query: string): Promise<void> {
    await this.loc(ids.logSearchInput).fill(query);
  }

  logSearchCount() {
    return this.loc(ids.logSearchCount);
  }

  logMatches() {
    return this.loc(ids.logMatch);
  }

  /** The line number of the current match. */
  currentMatchLine() {
    return this.page.locator(`${sel(ids.logMatch)}[data-current="true"]`).getAttribute('data-line');
  }

  async nextMatch(): Promise<void> {
    await this.loc(ids.logSearchNext).click();
  }

  async previousMatch(): Promise<void> {
    await this.loc(ids.logSearchPrev).click();
  }
}
