import { AtSign, Boxes, History, RotateCcw, Tag } from 'lucide-react';
import { useCallback, useEffect, useState } from 'react';
import {
  MODEL_STAGES,
  type ModelEvent,
  type ModelStage,
  type ModelVersion,
  type RegisteredModel,
} from '../../shared/tracker/model';
import { errorMessage } from '../../shared/errors';
import { askText } from '../common/Dialog';
import { ErrorBoundary } from '../common/ErrorBoundary';
import { reportError } from '../state/toasts';
import {
  deleteModelAlias,
  fetchModel,
  listModels,
  modelVersionAt,
  moveModelVersion,
  rollbackProduction,
  saveModelDescription,
  setModelAlias,
  watchModels,
  type ModelDetail,
} from './actions';
import { formatTime, shortId } from './format';
import { useRuns } from './store';
import { runsTestIds } from './testids';

function StageBadge({ stage }: { stage: ModelStage }) {
  return <span className={`stage-badge stage-${stage.toLowerCase()}`}>{stage}</span>;
}

/** A modal that asks to confirm a registry change, with an optional comment recorded in the history. */
function ConfirmChange({
  title,
  body,
  okLabel,
  danger,
  children,
  onCancel,
  onOk,
}: {
  title: string;
  body: React.ReactNode;
  okLabel: string;
  danger?: boolean;
  children?: React.ReactNode;
  onCancel(): void;
  onOk(comment: string): void;
}) {
  const [comment, setComment] = useState('');
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onCancel()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label={title}>
        <div className="dialog-title">{title}</div>
        <div className="models-dialog-body">{body}</div>
        {children}
        <label className="dialog-label">
          Comment (kept in the history)
          <input
            className="input"
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            autoFocus
            onKeyDown={(e) => e.key === 'Escape' && onCancel()}
          />
        </label>
        <div className="dialog-buttons">
          <button className="btn" data-testid="dialog-cancel" onClick={onCancel}>
            Cancel
          </button>
          <button
            className={`btn ${danger ? 'btn-danger' : 'btn-primary'}`}
            data-testid="dialog-ok"
            onClick={() => onOk(comment)}
          >
            {okLabel}
          </button>
        </div>
      </div>
    </div>
  );
}

function Transition({ v, onDone, onCancel }: { v: ModelVersion; onDone(): void; onCancel(): void }) {
  const [stage, setStage] = useState<ModelStage>(
    v.currentStage === 'Production' ? 'Archived' : v.currentStage === 'Staging' ? 'Production' : 'Staging',
  );
  const [archive, setArchive] = useState(true);
  return (
    <ConfirmChange
      title={`Move version ${v.version} of ${v.name}`}
      body={
        <>
          Now in <StageBadge stage={v.currentStage} />
        </>
      }
      okLabel="Move"
      onCancel={onCancel}
      onOk={(comment) => {
        moveModelVersion(v, stage, archive && (stage === 'Staging' || stage === 'Production'), comment)
          .then(onDone)
          .catch((err: unknown) => reportError(`Could not move version ${v.version}`, err));
      }}
    >
      <label className="dialog-label">
        To stage
        <select className="input" value={stage} onChange={(e) => setStage(e.target.value as ModelStage)}>
          {MODEL_STAGES.filter((s) => s !== v.currentStage).map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
      {(stage === 'Staging' || stage === 'Production') && (
        <label className="cmp-switch">
          <input type="checkbox" checked={archive} onChange={(e) => setArchive(e.target.checked)} /> Archive
          the versions now in {stage}
        </label>
      )}
    </ConfirmChange>
  );
}

function eventText(e: ModelEvent): React.ReactNode {
  switch (e.kind) {
    case 'version_created':
      return <>version {e.version} registered</>;
    case 'stage':
      return (
        <>
          version {e.version}: <StageBadge stage={e.fromStage ?? 'None'} /> →{' '}
          <StageBadge stage={e.toStage ?? 'None'} />
          {e.causedByVersion !== null && (
            <span className="muted"> (archived because version {e.causedByVersion} took its place)</span>
          )}
        </>
      );
    case 'alias_set':
      return (
        <>
          @{e.alias} → version {e.version}
        </>
      );
    case 'alias_deleted':
      return (
        <>
          @{e.alias} removed (was version {e.version})
        </>
      );
    case 'version_deleted':
      return <>version {e.version} deleted</>;
  }
}

function VersionAt({ name }: { name: string }) {
  const [when, setWhen] = useState(() => {
    const d = new Date(Date.now() - new Date().getTimezoneOffset() * 60_000);
    return d.toISOString().slice(0, 19);
  });
  const [stage, setStage] = useState<ModelStage>('Production');
  const [answer, setAnswer] = useState<string | null>(null);
  const ask = async () => {
    const t = new Date(when).getTime();
    if (!Number.isFinite(t)) return setAnswer('Enter a date and time.');
    try {
      const r = await modelVersionAt(name, stage, t);
      setAnswer(
        r.version
          ? `Version ${r.version.version} was in ${stage} (since ${formatTime(r.since)}).`
          : `No version was in ${stage} at ${formatTime(t)}.`,
      );
    } catch (err) {
      setAnswer(errorMessage(err));
    }
  };
  return (
    <div className="models-at">
      <span>Which version was in</span>
      <select
        className="input models-inline"
        value={stage}
        onChange={(e) => setStage(e.target.value as ModelStage)}
      >
        {MODEL_STAGES.map((s) => (
          <option key={s}>{s}</option>
        ))}
      </select>
      <span>at</span>
      <input
        type="datetime-local"
        step={1}
        className="input models-inline"
        data-testid={runsTestIds.modelVersionAtInput}
        value={when}
        onChange={(e) => setWhen(e.target.value)}
      />
      <button className="btn btn-small" onClick={() => void ask()}>
        Ask
      </button>
      {answer && (
        <span className="models-at-answer" data-testid={runsTestIds.modelVersionAtResult}>
          {answer}
        </span>
      )}
    </div>
  );
}

function ModelDetailView({ name, onChanged }: { name: string; onChanged(): void }) {
  const [detail, setDetail] = useState<ModelDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [moving, setMoving] = useState<ModelVersion | null>(null);
  const [rollback, setRollback] = useState(false);
  const load = useCallback(() => {
    fetchModel(name)
      .then((d) => (setDetail(d), setError(null)))
      .catch((err: unknown) => setError(errorMessage(err)));
  }, [name]);
  useEffect(() => {
    load();
    return watchModels(load, name);
  }, [load, name]);
  if (error) return <div className="runs-search-error">{error}</div>;
  if (!detail) return <div className="runs-empty muted">Loading…</div>;
  const { model, versions, history } = detail;
  // A change made here shows at once in this view and in the models list (stage badges).
  const changed = () => {
    load();
    onChanged();
  };
  const prod = versions.find((v) => v.currentStage === 'Production');
  const editDescription = async () => {
    const d = await askText({
      title: `Description of ${name}`,
      label: 'Description',
      initial: model.description,
    });
    if (d === null) return;
    try {
      await saveModelDescription(name, d);
      changed();
    } catch (err) {
      reportError('Could not save the description', err);
    }
  };
  const setAlias = async (v: ModelVersion) => {
    const alias = await askText({
      title: `Alias for version ${v.version}`,
      label: 'Alias (moves from any other version)',
      placeholder: 'champion',
      validate: (a) =>
        !/^[\w-]+$/.test(a)
          ? 'Letters, digits, _ or -'
          : /^v\d+$/i.test(a) || a.toLowerCase() === 'latest'
            ? 'v<number> and latest are reserved'
            : null,
    });
    if (!alias) return;
    try {
      await setModelAlias(name, alias, v.version);
      changed();
    } catch (err) {
      reportError(`Could not set @${alias}`, err);
    }
  };
  const deleteAlias = async (alias: string) => {
    try {
      await deleteModelAlias(name, alias);
      changed();
    } catch (err) {
      reportError(`Could not remove @${alias}`, err);
    }
  };
  return (
    <div className="models-detail">
      <div className="run-title">
        <h2>{model.name}</h2>
        <span className="muted">{model.versionCount} versions</span>
        <span className="spacer" />
        <button
          className="btn btn-small btn-danger"
          data-testid={runsTestIds.modelRollback}
          disabled={!prod}
          title={prod ? 'Put the previous Production version back' : 'No version is in Production'}
          onClick={() => setRollback(true)}
        >
          <RotateCcw size={13} /> Roll back Production
        </button>
      </div>
      <div
        className="models-description"
        onDoubleClick={() => void editDescription()}
        title="Double-click to edit"
      >
        {model.description || <span className="muted">No description — double-click to write one.</span>}
      </div>
      <VersionAt name={name} />
      <section className="cmp-section">
        <div className="cmp-section-head">
          <h3>Versions</h3>
        </div>
        <table className="cmp-table">
          <thead>
            <tr>
              <th>Version</th>
              <th>Stage</th>
              <th>Aliases</th>
              <th>Registered</th>
              <th>Source run</th>
              <th>Tags</th>
              <th>Description</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.version} data-testid={runsTestIds.modelVersion(v.version)}>
                <td className="cmp-num">v{v.version}</td>
                <td>
                  <StageBadge stage={v.currentStage} />
                </td>
                <td>
                  {v.aliases.map((a) => (
                    <button
                      key={a}
                      className="alias-chip"
                      title={`Remove @${a}`}
                      onClick={() => void deleteAlias(a)}
                    >
                      @{a}
                    </button>
                  ))}
                </td>
                <td>{formatTime(v.creationTimestamp)}</td>
                <td>
                  {v.runId ? (
                    <button
                      className="runs-link"
                      onClick={() => useRuns.getState().setView({ kind: 'run', runId: v.runId as string })}
                    >
                      {v.runName ?? shortId(v.runId)}
                    </button>
                  ) : (
                    <span className="muted mono">{v.source}</span>
                  )}
                </td>
                <td>
                  {Object.entries(v.tags).map(([k, val]) => (
                    <span key={k} className="tag-chip">
                      <Tag size={10} /> {k}={val}
                    </span>
                  ))}
                </td>
                <td className="models-vdesc">{v.description}</td>
                <td>
                  <div className="models-actions">
                    <button className="btn btn-small" onClick={() => setMoving(v)}>
                      Stage…
                    </button>
                    <button className="icon-btn" title="Set an alias" onClick={() => void setAlias(v)}>
                      <AtSign size={13} />
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="cmp-section">
        <div className="cmp-section-head">
          <h3>
            <History size={13} /> History
          </h3>
        </div>
        <ol className="timeline" data-testid={runsTestIds.modelTimeline}>
          {[...history].reverse().map((e) => (
            <li key={e.id} className={`timeline-item timeline-${e.kind}`}>
              <span className="timeline-time">{formatTime(e.timestamp)}</span>
              <span className="timeline-what">{eventText(e)}</span>
              <span className="timeline-who muted">{e.user}</span>
              {e.comment && <span className="timeline-comment">“{e.comment}”</span>}
            </li>
          ))}
        </ol>
      </section>
      {moving && (
        <Transition v={moving} onCancel={() => setMoving(null)} onDone={() => (setMoving(null), changed())} />
      )}
      {rollback && prod && (
        <ConfirmChange
          title={`Roll back Production of ${name}`}
          danger
          okLabel="Roll back"
          body={
            <>
              Version {prod.version} leaves Production (archived) and the version that was in Production
              before it comes back.
            </>
          }
          onCancel={() => setRollback(false)}
          onOk={(comment) => {
            setRollback(false);
            rollbackProduction(name, comment)
              .then(changed)
              .catch((err: unknown) => reportError(`Could not roll back ${name}`, err));
          }}
        />
      )}
    </div>
  );
}

/** The model registry: models on the left, the chosen one's versions, stages, aliases and history. */
export function ModelsPage({ name }: { name: string | null }) {
  const [models, setModels] = useState<RegisteredModel[] | null>(null);
  const [q, setQ] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [revision, setRevision] = useState(0);
  useEffect(() => {
    let live = true;
    const load = () =>
      listModels(q)
        .then((m) => live && (setModels(m), setError(null)))
        // The answer, error or not, of a view no longer shown (unmounted or asked again) is not wanted.
        .catch((err: unknown) => live && setError(errorMessage(err)));
    void load();
    const off = watchModels(() => void load());
    return () => {
      live = false;
      off();
    };
  }, [q, revision]);
  const chosen = name ?? models?.[0]?.name ?? null;
  return (
    <div className="models-page" data-testid={runsTestIds.modelsPage}>
      <div className="models-list">
        <input
          className="input"
          placeholder="Find a model"
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
        {error && <div className="runs-search-error">{error}</div>}
        {models?.length === 0 && (
          <div className="muted cmp-empty">
            No registered models. Register one from a run with mlflow.register_model.
          </div>
        )}
        {models?.map((m) => {
          const prod = m.latestVersions.find((v) => v.currentStage === 'Production');
          return (
            <div
              key={m.name}
              className={`tree-row models-row${chosen === m.name ? ' active' : ''}`}
              data-testid={runsTestIds.model(m.name)}
              onClick={() => useRuns.getState().setView({ kind: 'models', name: m.name })}
            >
              <Boxes size={14} className="file-icon" />
              <span className="tree-name">{m.name}</span>
              {prod && <span className="stage-badge stage-production">v{prod.version}</span>}
              <span className="tree-meta">{m.versionCount}</span>
            </div>
          );
        })}
      </div>
      <div className="models-main">
        {chosen ? (
          <ErrorBoundary what={`The model ${chosen}`} key={chosen}>
            <ModelDetailView name={chosen} onChanged={() => setRevision((r) => r + 1)} />
          </ErrorBoundary>
        ) : (
          <div className="runs-empty muted">Choose a model.</div>
        )}
      </div>
    </div>
  );
}
