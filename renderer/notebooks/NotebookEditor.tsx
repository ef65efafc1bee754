import { FileWarning, Play, Plus, Save } from 'lucide-react';
import { Fragment, useEffect } from 'react';
import { formatLocation } from '../../shared/errors';
import { ErrorBoundary } from '../common/ErrorBoundary';
import { testIds } from '../testids';
import { addCell, reloadFromDisk, runAll, saveNotebook } from './actions';
import { Cell } from './Cell';
import { KernelBar } from './KernelBar';
import { isDirty, useNotebooks, type OpenNotebook } from './store';
import { kernelTestIds } from './testids';

const AUTOSAVE_MS = 1500;

function SaveState({ nb }: { nb: OpenNotebook }) {
  if (nb.conflict) return <span className="save-state warn">Changed on disk</span>;
  if (nb.saving) return <span className="save-state">Saving…</span>;
  if (isDirty(nb)) return <span className="save-state">Unsaved changes</span>;
  return <span className="save-state muted">Saved</span>;
}

function AddCellBar({ path, index }: { path: string; index: number }) {
  return (
    <div className="add-cell-bar">
      <button
        className="add-cell-btn"
        onClick={() => addCell(path, index, 'sql')}
        title="Insert a SQL cell here"
      >
        <Plus size={12} /> SQL
      </button>
      <button
        className="add-cell-btn"
        onClick={() => addCell(path, index, 'python')}
        title="Insert a Python cell here"
      >
        <Plus size={12} /> Python
      </button>
      <button
        className="add-cell-btn"
        onClick={() => addCell(path, index, 'markdown')}
        title="Insert a Markdown cell here"
      >
        <Plus size={12} /> Markdown
      </button>
    </div>
  );
}

/** What was repaired or upgraded when the file was read; the file itself is untouched until it is saved. */
function NoticesBanner({ notices }: { notices: string[] }) {
  return (
    <div className="notices-banner" role="status" data-testid={testIds.notebookNotices}>
      <FileWarning size={14} />
      <div>
        <strong>Lakebench adjusted this notebook as it opened it</strong> (saved only when you save):
        <ul>
          {notices.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      </div>
    </div>
  );
}

/** An open notebook: its toolbar, cells, and what to do when it cannot be opened or saved. */
export function NotebookEditor({ path }: { path: string }) {
  const nb = useNotebooks((s) => s.open[path]);
  const editVersion = nb?.editVersion;
  const dirty = nb ? isDirty(nb) : false;
  const blocked = !nb || nb.conflict || nb.status !== 'ready';

  useEffect(() => {
    if (!dirty || blocked) return;
    const t = setTimeout(() => void saveNotebook(path), AUTOSAVE_MS);
    return () => clearTimeout(t);
  }, [path, editVersion, dirty, blocked]);

  if (!nb) return null;
  if (nb.status === 'loading') return <div className="notebook-message muted">Opening {path}…</div>;
  if (nb.status === 'invalid' || !nb.doc) {
    const where = formatLocation(nb.loadError?.location);
    return (
      <div className="notebook-message notebook-invalid" role="alert" data-testid={testIds.notebookError}>
        <FileWarning size={22} />
        <div>
          <div className="notebook-invalid-title">
            This notebook could not be opened, and has been left untouched.
          </div>
          <div className="notebook-invalid-message">{nb.loadError?.message ?? 'unknown error'}</div>
          {where && <div className="notebook-invalid-where">at {where}</div>}
          <div className="muted">Fix the file in a text editor, then reopen it from the explorer.</div>
        </div>
      </div>
    );
  }
  const cells = nb.doc.cells;
  const hasPython = cells.some((c) => c.language === 'python' && !c.readOnly);
  return (
    <div className="notebook">
      <div className="notebook-toolbar">
        <button
          className="btn btn-small"
          data-testid={testIds.runAll}
          onClick={() => void runAll(path)}
          title="Run every SQL and Python cell in order, stopping at the first failure"
        >
          <Play size={13} /> Run all
        </button>
        <button
          className="btn btn-small"
          data-testid={testIds.saveNotebook}
          onClick={() => void saveNotebook(path)}
          disabled={nb.conflict}
          title="Save (Ctrl/Cmd+S)"
        >
          <Save size={13} /> Save
        </button>
        <span className="toolbar-sep" />
        <button
          className="btn btn-small"
          data-testid={testIds.addSqlCell}
          onClick={() => addCell(path, cells.length, 'sql')}
        >
          <Plus size={13} /> SQL
        </button>
        <button
          className="btn btn-small"
          data-testid={kernelTestIds.addPythonCell}
          onClick={() => addCell(path, cells.length, 'python')}
        >
          <Plus size={13} /> Python
        </button>
        <button
          className="btn btn-small"
          data-testid={testIds.addMarkdownCell}
          onClick={() => addCell(path, cells.length, 'markdown')}
        >
          <Plus size={13} /> Markdown
        </button>
        <span className="spacer" />
        {(hasPython || (nb.kernel && nb.kernel.state !== 'none')) && (
          <KernelBar path={path} kernel={nb.kernel} />
        )}
        <span className="notebook-path muted">{path}</span>
        <SaveState nb={nb} />
      </div>
      {nb.doc?.notices?.length ? <NoticesBanner notices={nb.doc.notices} /> : null}
      {nb.conflict && (
        <div className="conflict-banner" role="alert" data-testid={testIds.notebookConflict}>
          <span>
            <strong>{path}</strong> was changed on disk since it was opened. Your edits are kept here and have
            not been saved.
          </span>
          <button
            className="btn btn-small"
            data-testid={testIds.conflictReload}
            onClick={() => void reloadFromDisk(path)}
          >
            Reload from disk (discard my edits)
          </button>
          <button
            className="btn btn-small btn-danger"
            data-testid={testIds.conflictOverwrite}
            onClick={() => void saveNotebook(path, { force: true })}
          >
            Overwrite the file with my version
          </button>
        </div>
      )}
      <div className="cells">
        {cells.map((cell, i) => (
          <Fragment key={cell.id}>
            {i > 0 && <AddCellBar path={path} index={i} />}
            <ErrorBoundary what={`Cell ${i + 1}`}>
              <Cell path={path} index={i} cell={cell} isLast={i === cells.length - 1} />
            </ErrorBoundary>
          </Fragment>
        ))}
        <AddCellBar path={path} index={cells.length} />
        {cells.length === 0 && (
          <div className="muted notebook-message">This notebook has no cells. Add one above.</div>
        )}
      </div>
    </div>
  );
}
