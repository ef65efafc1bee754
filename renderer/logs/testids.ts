/**
 * Stable selectors of the Logs area for end-to-end tests (`[data-testid="..."]`). Change them only together
 * with test/e2e/logs-pages.ts.
 *
 * Side panel
 *   logs-saved-name            name input of "save this search"; logs-save-search saves
 *   logs-saved-<name>          a saved search (click opens it); logs-saved-delete-<name> forgets it
 *   logs-field-<field>         a field in the sidebar (click shows its top values)
 *   logs-field-value           one top value row (data-field, data-value); its buttons
 *                              logs-filter-include / logs-filter-exclude add `field:value` / `NOT field:value`
 *   logs-column-toggle-<field> adds or removes the field as a table column
 *
 * Main view
 *   logs-query                 the query bar input (Enter searches); logs-query-error the mistake and where
 *                              (data-offset), logs-query-suggestion one completion entry
 *   logs-search                the search button
 *   logs-time                  the time picker button; logs-quick-<ms> a quick range; logs-abs-from, logs-abs-to
 *                              and logs-abs-apply the absolute range
 *   logs-range                 text of the range searched
 *   logs-histogram             the histogram (a canvas; drag across it to zoom; data-buckets = bucket count)
 *   logs-count                 "N hits" (or "≥ N hits"); logs-sort the order (newest | oldest | relevance)
 *   logs-search-error          why the search failed
 *   logs-live-tail             the live-tail toggle (aria-pressed)
 *   logs-table                 the document table (rows are windowed)
 *   logs-row                   a record row (data-id); logs-row-toggle opens its details
 *   logs-highlight             a highlighted match in a message
 *   logs-detail                the open record's details; logs-detail-field one field (data-field)
 *   logs-full-message          "show full message" of a truncated record; logs-full-text the whole text
 *   logs-show-context          "show in context"; logs-context the context panel; logs-context-row one line
 *                              (data-anchor="true" for the record itself); logs-context-close;
 *                              logs-context-more asks for more lines on each side
 *   logs-open-try              opens the record's pipeline try; logs-open-notebook its notebook
 */
export const logsTestIds = {
  savedName: 'logs-saved-name',
  saveSearch: 'logs-save-search',
  saved: (name: string) => `logs-saved-${name}`,
  savedDelete: (name: string) => `logs-saved-delete-${name}`,
  field: (field: string) => `logs-field-${field}`,
  fieldValue: 'logs-field-value',
  filterInclude: 'logs-filter-include',
  filterExclude: 'logs-filter-exclude',
  columnToggle: (field: string) => `logs-column-toggle-${field}`,
  query: 'logs-query',
  queryError: 'logs-query-error',
  querySuggestion: 'logs-query-suggestion',
  search: 'logs-search',
  time: 'logs-time',
  quick: (ms: number) => `logs-quick-${ms}`,
  absFrom: 'logs-abs-from',
  absTo: 'logs-abs-to',
  absApply: 'logs-abs-apply',
  range: 'logs-range',
  histogram: 'logs-histogram',
  count: 'logs-count',
  sort: 'logs-sort',
  searchError: 'logs-search-error',
  liveTail: 'logs-live-tail',
  table: 'logs-table',
  row: 'logs-row',
  rowToggle: 'logs-row-toggle',
  highlight: 'logs-highlight',
  detail: 'logs-detail',
  detailField: 'logs-detail-field',
  fullMessage: 'logs-full-message',
  fullText: 'logs-full-text',
  showContext: 'logs-show-context',
  context: 'logs-context',
  contextRow: 'logs-context-row',
  contextClose: 'logs-context-close',
  contextMore: 'logs-context-more',
  openTry: 'logs-open-try',
  openNotebook: 'logs-open-notebook',
} as const;
