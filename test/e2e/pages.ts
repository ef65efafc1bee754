import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const SCREENSHOTS = path.join(process.cwd(), 'test-results', 'screenshots');

/** Debian's Chromium, headless; never a downloaded browser. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

const id = (testId: string) => `[data-testid="${testId}"]`;

/** The app frame as a user sees it. */
export class AppPage {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.locator(id('activity-notebooks')).waitFor();
  }

  async createNotebook(name: string): Promise<NotebookPage> {
    await this.page.locator(id('activity-notebooks')).click();
    await this.page.locator(id('new-notebook')).click();
    await this.page.locator(id('notebook-name-input')).fill(name);
    await this.page.locator(id('dialog-ok')).click();
    const nb = new NotebookPage(this.page);
    await this.page.locator(id(`tab-notebooks/${name}.ipynb`)).waitFor();
    await nb.cell(0).waitFor();
    return nb;
  }

  async openFile(relPath: string): Promise<NotebookPage> {
    await this.page.locator(id('activity-notebooks')).click();
    await this.page.locator(id(`file-${relPath}`)).click();
    await this.page.locator(id(`tab-${relPath}`)).waitFor();
    return new NotebookPage(this.page);
  }

  statusBar() {
    return this.page.locator(id('status-bar'));
  }
}

/** One open notebook: what a user does with its cells. */
export class NotebookPage {
  constructor(readonly page: Page) {}

  cell(i: number) {
    return this.page.locator(id(`cell-${i}`));
  }

  /** The text of a cell as shown (Monaco draws spaces as no-break spaces). */
  async cellText(i: number): Promise<string> {
    return ((await this.cell(i).textContent()) ?? '').replace(/\u00a0/g, ' ');
  }

  async typeInCell(i: number, text: string): Promise<void> {
    const editor = this.page.locator(id(`cell-editor-${i}`));
    await editor.click();
    await this.page.keyboard.press('ControlOrMeta+A');
    await this.page.keyboard.press('Delete');
    await this.page.keyboard.type(text);
  }

  /** Types SQL into a cell and runs it with Shift+Enter, as a user would. */
  async runCell(i: number, sql: string): Promise<void> {
    await this.typeInCell(i, sql);
    await this.page.keyboard.press('Shift+Enter');
  }

  async waitForStatus(i: number, status: string | RegExp, timeout = 60_000): Promise<string> {
    const locator = this.page.locator(id(`cell-status-${i}`));
    await locator.filter({ hasText: status }).waitFor({ state: 'attached', timeout });
    return (await locator.textContent()) ?? '';
  }

  cellStatus(i: number) {
    return this.page.locator(id(`cell-status-${i}`));
  }

  firstRow(i: number) {
    return this.page.locator(id(`cell-firstrow-${i}`));
  }

  rowCount(i: number) {
    return this.page.locator(id(`cell-rowcount-${i}`));
  }

  grid(i: number) {
    return this.page.locator(id(`cell-grid-${i}`));
  }

  cellError(i: number) {
    return this.page.locator(id(`cell-error-${i}`));
  }

  async addSqlCell(): Promise<void> {
    await this.page.locator(id('add-sql-cell')).click();
  }

  async save(): Promise<void> {
    await this.page.locator(id('save-notebook')).click();
  }

  notebookError() {
    return this.page.locator(id('notebook-error'));
  }
}
