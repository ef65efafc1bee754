import type { Page } from 'playwright-core';

const id = (testId: string) => `[data-testid="${testId}"]`;

/** The Logs area as a user sees it (renderer/logs/testids.ts): query bar, time, histogram, hits, details. */
export class LogsPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.locator(id('activity-logs')).click();
    await this.page.locator(id('logs-query')).waitFor();
  }

  /** Types a query and searches with Enter. */
  async search(text: string): Promise<void> {
    const input = this.page.locator(id('logs-query'));
    await input.fill(text);
    await this.page.keyboard.press('Escape');
    await input.press('Enter');
    await this.waitForResults();
  }

  /** Waits until no search is under way. */
  async waitForResults(): Promise<void> {
    await this.page.waitForFunction(
      () => document.querySelector('[data-testid="logs-count"]')?.textContent !== 'Searching…',
    );
  }

  /** The query bar's mistake: its message and offset, or null when the text parsed. */
  async queryError(): Promise<{ message: string; offset: number } | null> {
    const el = this.page.locator(id('logs-query-error'));
    if ((await el.count()) === 0) return null;
    return {
      message: (await el.textContent()) ?? '',
      offset: Number(await el.getAttribute('data-offset')),
    };
  }

  async suggestions(): Promise<string[]> {
    return this.page
      .locator(`${id('logs-query-suggestion')} span:first-child`)
      .evaluateAll((els) => els.map((e) => e.textContent ?? ''));
  }

  /** "N hits" as shown. */
  async count(): Promise<string> {
    return (await this.page.locator(id('logs-count')).textContent()) ?? '';
  }

  /** Ids of the record rows in the DOM (the table is windowed: the ones in view), in order. */
  async rowIds(): Promise<string[]> {
    return this.page.locator(id('logs-row')).evaluateAll((rows) =>
      rows
        .map((r) => ({ id: r.getAttribute('data-id') ?? '', top: parseFloat((r as HTMLElement).style.top) }))
        .sort((a, b) => a.top - b.top)
        .map((r) => r.id),
    );
  }

  /** The highlighted pieces of the messages in view. */
  async highlights(): Promise<string[]> {
    return this.page.locator(id('logs-highlight')).evaluateAll((els) => els.map((e) => e.textContent ?? ''));
  }

  row(recordId: string) {
    return this.page.locator(`${id('logs-row')}[data-id="${recordId}"]`);
  }

  async openRecord(recordId: string): Promise<void> {
    await this.row(recordId).locator(id('logs-row-toggle')).click();
    await this.page.locator(id('logs-detail')).waitFor();
  }

  /** A field of the open record, as shown. */
  async detailField(field: string): Promise<string> {
    return (
      (await this.page
        .locator(`${id('logs-detail-field')}[data-field="${field}"] td:last-child`)
        .textContent()) ?? ''
    );
  }

  async showFullMessage(): Promise<string> {
    await this.page.locator(id('logs-full-message')).click();
    return (await this.page.locator(id('logs-full-text')).textContent()) ?? '';
  }

  /** Opens "show in context" of the open record; the context lines' texts and which one is the record. */
  async showContext(): Promise<{ lines: string[]; anchor: number }> {
    await this.page.locator(id('logs-show-context')).click();
    await this.page.locator(id('logs-context-row')).first().waitFor();
    const rows = this.page.locator(id('logs-context-row'));
    const lines = await rows.evaluateAll((els) =>
      els.map((e) => e.querySelector('.logs-message')?.textContent ?? ''),
    );
    const anchor = await rows.evaluateAll((els) =>
      els.findIndex((e) => e.getAttribute('data-anchor') === 'true'),
    );
    return { lines, anchor };
  }

  /** Opens a field in the sidebar; its top values as shown. */
  async topValues(field: string): Promise<string[]> {
    await this.page.locator(id(`logs-field-${field}`)).click();
    const values = this.page.locator(`${id('logs-field-value')}[data-field="${field}"]`);
    await values.first().waitFor();
    return values.evaluateAll((els) => els.map((e) => e.getAttribute('data-value') ?? ''));
  }

  /** The + (include) or − (exclude) of a top value in the sidebar; searches again. */
  async filter(field: string, value: string, exclude: boolean): Promise<void> {
    await this.page
      .locator(`${id('logs-field-value')}[data-field="${field}"][data-value="${value}"]`)
      .locator(id(exclude ? 'logs-filter-exclude' : 'logs-filter-include'))
      .click();
    await this.waitForResults();
  }

  async queryText(): Promise<string> {
    return this.page.locator(id('logs-query')).inputValue();
  }

  /** Chooses a quick range (its length in ms, see QUICK_RANGES). */
  async quickRange(lastMs: number): Promise<void> {
    await this.page.locator(id('logs-time')).click();
    await this.page.locator(id(`logs-quick-${lastMs}`)).click();
    await this.waitForResults();
  }

  /** Sets an absolute range; `from`/`to` as a datetime-local input takes them (YYYY-MM-DDTHH:mm:ss, local). */
  async absoluteRange(from: string, to: string): Promise<void> {
    await this.page.locator(id('logs-time')).click();
    await this.page.locator(id('logs-abs-from')).fill(from);
    await this.page.locator(id('logs-abs-to')).fill(to);
    await this.page.locator(id('logs-abs-apply')).click();
    await this.waitForResults();
  }

  async rangeText(): Promise<string> {
    return (await this.page.locator(id('logs-range')).textContent()) ?? '';
  }

  /** Drags across the histogram from one fraction of its width to another (0..1), zooming into that time. */
  async dragHistogram(fromFraction: number, toFraction: number): Promise<void> {
    const box = await this.page.locator(id('logs-histogram')).boundingBox();
    if (!box) throw new Error('the histogram is not visible');
    const y = box.y + box.height / 2;
    await this.page.mouse.move(box.x + box.width * fromFraction, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + box.width * toFraction, y, { steps: 5 });
    await this.page.mouse.up();
    await this.waitForResults();
  }

  async toggleLiveTail(): Promise<void> {
    await this.page.locator(id('logs-live-tail')).click();
  }

  async saveSearch(name: string): Promise<void> {
    await this.page.locator(id('logs-saved-name')).fill(name);
    await this.page.locator(id('logs-save-search')).click();
    await this.page.locator(id(`logs-saved-${name}`)).waitFor();
  }

  async openSavedSearch(name: string): Promise<void> {
    await this.page.locator(id(`logs-saved-${name}`)).click();
    await this.waitForResults();
  }
}
