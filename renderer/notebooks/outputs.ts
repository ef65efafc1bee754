import type { NotebookOutput } from '../../shared/notebook/model';
import type { CellError } from './cell-runtime';
import { formatLocation } from '../../shared/errors';
import { formatValue, isNumericType } from './format';
import { valueAt, type QueryResult } from './result';

/**
 * The small preview of a SQL result that is saved into the notebook as nbformat outputs, so GitHub and Jupyter
 * show something. The full result lives only in the running app.
 */

export const PREVIEW_ROWS = 20;
const MAX_CELL_CHARS = 80;

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function clip(text: string): string {
  const oneLine = text.replace(/\r?\n/g, '\\n');
  return oneLine.length > MAX_CELL_CHARS ? `${oneLine.slice(0, MAX_CELL_CHARS - 1)}…` : oneLine;
}

export interface PreviewTable {
  columns: string[];
  rows: (string | null)[][];
  numeric: boolean[];
}

export function previewOf(result: QueryResult, limit = PREVIEW_ROWS): PreviewTable {
  const fields = result.schema?.fields ?? [];
  const n = Math.min(limit, result.rowCount);
  const rows: (string | null)[][] = [];
  for (let r = 0; r < n; r++) {
    rows.push(fields.map((f, c) => formatValue(valueAt(result, r, c), f.type)));
  }
  const numeric = fields.map((f) => isNumericType(f.type));
  return { columns: fields.map((f) => f.name), rows, numeric };
}

export function plainTable(p: PreviewTable): string {
  const cells = p.rows.map((row) => row.map((v) => clip(v ?? 'NULL')));
  const widths = p.columns.map((name, c) => Math.max(name.length, ...cells.map((row) => row[c].length)));
  const line = (values: string[]) =>
    values
      .map((v, c) => (p.numeric[c] ? v.padStart(widths[c]) : v.padEnd(widths[c])))
      .join(' | ')
      .trimEnd();
  return [line(p.columns), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map(line)].join('\n');
}

export function htmlTable(p: PreviewTable): string {
  const head = p.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = p.rows
    .map(
      (row) =>
        `<tr>${row
          .map((v, c) => {
            const style = p.numeric[c] ? ' style="text-align: right"' : '';
            return v === null ? `<td${style}><em>NULL</em></td>` : `<td${style}>${escapeHtml(clip(v))}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function rowsWord(n: number): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? 'row' : 'rows'}`;
}

/** "3 rows · 12 ms" plus whether only part of it was shown. */
export function summaryLine(rows: number, elapsedMs: number, shown?: number): string {
  const base = `${rowsWord(rows)} · ${formatElapsed(elapsedMs)}`;
  return shown !== undefined && shown < rows
    ? `${base} · showing first ${shown.toLocaleString('en-US')}`
    : base;
}

export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function executeResultOutput(
  result: QueryResult,
  totalRows: number,
  elapsedMs: number,
  executionCount: number,
): NotebookOutput {
  const preview = previewOf(result);
  const more =
    totalRows > preview.rows.length ? `\n(${rowsWord(totalRows)}, first ${preview.rows.length} shown)` : '';
  return {
    output_type: 'execute_result',
    execution_count: executionCount,
    data: {
      'text/plain': `${plainTable(preview)}${more}`,
      'text/html': `${htmlTable(preview)}${more ? `<p>${escapeHtml(more.trim())}</p>` : ''}`,
    },
    metadata: { lakebench: { rows: totalRows, elapsedMs: Math.round(elapsedMs) } },
  };
}

/** Where an error is, unless its message already says so (DuckDB's often ends with "(line 1, column 14)"). */
export function errorWhere(error: CellError): string {
  const where = formatLocation(error.location);
  const line = error.location?.line;
  if (!where || (line !== undefined && error.message.includes(`line ${line}`))) return '';
  return where;
}

export function errorOutput(error: CellError): NotebookOutput {
  const where = errorWhere(error);
  return {
    output_type: 'error',
    ename: 'SQLError',
    evalue: where ? `${error.message} (${where})` : error.message,
    traceback: [],
  };
}

/** What a stored output says, as text, for a notebook opened before its cells are run again. */
export function storedOutputText(
  outputs: readonly NotebookOutput[],
): { text: string; isError: boolean } | null {
  const parts: string[] = [];
  let isError = false;
  for (const o of outputs) {
    if (o.output_type === 'error') {
      isError = true;
      parts.push(`${String(o.ename ?? 'Error')}: ${String(o.evalue ?? '')}`);
    } else if (o.output_type === 'stream') {
      parts.push(joinText(o.text));
    } else if (o.output_type === 'execute_result' || o.output_type === 'display_data') {
      const data = (o.data ?? {}) as Record<string, unknown>;
      if (data['text/plain'] !== undefined) parts.push(joinText(data['text/plain']));
    }
  }
  return parts.length ? { text: parts.join('\n'), isError } : null;
}

function joinText(v: unknown): string {
  if (Array.isArray(v)) return v.map(String).join('');
  return v === undefined || v === null ? '' : String(v);
}
