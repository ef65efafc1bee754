/**
 * Stable selectors for end-to-end tests (`[data-testid="..."]`). Change them only together with the tests.
 *
 * App frame
 *   activity-<area>         activity bar button; area = notebooks | data | pipelines | runs | logs
 *   status-bar              the status bar (workspace, connection, running queries, last query)
 *   new-notebook            "New notebook" button in the Notebooks side panel
 *   notebook-name-input     the name input of the new-notebook dialog
 *   dialog-ok               OK / confirm button of any in-app dialog
 *   dialog-cancel           Cancel button of any in-app dialog
 *   file-<path>             a file or folder in the workspace explorer (path relative, forward slashes)
 *   table-<schema>.<name>   a table in the Data panel
 *   tab-<path>              the tab of an open notebook
 *   toast                   a visible error/info message (dismiss with toast-dismiss)
 *
 * Notebook (index = 0-based position of the cell in the open notebook)
 *   run-all, save-notebook, add-sql-cell, add-markdown-cell   notebook toolbar (add-* append at the end)
 *   notebook-error          the message shown instead of a notebook that could not be opened
 *   notebook-conflict       the "changed on disk" prompt (buttons conflict-reload, conflict-overwrite)
 *   notebook-notices        what was repaired or upgraded when the notebook was opened
 *   cell-readonly-<index>   the language badge of a read-only cell (another kernel's code, a newer cell type)
 *   cell-output-<index>     the saved outputs of a read-only cell
 *   cell-<index>            a cell
 *   cell-editor-<index>     the cell's Monaco editor; click it, then type with the keyboard
 *   cell-run-<index>        run button; cell-cancel-<index> cancel button (only while queued/running)
 *   cell-status-<index>     text = idle | queued | running | succeeded | failed | cancelled
 *   cell-error-<index>      the error of a failed cell (message and line/column)
 *   cell-grid-<index>       the result grid container (a canvas: read values from cell-firstrow-<index>)
 *   cell-rowcount-<index>   footer text, e.g. "3 rows · 12 ms"
 *   cell-firstrow-<index>   visually hidden text of the first result row, values separated by a tab
 *
 * Runs area (experiments, runs table, run page, compare view, model registry): renderer/runs/testids.ts
 */
export const testIds = {
  activity: (area: string) => `activity-${area}`,
  statusBar: 'status-bar',
  newNotebook: 'new-notebook',
  notebookNameInput: 'notebook-name-input',
  dialogOk: 'dialog-ok',
  dialogCancel: 'dialog-cancel',
  file: (path: string) => `file-${path}`,
  table: (schema: string, name: string) => `table-${schema}.${name}`,
  tab: (path: string) => `tab-${path}`,
  toast: 'toast',
  toastDismiss: 'toast-dismiss',
  runAll: 'run-all',
  saveNotebook: 'save-notebook',
  addSqlCell: 'add-sql-cell',
  addMarkdownCell: 'add-markdown-cell',
  notebookError: 'notebook-error',
  notebookConflict: 'notebook-conflict',
  notebookNotices: 'notebook-notices',
  cellReadOnly: (i: number) => `cell-readonly-${i}`,
  cellOutput: (i: number) => `cell-output-${i}`,
  conflictReload: 'conflict-reload',
  conflictOverwrite: 'conflict-overwrite',
  cell: (i: number) => `cell-${i}`,
  cellEditor: (i: number) => `cell-editor-${i}`,
  cellRun: (i: number) => `cell-run-${i}`,
  cellCancel: (i: number) => `cell-cancel-${i}`,
  cellStatus: (i: number) => `cell-status-${i}`,
  cellError: (i: number) => `cell-error-${i}`,
  cellGrid: (i: number) => `cell-grid-${i}`,
  cellRowCount: (i: number) => `cell-rowcount-${i}`,
  cellFirstRow: (i: number) => `cell-firstrow-${i}`,
} as const;
