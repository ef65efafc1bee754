import type { Page } from 'playwright-core';
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
}
