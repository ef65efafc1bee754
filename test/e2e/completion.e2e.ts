import { describe, expect, it } from 'vitest';
import type { NotebookPage } from './pages';
import { PythonNotebookPage } from './kernel-pages';
import { AppPage, screenshot, useServedApp } from './pages';

const served = useServedApp({ name: 'completion', viewport: { width: 1300, height: 900 } });

/** Types into a cell at a person's pace, so the suggestion list opens on its own as it does for them. */
async function typeSlowly(nb: NotebookPage, cell: number, text: string): Promise<void> {
  await nb.typeInCell(cell, '');
  await nb.page.keyboard.type(text, { delay: 60 });
}

const suggestions = (page: AppPage['page']) => page.locator('.suggest-widget.visible .monaco-list-row');

describe('completion in SQL cells', () => {
  it('breaks the line on Enter unless the list was navigated, and completes columns by alias with types', async () => {
    const { page, app } = served;
    const ui = new AppPage(page);
    await ui.open(app.url);
    const nb = await ui.createNotebook('completion');
    await nb.runCell(
      0,
      "CREATE TABLE trips AS SELECT 1.5::DOUBLE AS fare, 2 AS zone; CREATE TABLE zones AS SELECT 2 AS id, 'x' AS zname",
    );
    await nb.waitForStatus(0, 'succeeded');

    await nb.addSqlCell();
    await typeSlowly(nb, 1, 'SELECT far');
    await suggestions(page).first().waitFor();
    expect(await page.locator('.suggest-widget.visible').textContent()).toContain('fare');
    // The list is open but nothing was chosen: Enter breaks the line, as in VS Code.
    await page.keyboard.press('Enter');
    await page.keyboard.type('FROM trips');
    await page.keyboard.press('Escape');
    await expect.poll(() => nb.cellText(1)).toMatch(/SELECT far\s*FROM trips/);
    expect(await nb.cellText(1)).not.toContain('fareFROM');

    // An alias's columns, with their table and type; arrows then Enter accept.
    await nb.addSqlCell();
    // As people write SQL: the FROM clause first, then back to the select list.
    await nb.typeInCell(2, 'SELECT  FROM trips t JOIN zones z ON z.id = t.zone');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Home');
    for (let i = 0; i < 'SELECT '.length; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.type('z.', { delay: 60 });
    await suggestions(page).first().waitFor();
    const widget = page.locator('.suggest-widget.visible');
    await expect.poll(() => widget.textContent()).toContain('zname');
    expect(await widget.textContent()).not.toContain('fare');
    // Let the answers to the last keys settle (the '.' asks twice: as a trigger and as typing), then navigate.
    await page.waitForTimeout(600);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await screenshot(page, 'completion-01-alias');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Escape');
    await expect.poll(() => nb.cellText(2)).toContain('SELECT z.');
    const text = await nb.cellText(2);
    expect(text).toMatch(/SELECT z\.(id|zname) FROM trips/);
    await page.keyboard.press('Shift+Enter');
    await nb.waitForStatus(2, 'succeeded');
  });

  it("completes Python names from the notebook's kernel", async () => {
    const { page, app } = served;
    const ui = new AppPage(page);
    await ui.open(app.url);
    await ui.createNotebook('py-completion');
    const nb = new PythonNotebookPage(page);
    await nb.addPythonCell();
    await nb.typeInCell(1, 'my_trip_count = 42');
    await nb.clickRun(1);
    await nb.waitForStatus(1, 'succeeded', 90_000);
    await nb.addPythonCell();
    await typeSlowly(nb, 2, 'total = my_tr');
    await suggestions(page).first().waitFor();
    await expect.poll(() => page.locator('.suggest-widget.visible').textContent()).toContain('my_trip_count');
    await screenshot(page, 'completion-02-python');
    expect(await page.locator('.suggest-widget.visible').textContent()).toContain('instance');
    // Tab accepts the suggestion, as in VS Code.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Escape');
    await expect.poll(() => nb.cellText(2)).toContain('total = my_trip_count');
  });
});
