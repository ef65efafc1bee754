import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { serveLakebench, type ServedApp } from '../support/serve';
import { tempDir } from '../support/temp';

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

export interface ServedAppOptions {
  /** Prefix of the temporary folder (names it in /tmp when a run is left behind). */
  name?: string;
  /** A workspace folder to serve; by default a fresh one in the temporary folder. */
  workspace?: string;
  /** Runs before the server starts, with the workspace's path: write the files the tests need. */
  prepare?: (workspace: string) => Promise<void>;
  viewport?: { width: number; height: number };
}

/** What a test file's tests use: the served app, the browser, and the page of the current test. */
export interface ServedAppFixture {
  readonly app: ServedApp;
  readonly browser: Browser;
  /** A new page per test. */
  readonly page: Page;
  readonly workspace: string;
  /** Uncaught errors of the current page so far; the test fails when any are left at its end. */
  readonly errors: string[];
}

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80);

/**
 * Serves a workspace with `lakebench serve` and opens Chromium once for the test file (its beforeAll/afterAll),
 * and gives each test a fresh page (beforeEach/afterEach). A test fails when its page threw an uncaught error;
 * a failed test leaves a screenshot of its page and the server's output in test-results/screenshots.
 */
export function useServedApp(options: ServedAppOptions = {}): ServedAppFixture {
  let app: ServedApp | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let workspace: string | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  let errors: string[] = [];
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useServedApp: the ${what} is not ready (used outside a test?)`);
    return value;
  };

  beforeAll(async () => {
    const tmp = await tempDir(`lakebench-e2e-${options.name ?? ''}${options.name ? '-' : ''}`);
    cleanup = tmp.cleanup;
    workspace = options.workspace ?? path.join(tmp.dir, 'workspace');
    if (options.prepare) {
      await mkdir(workspace, { recursive: true });
      await options.prepare(workspace);
    }
    app = await serveLakebench(['--workspace', workspace]);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await cleanup?.();
  });
  beforeEach(async () => {
    page = await need(browser, 'browser').newPage({
      viewport: options.viewport ?? { width: 1440, height: 900 },
    });
    errors = [];
    const own = errors;
    page.on('pageerror', (e) => own.push(e.message));
  });
  afterEach(async (context) => {
    const current = page;
    page = undefined;
    if (!current) return;
    if (context.task.result?.state === 'fail') {
      const name = `failed-${slug(context.task.name)}`;
      await screenshot(current, name).catch(() => undefined);
      await writeFile(path.join(SCREENSHOTS, `${name}.server.log`), app?.output() ?? '').catch(
        () => undefined,
      );
    }
    await current.close();
    expect(errors, 'uncaught errors in the page').toEqual([]);
  });

  return {
    get app() {
      return need(app, 'server');
    },
    get browser() {
      return need(browser, 'browser');
    },
    get page() {
      return need(page, 'page');
    },
    get workspace() {
      return need(workspace, 'workspace');
    },
    get errors() {
      return errors;
    },
  };
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
