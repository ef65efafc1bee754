import { ArrowDown, ArrowUp, Play, Square, Trash2 } from 'lucide-react';
import { lazy, memo, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { positionOf } from '../../shared/notebook/ipynb';
import type { CellLanguage, NotebookCell } from '../../shared/notebook/model';
import { ErrorBoundary } from '../common/ErrorBoundary';
import { testIds } from '../testids';
import { cancelCell, runAndAdvance, runCell, saveNotebook } from './actions';
import { idleCell, isActive, type CellStatus } from './cell-runtime';
import type { ErrorMarker } from './CellEditor';
import { CellOutput } from './CellOutput';
import { PythonOutput } from './PythonOutput';
import { moveCell, removeCell, setLanguage, setSource } from './doc-edits';
import { MarkdownView } from './MarkdownView';
import { OutputArea } from './OutputArea';
import { useNotebooks } from './store';

// Monaco is the largest part of the app: it loads in its own chunk, after the frame has painted.
const CellEditor = lazy(() => import('./CellEditor').then((m) => ({ default: m.CellEditor })));

const LANGUAGE_NAMES: Record<CellLanguage, string> = {
  sql: 'SQL',
  markdown: 'Markdown',
  python: 'Python',
  javascript: 'JavaScript',
};

const STATUS_LABEL: Record<CellStatus, string> = {
  idle: '',
  queued: '…',
  running: '*',
  succeeded: '',
  failed: '!',
  cancelled: '',
};

interface Props {
  path: string;
  index: number;
  cell: NotebookCell;
  isLast: boolean;
}

export const Cell = memo(function Cell({ path, index, cell, isLast }: Props) {
  const rt = useNotebooks((s) => s.open[path]?.runtime.cells[cell.id]) ?? idleCell;
  const focus = useNotebooks((s) => s.open[path]?.focusCellId === cell.id);
  const edit = useNotebooks((s) => s.edit);
  const patch = useNotebooks((s) => s.patch);
  const dispatch = useNotebooks((s) => s.dispatch);
  const [editingMarkdown, setEditingMarkdown] = useState(
    () => cell.language === 'markdown' && !cell.source.trim(),
  );
  const [selected, setSelected] = useState(false);

  // A read-only cell (another kernel's code, a newer nbformat's cell type) is shown, never edited or run.
  const readOnly = cell.readOnly;
  const isSql = !readOnly && cell.language === 'sql';
  const isPython = !readOnly && cell.language === 'python';
  const isMarkdown = !readOnly && cell.language === 'markdown';
  const kernelMissing = !readOnly && !isSql && !isMarkdown && !isPython;
  const active = isActive(rt.status);

  const marker = useMemo<ErrorMarker | null>(() => {
    const loc = rt.status === 'failed' ? rt.error?.location : undefined;
    if (!loc || !rt.error) return null;
    if (loc.line !== undefined) return { line: loc.line, column: loc.column ?? 1, message: rt.error.message };
    if (loc.offset !== undefined)
      return { ...positionOf(cell.source, loc.offset), message: rt.error.message };
    return null;
    // The marker belongs to the run that failed, not to later edits of the source.
  }, [rt.status, rt.error]);

  const onChange = useCallback(
    (v: string) => edit(path, (doc) => setSource(doc, cell.id, v)),
    [edit, path, cell.id],
  );
  const run = useCallback(() => {
    if (isMarkdown) setEditingMarkdown(false);
    else void runCell(path, cell.id);
  }, [isMarkdown, path, cell.id]);
  const runAdvance = useCallback(() => {
    if (isMarkdown) setEditingMarkdown(false);
    runAndAdvance(path, cell.id);
  }, [isMarkdown, path, cell.id]);
  const save = useCallback(() => void saveNotebook(path), [path]);
  const focused = useCallback(() => {
    setSelected(true);
    if (focus) patch(path, { focusCellId: null });
  }, [focus, patch, path]);

  const changeLanguage = (language: CellLanguage) => {
    edit(path, (doc) => setLanguage(doc, cell.id, language));
    dispatch(path, { type: 'removeCell', cellId: cell.id });
    if (language === 'markdown') setEditingMarkdown(true);
  };

  useEffect(() => {
    if (focus && isMarkdown) setEditingMarkdown(true);
  }, [focus, isMarkdown]);

  const showEditor = !isMarkdown || editingMarkdown;

  return (
    <div
      className={`cell cell-${cell.language} status-${rt.status}${selected ? ' selected' : ''}`}
      data-testid={testIds.cell(index)}
      onFocus={() => setSelected(true)}
      onBlur={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setSelected(false);
      }}
    >
      <div className="cell-gutter">
        <span className="cell-count" title={`status: ${rt.status}`}>
          {isSql || isPython ? `[${active ? STATUS_LABEL[rt.status] : (cell.executionCount ?? ' ')}]` : ''}
        </span>
        <span className={`cell-status status-dot-${rt.status}`} data-testid={testIds.cellStatus(index)}>
          {rt.status}
        </span>
      </div>
      <div className="cell-main">
        <div className="cell-toolbar">
          {readOnly ? (
            <span className="cell-language cell-language-fixed" data-testid={testIds.cellReadOnly(index)}>
              {cell.displayLanguage ?? String(cell.original?.cell_type ?? 'cell')}
            </span>
          ) : (
            <select
              className="cell-language"
              value={cell.language}
              aria-label="Cell type"
              onChange={(e) => changeLanguage(e.target.value as CellLanguage)}
              disabled={active}
            >
              <option value="sql">SQL</option>
              <option value="python">Python</option>
              <option value="markdown">Markdown</option>
              {kernelMissing && <option value={cell.language}>{LANGUAGE_NAMES[cell.language]}</option>}
            </select>
          )}
          {readOnly && <span className="cell-note">Read-only: {readOnly}.</span>}
          {kernelMissing && (
            <span className="cell-note">
              The {LANGUAGE_NAMES[cell.language]} kernel is not available yet; this cell is read-only.
            </span>
          )}
          <span className="spacer" />
          {!kernelMissing && !readOnly && (
            <button
              className="icon-btn run-btn"
              title={
                isMarkdown
                  ? 'Render (Shift+Enter)'
                  : 'Run cell (Ctrl/Cmd+Enter; Shift+Enter runs and moves on)'
              }
              aria-label="Run cell"
              data-testid={testIds.cellRun(index)}
              onClick={run}
              disabled={rt.status === 'running'}
            >
              <Play size={14} />
            </button>
          )}
          {active && (
            <button
              className="icon-btn cancel-btn"
              title={isPython && rt.status === 'running' ? 'Interrupt (KeyboardInterrupt)' : 'Cancel'}
              aria-label="Cancel"
              data-testid={testIds.cellCancel(index)}
              onClick={() => void cancelCell(path, cell.id)}
              disabled={rt.cancelRequested}
            >
              <Square size={13} />
            </button>
          )}
          <button
            className="icon-btn"
            title="Move up"
            aria-label="Move cell up"
            disabled={index === 0}
            onClick={() => edit(path, (doc) => moveCell(doc, cell.id, -1))}
          >
            <ArrowUp size={14} />
          </button>
          <button
            className="icon-btn"
            title="Move down"
            aria-label="Move cell down"
            disabled={isLast}
            onClick={() => edit(path, (doc) => moveCell(doc, cell.id, 1))}
          >
            <ArrowDown size={14} />
          </button>
          <button
            className="icon-btn"
            title="Delete cell"
            aria-label="Delete cell"
            onClick={() => {
              if (active) void cancelCell(path, cell.id);
              edit(path, (doc) => removeCell(doc, cell.id));
              dispatch(path, { type: 'removeCell', cellId: cell.id });
            }}
          >
            <Trash2 size={14} />
          </button>
        </div>
        {readOnly ? (
          <>
            <pre className="cell-readonly-source">{cell.source || ' '}</pre>
            <OutputArea outputs={cell.outputs} testId={testIds.cellOutput(index)} />
          </>
        ) : showEditor ? (
          <Suspense fallback={<pre className="cell-editor-loading">{cell.source || ' '}</pre>}>
            <CellEditor
              testId={testIds.cellEditor(index)}
              value={cell.source}
              language={cell.language}
              notebook={path}
              readOnly={kernelMissing}
              focus={focus}
              marker={marker}
              onChange={onChange}
              onRun={run}
              onRunAndAdvance={runAdvance}
              onSave={save}
              onFocused={focused}
            />
          </Suspense>
        ) : (
          <ErrorBoundary what="This markdown" resetKey={cell.source}>
            <MarkdownView
              source={cell.source}
              attachments={cell.attachments}
              onEdit={() => {
                setEditingMarkdown(true);
                patch(path, { focusCellId: cell.id });
              }}
            />
          </ErrorBoundary>
        )}
        {isSql && (
          <ErrorBoundary what="This cell's output" resetKey={rt}>
            <CellOutput index={index} cell={cell} rt={rt} />
          </ErrorBoundary>
        )}
        {isPython && (
          <ErrorBoundary what="This cell's output" resetKey={rt}>
            <PythonOutput index={index} cell={cell} rt={rt} />
          </ErrorBoundary>
        )}
      </div>
    </div>
  );
});
