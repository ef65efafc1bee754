import { AlertTriangle, Plus, RefreshCw, Trash2, Workflow } from 'lucide-react';
import { useEffect } from 'react';
import { ID_PATTERN } from '../../shared/pipeline/model';
import { askText } from '../common/Dialog';
import { useApp } from '../state/app';
import { installPipelineEvents } from './pipeline-events';
import { confirmAction } from './Modal';
import { STATE_COLORS } from './run-views';
import { createPipeline, deletePipeline, openPipeline, refreshList, usePipelineEditor } from './store';
import { pipelineTestIds as ids } from './testids';
import { testIds } from '../testids';
import './pipelines.css';

/** "in 3 h", "in 2 d", "5 min ago". */
export function relativeTime(iso: string, now = Date.now()): string {
  const d = Date.parse(iso) - now;
  const a = Math.abs(d);
  const unit =
    a < 60_000
      ? `${Math.round(a / 1000)} s`
      : a < 3_600_000
        ? `${Math.round(a / 60_000)} min`
        : a < 86_400_000
          ? `${Math.round(a / 3_600_000)} h`
          : `${Math.round(a / 86_400_000)} d`;
  return d >= 0 ? `in ${unit}` : `${unit} ago`;
}

async function promptNewPipeline(): Promise<void> {
  const taken = new Set(usePipelineEditor.getState().list.map((p) => p.id));
  const id = await askText({
    title: 'New pipeline',
    label: 'Pipeline id (also its file name, pipelines/<id>.yaml)',
    placeholder: 'daily_sales',
    okLabel: 'Create',
    inputTestId: testIds.notebookNameInput,
    validate: (v) =>
      !ID_PATTERN.test(v)
        ? 'letters, digits, _ . and -; not starting with . or -'
        : taken.has(v)
          ? `${v} exists already`
          : null,
  });
  if (id) await createPipeline(id);
}

export function PipelinesPanel() {
  const list = usePipelineEditor((s) => s.list);
  const loaded = usePipelineEditor((s) => s.listLoaded);
  const open = usePipelineEditor((s) => s.id);
  const workspace = useApp((s) => s.workspace);

  useEffect(() => {
    installPipelineEvents();
    if (workspace) void refreshList();
  }, [workspace]);

  return (
    <div className="panel" data-testid={ids.panel}>
      <div className="panel-header">
        <span>Pipelines</span>
        <span className="spacer" />
        <button
          className="icon-btn"
          title="New pipeline"
          data-testid={ids.newPipeline}
          disabled={!workspace}
          onClick={() => void promptNewPipeline()}
        >
          <Plus size={15} />
        </button>
        <button className="icon-btn" title="Refresh" onClick={() => void refreshList()}>
          <RefreshCw size={13} />
        </button>
      </div>
      {!workspace ? (
        <div className="panel-empty">Open a workspace to see its pipelines.</div>
      ) : loaded && list.length === 0 ? (
        <div className="panel-empty area-empty">
          <Workflow size={28} strokeWidth={1.2} />
          <p>
            No pipelines yet. A pipeline is a DAG of SQL, notebook, Python and shell tasks in
            pipelines/&lt;id&gt;.yaml.
          </p>
          <button className="btn btn-small" onClick={() => void promptNewPipeline()}>
            <Plus size={13} /> New pipeline
          </button>
        </div>
      ) : (
        <div className="pl-list" role="list">
          {list.map((p) => {
            const state = p.lastRun?.state;
            return (
              <div
                key={p.id}
                role="listitem"
                className={p.id === open ? 'pl-item active' : 'pl-item'}
                data-testid={ids.item(p.id)}
                onClick={() => void openPipeline(p.id)}
                title={p.description ?? p.file}
              >
                <span
                  className="pl-dot"
                  data-testid={ids.itemState(p.id)}
                  title={state ? `last run: ${state}` : 'never run'}
                  style={{
                    background: state ? STATE_COLORS[state] : 'transparent',
                    borderColor: state ? STATE_COLORS[state] : 'var(--fg-dim)',
                  }}
                />
                <div className="pl-item-body">
                  <div className="pl-item-line">
                    <span className="pl-name">{p.id}</span>
                    {p.problems > 0 && (
                      <span
                        className="pl-problems"
                        data-testid={ids.itemProblems(p.id)}
                        title={`${p.problems} problem${p.problems === 1 ? '' : 's'}`}
                      >
                        <AlertTriangle size={11} /> {p.problems}
                      </span>
                    )}
                    <span className="pl-count muted">{p.taskCount} tasks</span>
                  </div>
                  <div className="pl-item-meta muted">
                    {p.schedule ? (
                      <span title={p.schedule}>
                        <code>{p.schedule}</code> {p.scheduleText ?? ''}
                      </span>
                    ) : (
                      <span>manual only</span>
                    )}
                    {p.nextRunAt && <span title={p.nextRunAt}> · next {relativeTime(p.nextRunAt)}</span>}
                  </div>
                </div>
                <button
                  className="icon-btn pl-delete"
                  title={`Delete ${p.file}`}
                  data-testid={ids.itemDelete(p.id)}
                  onClick={(e) => {
                    e.stopPropagation();
                    void confirmAction({
                      title: `Delete ${p.id}?`,
                      message: `${p.file} and its layout are deleted. Its run history is kept.`,
                      okLabel: 'Delete',
                      danger: true,
                    }).then((ok) => {
                      if (ok) void deletePipeline(p.id);
                    });
                  }}
                >
                  <Trash2 size={13} />
                </button>
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}
