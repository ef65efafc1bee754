import { ChevronDown, ChevronRight, Copy, Eye, RefreshCw, Table2 } from 'lucide-react';
import { useState } from 'react';
import type { TableInfo } from '../../shared/api/contract';
import { newCell } from '../../shared/notebook/model';
import { runCell } from '../notebooks/actions';
import { insertCell } from '../notebooks/doc-edits';
import { useNotebooks } from '../notebooks/store';
import { useApp } from '../state/app';
import { notify, reportError } from '../state/toasts';
import { testIds } from '../testids';

function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

export function qualifiedName(t: TableInfo): string {
  return t.schema === 'main' ? quoteIdent(t.name) : `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
}

/** Adds `SELECT * … LIMIT 1000` as a new cell at the end of the open notebook and runs it. */
function previewTable(t: TableInfo): void {
  const store = useNotebooks.getState();
  const path = store.active;
  const nb = path ? store.open[path] : undefined;
  const sql = `SELECT * FROM ${qualifiedName(t)} LIMIT 1000`;
  if (!path || !nb?.doc) {
    void copyText(qualifiedName(t));
    notify('No notebook open', `Open a notebook to preview ${qualifiedName(t)}; its name was copied.`);
    return;
  }
  const cell = newCell('sql', sql);
  store.edit(path, (doc) => insertCell(doc, doc.cells.length, cell), cell.id);
  void runCell(path, cell.id);
}

async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch (err) {
    reportError('Could not copy to the clipboard', err);
  }
}

function TableRow({ t }: { t: TableInfo }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <div
        className="tree-row table-row"
        data-testid={testIds.table(t.schema, t.name)}
        onClick={() => setOpen(!open)}
        title={`${t.kind} ${t.schema}.${t.name}`}
      >
        {open ? <ChevronDown size={14} /> : <ChevronRight size={14} />}
        <Table2 size={14} className={`file-icon ${t.kind}`} />
        <span className="tree-name">{t.schema === 'main' ? t.name : `${t.schema}.${t.name}`}</span>
        {t.rowCount !== null && <span className="tree-meta">{t.rowCount.toLocaleString('en-US')}</span>}
        <span className="row-actions">
          <button
            className="icon-btn"
            title="Preview in the open notebook (SELECT * … LIMIT 1000)"
            aria-label={`Preview ${t.name}`}
            onClick={(e) => {
              e.stopPropagation();
              previewTable(t);
            }}
          >
            <Eye size={13} />
          </button>
          <button
            className="icon-btn"
            title="Copy name"
            aria-label={`Copy the name of ${t.name}`}
            onClick={(e) => {
              e.stopPropagation();
              void copyText(qualifiedName(t));
            }}
          >
            <Copy size={13} />
          </button>
        </span>
      </div>
      {open &&
        t.columns.map((c) => (
          <div key={c.name} className="tree-row column-row" style={{ paddingLeft: 42 }}>
            <span className="tree-name">{c.name}</span>
            <span className="tree-meta">{c.type}</span>
          </div>
        ))}
    </>
  );
}

export function DataPanel() {
  const tables = useApp((s) => s.tables);
  const loading = useApp((s) => s.tablesLoading);
  const refresh = useApp((s) => s.refreshTables);
  const ws = useApp((s) => s.workspace);
  return (
    <div className="panel">
      <div className="panel-header">
        <span>Tables</span>
        <span className="spacer" />
        <button
          className="icon-btn"
          title="Refresh"
          aria-label="Refresh tables"
          onClick={() => void refresh()}
          disabled={!ws}
        >
          <RefreshCw size={13} className={loading ? 'spin' : ''} />
        </button>
      </div>
      <div className="tree" role="tree">
        {tables.map((t) => (
          <TableRow key={`${t.schema}.${t.name}`} t={t} />
        ))}
        {ws && !tables.length && !loading && (
          <div className="panel-empty">
            No tables yet. Create one from a SQL cell, e.g.{' '}
            <code>CREATE TABLE t AS SELECT * FROM read_csv('file.csv')</code>.
          </div>
        )}
      </div>
    </div>
  );
}
