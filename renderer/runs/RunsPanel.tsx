import {
  Archive,
  ArchiveRestore,
  Boxes,
  FlaskConical,
  Layers,
  Pencil,
  Plus,
  RefreshCw,
  Trash2,
} from 'lucide-react';
import { useEffect } from 'react';
import type { Experiment } from '../../shared/tracker/model';
import { askText } from '../common/Dialog';
import './runs.css';
import { createExperiment, renameExperiment, setExperimentDeleted } from './actions';
import { installRunsEvents, useRuns } from './store';
import { runsTestIds } from './testids';

async function askAndCreateExperiment(): Promise<void> {
  const name = await askText({
    title: 'New experiment',
    label: 'Name',
    placeholder: 'e.g. churn-model',
    okLabel: 'Create',
    inputTestId: runsTestIds.experimentNameInput,
    validate: (v) => (v.length > 500 ? 'At most 500 characters' : null),
  });
  if (name) await createExperiment(name);
}

async function askAndRenameExperiment(exp: Experiment): Promise<void> {
  const name = await askText({
    title: 'Rename experiment',
    label: 'Name',
    initial: exp.name,
    okLabel: 'Rename',
    inputTestId: runsTestIds.experimentNameInput,
    validate: (v) => (v.length > 500 ? 'At most 500 characters' : null),
  });
  if (name && name !== exp.name) await renameExperiment(exp, name);
}

function ExperimentRow({ exp }: { exp: Experiment }) {
  const selectedIds = useRuns((s) => s.experimentIds);
  const view = useRuns((s) => s.view);
  const select = useRuns((s) => s.selectExperiment);
  const deleted = exp.lifecycleStage === 'deleted';
  const active = view.kind !== 'models' && selectedIds.includes(exp.experimentId);
  return (
    <div
      className={`tree-row runs-exp-row${active ? ' active' : ''}${deleted ? ' not-openable' : ''}`}
      data-testid={runsTestIds.experiment(exp.experimentId)}
      role="option"
      aria-selected={active}
      title={
        deleted
          ? `${exp.name} (deleted)`
          : `${exp.name} — click to show its runs, Ctrl/Cmd-click to add it to the selection`
      }
      onClick={(e) => !deleted && select(exp.experimentId, e.ctrlKey || e.metaKey || e.shiftKey)}
    >
      <input
        type="checkbox"
        className="runs-exp-check"
        checked={active}
        disabled={deleted}
        aria-label={`Include ${exp.name}`}
        onClick={(e) => e.stopPropagation()}
        onChange={() => select(exp.experimentId, true)}
      />
      <FlaskConical size={14} className="file-icon" />
      <span className="tree-name">{exp.name}</span>
      <span className="tree-meta">{exp.runCount}</span>
      <span className="row-actions">
        {deleted ? (
          <button
            className="icon-btn"
            title="Restore"
            onClick={(e) => {
              e.stopPropagation();
              void setExperimentDeleted(exp, false);
            }}
          >
            <ArchiveRestore size={13} />
          </button>
        ) : (
          <>
            <button
              className="icon-btn"
              title="Rename"
              onClick={(e) => {
                e.stopPropagation();
                void askAndRenameExperiment(exp);
              }}
            >
              <Pencil size={13} />
            </button>
            <button
              className="icon-btn"
              title="Delete (restorable)"
              onClick={(e) => {
                e.stopPropagation();
                void setExperimentDeleted(exp, true);
              }}
            >
              <Trash2 size={13} />
            </button>
          </>
        )}
      </span>
    </div>
  );
}

export function RunsPanel() {
  const experiments = useRuns((s) => s.experiments);
  const loaded = useRuns((s) => s.experimentsLoaded);
  const showDeleted = useRuns((s) => s.showDeleted);
  const selectedIds = useRuns((s) => s.experimentIds);
  const view = useRuns((s) => s.view);

  useEffect(() => {
    installRunsEvents();
    void useRuns.getState().loadExperiments();
  }, []);

  const total = experiments.filter((e) => e.lifecycleStage === 'active').reduce((a, e) => a + e.runCount, 0);
  return (
    <div className="panel">
      <div className="panel-header">
        <span>Experiments</span>
        <span className="spacer" />
        <button
          className="icon-btn"
          title="New experiment"
          data-testid={runsTestIds.newExperiment}
          onClick={() => void askAndCreateExperiment()}
        >
          <Plus size={15} />
        </button>
        <button
          className={`icon-btn${showDeleted ? ' runs-toggle-on' : ''}`}
          title={showDeleted ? 'Hide deleted experiments' : 'Show deleted experiments'}
          data-testid={runsTestIds.showDeleted}
          onClick={() => useRuns.getState().setShowDeleted(!showDeleted)}
        >
          <Archive size={14} />
        </button>
        <button
          className="icon-btn"
          title="Refresh"
          onClick={() => {
            void useRuns.getState().loadExperiments();
            void useRuns.getState().search();
          }}
        >
          <RefreshCw size={14} />
        </button>
      </div>
      <div className="tree" role="listbox" aria-multiselectable="true" aria-label="Experiments">
        <div
          className={`tree-row runs-exp-row${view.kind !== 'models' && selectedIds.length === 0 ? ' active' : ''}`}
          onClick={() => useRuns.getState().selectExperiment(null, false)}
          title="Runs of every active experiment"
        >
          <span className="runs-exp-check-space" />
          <Layers size={14} className="file-icon" />
          <span className="tree-name">All experiments</span>
          <span className="tree-meta">{total}</span>
        </div>
        {experiments.map((e) => (
          <ExperimentRow key={e.experimentId} exp={e} />
        ))}
        {loaded && experiments.length === 0 && (
          <div className="panel-empty">
            No experiments yet. Log from Python with <code>import lakebench as lb</code> or the{' '}
            <code>mlflow</code> client, or create one with +.
          </div>
        )}
        <div className="panel-subheader runs-models-header">Registry</div>
        <div
          className={`tree-row runs-exp-row${view.kind === 'models' ? ' active' : ''}`}
          data-testid={runsTestIds.models}
          onClick={() => useRuns.getState().setView({ kind: 'models', name: null })}
        >
          <span className="runs-exp-check-space" />
          <Boxes size={14} className="file-icon" />
          <span className="tree-name">Models</span>
        </div>
      </div>
    </div>
  );
}
