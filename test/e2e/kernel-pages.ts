import type { Page } from 'playwright-core';
import { NotebookPage } from './pages';

const id = (testId: string) => `[data-testid="${testId}"]`;

/** A notebook with Python cells: what a user does with its kernel and reads of its outputs. */
export class PythonNotebookPage extends NotebookPage {
  constructor(page: Page) {
    super(page);
  }

  /** A Python cell's outputs (streams, results, tracebacks) as shown. */
  outputs(i: number) {
    return this.page.locator(id(`cell-outputs-${i}`));
  }

  async outputText(i: number): Promise<string> {
    return ((await this.outputs(i).textContent()) ?? '').replace(/\u00a0/g, ' ');
  }

  kernelStatus() {
    return this.page.locator(id('kernel-status'));
  }

  async waitForKernel(state: string, timeout = 60_000): Promise<void> {
    await this.page.locator(`${id('kernel-status')}[data-state="${state}"]`).waitFor({ timeout });
  }

  async addPythonCell(): Promise<void> {
    await this.page.locator(id('add-python-cell')).click();
  }

  /** Runs a cell with its run button, as it is (no typing). */
  async clickRun(i: number): Promise<void> {
    await this.page.locator(id(`cell-run-${i}`)).click();
  }

  async interrupt(): Promise<void> {
    await this.page.locator(id('kernel-interrupt')).click();
  }

  async restart(): Promise<void> {
    await this.page.locator(id('kernel-restart')).click();
  }
}
