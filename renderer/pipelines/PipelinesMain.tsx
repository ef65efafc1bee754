import { CalendarRange, ChartGantt, Code, LayoutGrid, List, Play, Workflow } from 'lucide-react';
import { useEffect, useState, type ReactNode } from 'react';
import { ErrorBoundary } from '../common/ErrorBoundary';
import { installPipelineEvents } from './pipeline-events';
import { GanttView } from './GanttView';
import { GraphEditor } from './GraphEditor';
import { GridView } from './GridView';
import { ConfirmDialog } from './Modal';
import { BackfillDialog, RunDialog, triggerRun } from './RunDialogs';
import { RunsList } from './RunsList';
import { loadRuns } from './runs-store';
import { isDirty, overwriteDisk, reloadFromDisk, setTab, usePipelineEditor, type EditorTab } from './store';
import { pipelineTestIds as ids } from './testids';
import { YamlTab } from './YamlTab';
import './pipelines.css';

const TABS: { tab: EditorTab; label: string; icon: ReactNode }[] = [
  { tab: 'graph', label: 'Graph', icon: <Workflow size={13} /> },
  { tab: 'yaml', label: 'YAML', icon: <Code size={13} /> },
  { tab: 'grid', label: 'Grid', icon: <LayoutGrid size={13} /> },
  { tab: 'gantt', label: 'Gantt', icon: <ChartGantt size={13} /> },
  { tab: 'runs', label: 'Runs', icon: <List size={13} /> },
];

function SaveState() {
  const s = usePipelineEditor();
  let text = 'Saved';
  let cls = 'save-state muted';
  if (s.conflict) {
    text = 'Changed on disk';
    cls = 'save-state warn';
  } else if (s.saving) text = 'Saving…';
  else if (isDirty(s)) text = 'Unsaved changes';
  return (
    <span className={cls} data-testid={ids.saveState}>
      {text}
    </span>
  );
}

function ConflictBanner() {
  const conflict = usePipelineEditor((s) => s.conflict);
  const file = usePipelineEditor((s) => s.file);
  if (!conflict) return null;
  return (
    <div className="conflict-banner pl-conflict" role="alert" data-testid={ids.conflict}>
      <span>
        <strong>{file}</strong> was changed on disk since it was opened. Your edits are kept here and have not
        been saved.
      </span>
      <button
        className="btn btn-small"
        data-testid={ids.conflictReload}
        onClick={() => void reloadFromDisk()}
      >
        Reload from disk (discard my edits)
      </button>
      <button
        className="btn btn-small btn-danger"
        data-testid={ids.conflictOverwrite}
        onClick={() => void overwriteDisk()}
      >
        Overwrite the file with my version
      </button>
    </div>
  );
}

function Header() {
  const id = usePipelineEditor((s) => s.id) as string;
  const header = usePipelineEditor((s) => s.header);
  const pipeline = usePipelineEditor((s) => s.pipeline);
  const problems = usePipelineEditor((s) => s.problems.length);
  const scheduleText = usePipelineEditor((s) => s.list.find((p) => p.id === id)?.scheduleText ?? null);
  const tab = usePipelineEditor((s) => s.tab);
  const [dialog, setDialog] = useState<'run' | 'backfill' | null>(null);
  const runBlocked = !pipeline ? `Fix the ${problems} problem${problems === 1 ? '' : 's'} first` : null;
  return (
    <div className="pl-header">
      <div className="pl-title">
        <span className="pl-title-id">{id}</span>
        {header.schedule ? (
          <span className="muted" title={String(header.schedule)}>
            <code>{String(header.schedule)}</code> {scheduleText}
          </span>
        ) : (
          <span className="muted">manual only</span>
        )}
        {header.description && <span className="muted pl-desc">{header.description}</span>}
      </div>
      <div className="pl-tabs" role="tablist">
        {TABS.map((t) => (
          <button
            key={t.tab}
            role="tab"
            aria-selected={tab === t.tab}
            className={tab === t.tab ? 'pl-tab active' : 'pl-tab'}
            data-testid={ids.tab(t.tab)}
            onClick={() => setTab(t.tab)}
          >
            {t.icon} {t.label}
          </button>
        ))}
      </div>
      <span className="spacer" />
      <SaveState />
      <button
        className="btn btn-small"
        data-testid={ids.backfill}
        disabled={Boolean(runBlocked) || !header.schedule}
        title={
          runBlocked ??
          (header.schedule ? 'Create runs for past data intervals' : 'A backfill needs a schedule')
        }
        onClick={() => setDialog('backfill')}
      >
        <CalendarRange size={13} /> Backfill
      </button>
      <button
        className="btn btn-small btn-primary"
        data-testid={ids.run}
        disabled={Boolean(runBlocked)}
        title={runBlocked ?? 'Start a manual run'}
        onClick={() => {
          if (!pipeline) return;
          if (Object.keys(pipeline.params ?? {}).length) setDialog('run');
          else void triggerRun(pipeline);
        }}
      >
        <Play size={13} /> Run
      </button>
      {dialog === 'run' && pipeline && <RunDialog pipeline={pipeline} onClose={() => setDialog(null)} />}
      {dialog === 'backfill' && pipeline && (
        <BackfillDialog pipeline={pipeline} onClose={() => setDialog(null)} />
      )}
    </div>
  );
}

function Body() {
  const tab = usePipelineEditor((s) => s.tab);
  switch (tab) {
    case 'graph':
      return <GraphEditor />;
    case 'yaml':
      return <YamlTab />;
    case 'grid':
      return <GridView />;
    case 'gantt':
      return <GanttView />;
    case 'runs':
      return <RunsList />;
    default: {
      const never: never = tab;
      return never;
    }
  }
}

/** The pipelines area's main view: the open pipeline's editor and run views. */
export function PipelinesMain() {
  const id = usePipelineEditor((s) => s.id);
  const status = usePipelineEditor((s) => s.status);
  const loadError = usePipelineEditor((s) => s.loadError);
  const tab = usePipelineEditor((s) => s.tab);

  useEffect(() => installPipelineEvents(), []);
  useEffect(() => {
    if (id && status === 'ready') void loadRuns(id);
  }, [id, status]);

  if (!id)
    return (
      <div className="welcome">
        <Workflow size={40} strokeWidth={1} />
        <p className="muted">
          Select a pipeline in the side panel, or create one, to see its graph and runs.
        </p>
        <ConfirmDialog />
      </div>
    );
  if (status === 'loading') return <div className="welcome muted">Opening {id}…</div>;
  if (status === 'error')
    return (
      <div className="welcome">
        <p className="form-problem">
          Could not open {id}: {loadError}
        </p>
      </div>
    );
  return (
    <div className="pl-view" data-testid={ids.view}>
      <Header />
      <ConflictBanner />
      <div className="pl-body">
        <ErrorBoundary what={`The ${tab} view`} key={tab}>
          <Body />
        </ErrorBoundary>
      </div>
      <ConfirmDialog />
    </div>
  );
}
