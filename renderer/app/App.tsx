import { FolderOpen, NotebookText, Plus } from 'lucide-react';
import { useEffect, useState, type ReactNode } from 'react';
import { PromptDialog } from '../common/Dialog';
import { ErrorBoundary } from '../common/ErrorBoundary';
import { Toasts } from '../common/Toasts';
import { DataPanel } from '../data/DataPanel';
import { LogsMain } from '../logs/LogsMain';
import { LogsPanel } from '../logs/LogsPanel';
import { saveNotebook } from '../notebooks/actions';
import { Explorer, promptNewNotebook } from '../notebooks/Explorer';
import { NotebookEditor } from '../notebooks/NotebookEditor';
import { useNotebooks } from '../notebooks/store';
import { PipelinesMain } from '../pipelines/PipelinesMain';
import { PipelinesPanel } from '../pipelines/PipelinesPanel';
import { RunsMain } from '../runs/RunsMain';
import { RunsPanel } from '../runs/RunsPanel';
import { useApp, type Area } from '../state/app';
import { ActivityBar, AREA_INFO } from './ActivityBar';
import { StatusBar } from './StatusBar';
import { Tabs } from './Tabs';

function OpenWorkspace() {
  const openWorkspace = useApp((s) => s.openWorkspace);
  const [path, setPath] = useState('');
  return (
    <div className="panel">
      <div className="panel-header">
        <span>No workspace open</span>
      </div>
      <form
        className="open-workspace"
        onSubmit={(e) => {
          e.preventDefault();
          if (path.trim()) void openWorkspace(path.trim());
        }}
      >
        <label className="dialog-label">
          Workspace folder (created if missing)
          <input
            className="input"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            placeholder="/home/me/lakebench"
            spellCheck={false}
          />
        </label>
        <button className="btn btn-primary" type="submit" disabled={!path.trim()}>
          <FolderOpen size={14} /> Open
        </button>
      </form>
    </div>
  );
}

const PANELS: Record<Area, () => ReactNode> = {
  notebooks: () => <Explorer />,
  data: () => <DataPanel />,
  pipelines: () => <PipelinesPanel />,
  runs: () => <RunsPanel />,
  logs: () => <LogsPanel />,
};

function SidePanel() {
  const area = useApp((s) => s.area);
  const open = useApp((s) => s.sidePanelOpen);
  const ws = useApp((s) => s.workspace);
  const infoLoaded = useApp((s) => s.infoLoaded);
  if (!open) return null;
  const needsWorkspace = (area === 'notebooks' || area === 'data') && infoLoaded && !ws;
  return (
    <aside className="side-panel" aria-label={AREA_INFO[area].label}>
      <ErrorBoundary what={`The ${AREA_INFO[area].label} panel`}>
        {needsWorkspace ? <OpenWorkspace /> : PANELS[area]()}
      </ErrorBoundary>
    </aside>
  );
}

function Welcome() {
  const ws = useApp((s) => s.workspace);
  return (
    <div className="welcome">
      <NotebookText size={40} strokeWidth={1} />
      <h1>Lakebench</h1>
      <p className="muted">
        Open a notebook from the explorer, or start a new one. SQL runs on the workspace's DuckDB.
      </p>
      {ws && (
        <button className="btn btn-primary" onClick={() => void promptNewNotebook()}>
          <Plus size={14} /> New notebook
        </button>
      )}
      <div className="shortcuts muted">
        <div>
          <kbd>Shift</kbd>+<kbd>Enter</kbd> run cell and move on
        </div>
        <div>
          <kbd>Ctrl/Cmd</kbd>+<kbd>Enter</kbd> run cell
        </div>
        <div>
          <kbd>Ctrl/Cmd</kbd>+<kbd>S</kbd> save
        </div>
      </div>
    </div>
  );
}

/** Areas with a main view of their own; the others show the notebook tabs. */
const MAIN_VIEWS: Partial<Record<Area, () => ReactNode>> = {
  pipelines: () => <PipelinesMain />,
  runs: () => <RunsMain />,
  logs: () => <LogsMain />,
};

function MainArea() {
  const active = useNotebooks((s) => s.active);
  const area = useApp((s) => s.area);
  const view = MAIN_VIEWS[area];
  if (view) {
    return (
      <main className="main-area">
        <ErrorBoundary what={`The ${AREA_INFO[area].label} view`} key={area}>
          {view()}
        </ErrorBoundary>
      </main>
    );
  }
  return (
    <main className="main-area">
      <Tabs />
      <div className="editor-area">
        {active ? (
          <ErrorBoundary what="This notebook" key={active}>
            <NotebookEditor path={active} />
          </ErrorBoundary>
        ) : (
          <Welcome />
        )}
      </div>
    </main>
  );
}

export function App() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && e.key.toLowerCase() === 's') {
        e.preventDefault();
        const active = useNotebooks.getState().active;
        if (active) void saveNotebook(active);
      } else if ((e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && e.key.toLowerCase() === 'b') {
        e.preventDefault();
        useApp.getState().toggleSidePanel();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div className="app">
      <ActivityBar />
      <SidePanel />
      <ErrorBoundary what="The editor area">
        <MainArea />
      </ErrorBoundary>
      <StatusBar />
      <Toasts />
      <PromptDialog />
    </div>
  );
}
