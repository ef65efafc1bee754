import { ChevronRight } from 'lucide-react';
import { useEffect } from 'react';
import { ErrorBoundary } from '../common/ErrorBoundary';
import { ComparePage } from './compare';
import { ModelsPage } from './ModelsPage';
import { RunPage } from './tracked-run';
import './runs.css';
import { RunsTable } from './RunsTable';
import { installRunsEvents, useRuns } from './store';

function Breadcrumbs() {
  const view = useRuns((s) => s.view);
  const experiments = useRuns((s) => s.experiments);
  const ids = useRuns((s) => s.experimentIds);
  const names = ids.map((id) => experiments.find((e) => e.experimentId === id)?.name ?? id);
  const scope = ids.length === 0 ? 'All experiments' : names.join(', ');
  const back = () => useRuns.getState().setView({ kind: 'table' });
  return (
    <div className="runs-crumbs">
      {view.kind === 'models' ? (
        <span className="runs-crumb-current">Model registry</span>
      ) : (
        <>
          <button className={`runs-crumb${view.kind === 'table' ? ' current' : ''}`} onClick={back}>
            {scope}
          </button>
          {view.kind === 'run' && (
            <>
              <ChevronRight size={13} className="muted" />
              <span className="runs-crumb-current">Run</span>
            </>
          )}
          {view.kind === 'compare' && (
            <>
              <ChevronRight size={13} className="muted" />
              <span className="runs-crumb-current">Compare {view.runIds.length} runs</span>
            </>
          )}
        </>
      )}
    </div>
  );
}

/** The Runs area's main view: the runs table, a run, a comparison or the model registry. */
export function RunsMain() {
  const view = useRuns((s) => s.view);
  useEffect(() => {
    installRunsEvents();
    if (!useRuns.getState().experimentsLoaded) void useRuns.getState().loadExperiments();
  }, []);
  const key = view.kind === 'run' ? view.runId : view.kind === 'compare' ? view.runIds.join(',') : view.kind;
  return (
    <div className="runs-main">
      <Breadcrumbs />
      <div className="runs-body">
        <ErrorBoundary
          what={
            view.kind === 'table'
              ? 'The runs table'
              : view.kind === 'run'
                ? 'This run'
                : view.kind === 'compare'
                  ? 'The comparison'
                  : 'The model registry'
          }
          key={key}
        >
          {view.kind === 'table' && <RunsTable />}
          {view.kind === 'run' && <RunPage runId={view.runId} />}
          {view.kind === 'compare' && <ComparePage runIds={view.runIds} selectedCount={view.selectedCount} />}
          {view.kind === 'models' && <ModelsPage name={view.name} />}
        </ErrorBoundary>
      </div>
    </div>
  );
}
