import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppPage, screenshot, useServedApp } from './pages';

const served = useServedApp({ name: 'notebook', viewport: { width: 1400, height: 900 } });

describe('notebooks in the browser', () => {
  it('creates a notebook, runs SELECT 42, and finds it again after a reload', async () => {
    const { page, app } = served;
    const ui = new AppPage(page);
    await ui.open(app.url);
    // The token moved into a cookie: it is not left in the address (or the browser's history).
    await expect.poll(() => new URL(page.url()).searchParams.has('token')).toBe(false);
    await screenshot(page, '01-app-frame');
    const nb = await ui.createNotebook('answers');
    await nb.runCell(0, 'SELECT 42 AS answer');
    await nb.waitForStatus(0, 'succeeded');
    await expect.poll(() => nb.firstRow(0).textContent()).toBe('42');
    expect(await nb.rowCount(0).textContent()).toMatch(/^1 row/);
    await nb.grid(0).waitFor();
    await screenshot(page, '02-select-42');

    await nb.save();
    const file = path.join(served.workspace, 'notebooks', 'answers.ipynb');
    await expect.poll(async () => (await readFile(file, 'utf8')).includes('SELECT 42 AS answer')).toBe(true);
    const saved = JSON.parse(await readFile(file, 'utf8'));
    expect(saved.nbformat).toBe(4);
    expect(saved.cells[0].metadata.lakebench.language).toBe('sql');

    await page.reload();
    const again = await new AppPage(page).openFile('notebooks/answers.ipynb');
    await expect.poll(() => again.cellText(0)).toContain('SELECT 42 AS answer');
    await screenshot(page, '03-after-reload');
  });

  it('shows a failing query with DuckDB message and position, and the app keeps working', async () => {
    const { page, app } = served;
    const ui = new AppPage(page);
    await ui.open(app.url);
    const nb = await ui.createNotebook('failures');
    await nb.runCell(0, 'SELECT *\nFROM missing_table');
    await nb.waitForStatus(0, 'failed');
    const error = (await nb.cellError(0).textContent()) ?? '';
    expect(error).toMatch(/missing_table does not exist/);
    expect(error).toMatch(/line 2/i);
    await screenshot(page, '04-sql-error');
    await nb.addSqlCell();
    await nb.runCell(1, 'SELECT 1 + 1 AS two');
    await nb.waitForStatus(1, 'succeeded');
    await expect.poll(() => nb.firstRow(1).textContent()).toBe('2');
  });

  it('streams a large result and cancels a long query', async () => {
    const { page, app } = served;
    const ui = new AppPage(page);
    await ui.open(app.url);
    const nb = await ui.createNotebook('big');
    await nb.runCell(0, 'SELECT i, i * 2 AS doubled, md5(i::VARCHAR) AS hash FROM range(2000000) t(i)');
    await nb.waitForStatus(0, 'succeeded');
    expect(await nb.rowCount(0).textContent()).toMatch(/2,000,000 rows/);
    await expect.poll(() => nb.firstRow(0).textContent()).toMatch(/^0\t0\t/);
    await screenshot(page, '05-two-million-rows');
    await nb.addSqlCell();
    await nb.runCell(1, 'SELECT count(*) FROM range(1000000000000) t(i) WHERE i % 7 = 1');
    await nb.waitForStatus(1, 'running');
    await page.locator('[data-testid="cell-cancel-1"]').click();
    await nb.waitForStatus(1, 'cancelled');
    await screenshot(page, '06-cancelled');
  });

  it('shows a broken notebook as an error and leaves the file untouched', async () => {
    const { page, app } = served;
    const file = path.join(served.workspace, 'notebooks', 'broken.ipynb');
    const content = '{"nbformat": 4, "cells": [\n  {"cell_type": "code", "source": "SELECT 1"},,\n]}';
    await writeFile(file, content);
    const ui = new AppPage(page);
    await ui.open(app.url);
    await page.locator('[data-testid="file-notebooks/broken.ipynb"]').click();
    await page.locator('[data-testid="notebook-error"]').waitFor();
    const message = await page.locator('[data-testid="notebook-error"]').textContent();
    expect(message).toMatch(/broken\.ipynb/);
    expect(message).toMatch(/line 2/);
    await screenshot(page, '07-broken-notebook');
    await page.waitForTimeout(2500); // longer than autosave: nothing may be written
    expect(await readFile(file, 'utf8')).toBe(content);
  });

  it('follows a notebook another program changed, and asks before touching unsaved edits', async () => {
    const { page, app } = served;
    const ui = new AppPage(page);
    await ui.open(app.url);
    const nb = await ui.createNotebook('watched');
    await nb.typeInCell(0, 'SELECT 1 AS one');
    await nb.save();
    const file = path.join(served.workspace, 'notebooks', 'watched.ipynb');
    await expect.poll(async () => (await readFile(file, 'utf8')).includes('SELECT 1 AS one')).toBe(true);
    const saveState = page.locator('.save-state');
    await expect.poll(() => saveState.textContent()).toBe('Saved');
    const writeSource = async (source: string) => {
      const doc = JSON.parse(await readFile(file, 'utf8'));
      doc.cells[0].source = source;
      await writeFile(file, JSON.stringify(doc, null, 1));
    };

    // Nothing unsaved: the notebook shows the file as it now is, without a question.
    await writeSource('SELECT 2 AS two');
    await expect.poll(() => nb.cellText(0), { timeout: 10_000 }).toContain('SELECT 2 AS two');
    expect(await saveState.textContent()).toBe('Saved');
    expect(await page.locator('[data-testid="notebook-conflict"]').count()).toBe(0);

    // Unsaved edits: the user is asked, and the file keeps what the other program wrote.
    await nb.typeInCell(0, 'SELECT 3 AS mine');
    await writeSource('SELECT 4 AS theirs');
    await page.locator('[data-testid="notebook-conflict"]').waitFor({ timeout: 10_000 });
    expect(await nb.cellText(0)).toContain('SELECT 3 AS mine');
    await screenshot(page, '08-changed-on-disk');
    await page.waitForTimeout(2500); // longer than autosave: nothing may be written
    expect(JSON.parse(await readFile(file, 'utf8')).cells[0].source).toBe('SELECT 4 AS theirs');
    await page.locator('[data-testid="conflict-reload"]').click();
    await expect.poll(() => nb.cellText(0)).toContain('SELECT 4 AS theirs');
    await expect.poll(() => saveState.textContent()).toBe('Saved');
  });
});
