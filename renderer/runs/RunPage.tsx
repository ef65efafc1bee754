import {
  CircleX,
  ExternalLink,
  File,
  Folder,
  FolderOpen,
  GitBranch,
  Pencil,
  Plus,
  Trash2,
} from 'lucide-react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  metricNumber,
  type ArtifactContent,
  type ArtifactEntry,
  type MetricSeries,
  type Run,
} from '../../shared/tracker/model';
import { client } from '../api';
import { ErrorBoundary } from '../common/ErrorBoundary';
import { openNotebook } from '../notebooks/actions';
import { renderMarkdown } from '../notebooks/markdown';
import {
  loadRuns as loadPipelineRuns,
  openSquare,
  selectRun as selectPipelineRun,
} from '../pipelines/runs-store';
import { openPipeline, setTab } from '../pipelines/store';
import { useApp } from '../state/app';
import { reportError } from '../state/toasts';
import { parseCsv } from './csv';
import {
  describePipelineProvenance,
  pipelineProvenance,
  shortVersion,
  type PipelineProvenance,
} from './provenance';
import { metricLineOption } from './chart-options';
import { axisStyle, EChart, tooltipStyle } from './EChart';
import { formatDuration, formatNumber, formatTime, runDuration, shortId, STATUS_COLORS } from './format';
import { useRuns } from './store';
import { runsTestIds } from './testids';

const openRun = (runId: string) => useRuns.getState().setView({ kind: 'run', runId });

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

/**
 * Opens a pipeline in the Pipelines area on its Grid, with the run selected and, for a task's try, that task's
 * details open: where the run on this page came from.
 */
async function openPipelineRun(p: PipelineProvenance): Promise<void> {
  useApp.getState().setArea('pipelines');
  await openPipeline(p.pipeline);
  setTab('grid');
  if (!p.pipelineRun) return;
  await loadPipelineRuns(p.pipeline);
  if (p.task) openSquare(p.pipelineRun, p.task);
  else selectPipelineRun(p.pipelineRun);
}

/** What produced the run, as a link that opens it: the notebook (and cell), or the pipeline task and try. */
function SourceLink({ run }: { run: Run }) {
  const s = run.info.source;
  if (s.kind === 'notebook' && s.notebook) {
    const path = s.notebook;
    return (
      <button
        className="runs-link"
        data-testid={runsTestIds.runSourceLink}
        title="Open the notebook that logged this run"
        onClick={() => {
          useApp.getState().setArea('notebooks');
          void openNotebook(path);
        }}
      >
        <ExternalLink size={12} /> notebook {path}
        {s.cell ? `, cell ${s.cell}` : ''}
      </button>
    );
  }
  const p = pipelineProvenance(run);
  if (p) {
    return (
      <>
        <button
          className="runs-link"
          data-testid={runsTestIds.runSourceLink}
          title={
            p.pipelineRun
              ? `Open the pipeline ${p.pipeline} on its Grid at this run${p.task ? ` and task ${p.task}` : ''}`
              : `Open the pipeline ${p.pipeline}`
          }
          onClick={() => void openPipelineRun(p)}
        >
          <GitBranch size={12} /> {describePipelineProvenance(p)}
        </button>
        {p.pipelineRun && (
          <span className="muted" title={`The pipeline run ${p.pipelineRun}`}>
            · run{' '}
            {p.pipelineRun.startsWith(`${p.pipeline}__`)
              ? p.pipelineRun.slice(p.pipeline.length + 2)
              : p.pipelineRun}
          </span>
        )}
      </>
    );
  }
  return <span>{s.name ?? <span className="muted">unknown</span>}</span>;
}

function Description({ run, onSaved }: { run: Run; onSaved(r: Run): void }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(run.info.description);
  const html = useMemo(() => renderMarkdown(run.info.description), [run.info.description]);
  const save = async () => {
    try {
      onSaved(await client.call('tracker.updateRun', { runId: run.info.runId, description: text }));
      setEditing(false);
    } catch (err) {
      reportError('Could not save the description', err);
    }
  };
  return (
    <section className="cmp-section" data-testid={runsTestIds.runDescription}>
      <div className="cmp-section-head">
        <h3>Description</h3>
        <span className="spacer" />
        {!editing && (
          <button
            className="btn btn-small"
            data-testid={runsTestIds.runDescriptionEdit}
            onClick={() => (setText(run.info.description), setEditing(true))}
          >
            <Pencil size={12} /> Edit
          </button>
        )}
      </div>
      {editing ? (
        <div className="run-desc-edit">
          <textarea
            className="run-desc-text"
            value={text}
            autoFocus
            placeholder="Markdown: what this run tried, what came out of it"
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void save();
              if (e.key === 'Escape') setEditing(false);
            }}
          />
          <div className="dialog-buttons">
            <button className="btn btn-small" onClick={() => setEditing(false)}>
              Cancel
            </button>
            <button className="btn btn-small btn-primary" onClick={() => void save()}>
              Save
            </button>
          </div>
        </div>
      ) : run.info.description.trim() ? (
        <div className="markdown-body run-desc" dangerouslySetInnerHTML={{ __html: html }} />
      ) : (
        <div className="muted cmp-empty">No description.</div>
      )}
    </section>
  );
}

function Tags({ run, reload }: { run: Run; reload(): void }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [showSystem, setShowSystem] = useState(false);
  const entries = Object.entries(run.tags)
    .filter(([k]) => showSystem || !(k.startsWith('mlflow.') || k.startsWith('lakebench.')))
    .sort(([a], [b]) => a.localeCompare(b));
  const set = async (k: string, v: string) => {
    try {
      await client.call('tracker.setTag', { runId: run.info.runId, key: k, value: v });
      reload();
    } catch (err) {
      reportError(`Could not set the tag ${k}`, err);
    }
  };
  const del = async (k: string) => {
    try {
      await client.call('tracker.deleteTag', { runId: run.info.runId, key: k });
      reload();
    } catch (err) {
      reportError(`Could not delete the tag ${k}`, err);
    }
  };
  return (
    <section className="cmp-section">
      <div className="cmp-section-head">
        <h3>Tags</h3>
        <span className="spacer" />
        <label className="cmp-switch">
          <input type="checkbox" checked={showSystem} onChange={(e) => setShowSystem(e.target.checked)} />{' '}
          System tags
        </label>
      </div>
      <table className="cmp-table run-kv">
        <tbody>
          {entries.map(([k, v]) => (
            <tr key={k} data-testid={runsTestIds.runTag(k)}>
              <td className="cmp-key-col">{k}</td>
              <td>
                <input
                  className="run-tag-input"
                  defaultValue={v}
                  key={v}
                  aria-label={`Value of ${k}`}
                  onKeyDown={(e) => e.key === 'Enter' && void set(k, e.currentTarget.value)}
                  onBlur={(e) => e.currentTarget.value !== v && void set(k, e.currentTarget.value)}
                />
              </td>
              <td className="run-kv-actions">
                <button className="icon-btn" title={`Delete the tag ${k}`} onClick={() => void del(k)}>
                  <Trash2 size={13} />
                </button>
              </td>
            </tr>
          ))}
          <tr>
            <td className="cmp-key-col">
              <input
                className="run-tag-input"
                placeholder="new tag"
                value={key}
                onChange={(e) => setKey(e.target.value)}
                aria-label="New tag key"
              />
            </td>
            <td>
              <input
                className="run-tag-input"
                placeholder="value"
                value={value}
                aria-label="New tag value"
                onChange={(e) => setValue(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' && key.trim())
                    void set(key.trim(), value).then(() => (setKey(''), setValue('')));
                }}
              />
            </td>
            <td className="run-kv-actions">
              <button
                className="icon-btn"
                title="Add the tag"
                disabled={!key.trim()}
                onClick={() => void set(key.trim(), value).then(() => (setKey(''), setValue('')))}
              >
                <Plus size={13} />
              </button>
            </td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}

function MetricsSection({ run }: { run: Run }) {
  const keys = useMemo(() => Object.keys(run.metrics).sort(), [run]);
  const [series, setSeries] = useState<MetricSeries[]>([]);
  useEffect(() => {
    if (!keys.length) return;
    let live = true;
    client
      .call('tracker.getMetricHistories', {
        runIds: [run.info.runId],
        keys: keys.slice(0, 100),
        maxPoints: 1000,
        xAxis: 'step',
      })
      .then((r) => live && setSeries(r.series))
      .catch((err: unknown) => reportError('Could not load the metric histories', err));
    return () => {
      live = false;
    };
  }, [run, keys]);
  if (!keys.length) return null;
  const legend = [{ runId: run.info.runId, name: run.info.runName, color: '#61afef' }];
  const byKey = new Map(series.map((s) => [s.key, s]));
  return (
    <section className="cmp-section">
      <div className="cmp-section-head">
        <h3>Metrics</h3>
      </div>
      <table className="cmp-table run-kv">
        <thead>
          <tr>
            <th className="cmp-key-col">Metric</th>
            <th>Latest</th>
            <th>Min</th>
            <th>Max</th>
            <th>Points</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => {
            const m = run.metrics[k];
            const s = byKey.get(k);
            return (
              <tr key={k}>
                <td className="cmp-key-col">{k}</td>
                <td className="cmp-num">
                  {formatNumber(metricNumber(m.value))} <span className="muted">(step {m.step})</span>
                </td>
                <td className="cmp-num">
                  {s?.min ? `${formatNumber(s.min.value)} (step ${s.min.step})` : ''}
                </td>
                <td className="cmp-num">
                  {s?.max ? `${formatNumber(s.max.value)} (step ${s.max.step})` : ''}
                </td>
                <td className="cmp-num">{s ? s.count.toLocaleString() : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="cmp-charts">
        {keys
          .filter((k) => (byKey.get(k)?.count ?? 0) > 1)
          .slice(0, 12)
          .map((k) => (
            <div className="cmp-chart" key={k}>
              <div className="cmp-chart-title">{k}</div>
              <EChart
                height={180}
                option={metricLineOption(
                  k,
                  series,
                  legend,
                  { xAxis: 'step', logY: false, smoothing: 0, showPoints: false },
                  { axis: axisStyle, tooltip: tooltipStyle },
                )}
              />
            </div>
          ))}
      </div>
    </section>
  );
}

function ArtifactPreview({ content }: { content: ArtifactContent }) {
  const imageUrl = useMemo(
    () =>
      content.kind === 'image'
        ? URL.createObjectURL(new Blob([content.bytes as BlobPart], { type: content.mimeType }))
        : null,
    [content],
  );
  useEffect(() => () => void (imageUrl && URL.revokeObjectURL(imageUrl)), [imageUrl]);
  const cut =
    'truncated' in content && content.truncated ? (
      <div className="muted">Showing the first part of {content.size.toLocaleString()} bytes.</div>
    ) : null;
  switch (content.kind) {
    case 'image':
      return <img className="artifact-image" src={imageUrl ?? ''} alt={content.path} />;
    case 'json': {
      let pretty = content.text;
      try {
        pretty = JSON.stringify(JSON.parse(content.text), null, 2);
      } catch {
        // Cut or invalid JSON is shown as it is.
      }
      return (
        <>
          {cut}
          <pre className="artifact-text">{pretty}</pre>
        </>
      );
    }
    case 'csv': {
      const rows = parseCsv(content.text, 1000);
      const [head, ...body] = rows;
      return (
        <>
          {cut}
          <div className="cmp-table-wrap artifact-csv">
            <table className="cmp-table">
              <thead>
                <tr>
                  {(head ?? []).map((h, i) => (
                    <th key={i}>{h}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {body.map((r, i) => (
                  <tr key={i}>
                    {r.map((c, j) => (
                      <td key={j}>{c}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      );
    }
    case 'text':
      return (
        <>
          {cut}
          <pre className="artifact-text">{content.text}</pre>
        </>
      );
    case 'binary':
      return (
        <div className="muted">
          {content.mimeType} · {content.size.toLocaleString()} bytes — no preview for this kind of file.
        </div>
      );
  }
}

function Artifacts({ run }: { run: Run }) {
  const [dirs, setDirs] = useState<Record<string, ArtifactEntry[]>>({});
  const [open, setOpen] = useState<Set<string>>(() => new Set(['']));
  const [chosen, setChosen] = useState<string | null>(null);
  const [content, setContent] = useState<ArtifactContent | null>(null);
  const [error, setError] = useState<string | null>(null);
  const list = useCallback(
    async (path: string) => {
      try {
        const r = await client.call('tracker.listArtifacts', { runId: run.info.runId, path });
        setDirs((d) => ({ ...d, [path]: r.files }));
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err));
      }
    },
    [run.info.runId],
  );
  useEffect(() => void list(''), [list]);
  const show = async (path: string) => {
    setChosen(path);
    setContent(null);
    try {
      setContent(
        await client.call('tracker.readArtifact', { runId: run.info.runId, path, maxBytes: 1024 * 1024 }),
      );
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const tree = (path: string, depth: number): React.ReactNode =>
    (dirs[path] ?? []).map((e) => {
      const name = e.path.split('/').pop() ?? e.path;
      const isOpen = open.has(e.path);
      return (
        <div key={e.path}>
          <div
            className={`tree-row${chosen === e.path ? ' active' : ''}`}
            style={{ paddingLeft: 8 + depth * 12 }}
            data-testid={runsTestIds.runArtifact(e.path)}
            onClick={() => {
              if (!e.isDir) return void show(e.path);
              setOpen((o) => {
                const n = new Set(o);
                if (n.has(e.path)) n.delete(e.path);
                else {
                  n.add(e.path);
                  if (!dirs[e.path]) void list(e.path);
                }
                return n;
              });
            }}
          >
            {e.isDir ? (
              isOpen ? (
                <FolderOpen size={13} className="file-icon dir" />
              ) : (
                <Folder size={13} className="file-icon dir" />
              )
            ) : (
              <File size={13} className="file-icon" />
            )}
            <span className="tree-name">{name}</span>
            {e.fileSize !== null && <span className="tree-meta">{e.fileSize.toLocaleString()}</span>}
          </div>
          {e.isDir && isOpen && tree(e.path, depth + 1)}
        </div>
      );
    });
  return (
    <section className="cmp-section">
      <div className="cmp-section-head">
        <h3>Artifacts</h3>
      </div>
      {error && <div className="runs-search-error">{error}</div>}
      {dirs['']?.length === 0 ? (
        <div className="muted cmp-empty">No artifacts logged.</div>
      ) : (
        <div className="artifact-browser">
          <div className="artifact-tree">{tree('', 0)}</div>
          <div className="artifact-preview" data-testid={runsTestIds.runArtifactPreview}>
            {chosen === null ? (
              <div className="muted">Choose a file to preview it.</div>
            ) : content ? (
              <ErrorBoundary what="This preview" resetKey={chosen}>
                <div className="artifact-path mono">{chosen}</div>
                <ArtifactPreview content={content} />
              </ErrorBoundary>
            ) : (
              <div className="muted">Loading {chosen}…</div>
            )}
          </div>
        </div>
      )}
    </section>
  );
}

/** One run: overview, description, params, metrics with charts, tags, artifacts, parent and children. */
export function RunPage({ runId }: { runId: string }) {
  const [run, setRun] = useState<Run | null>(null);
  const [children, setChildren] = useState<Run[]>([]);
  const [error, setError] = useState<string | null>(null);
  const experiments = useRuns((s) => s.experiments);
  const load = useCallback(() => {
    client
      .call('tracker.getRun', { runId })
      .then((r) => {
        setRun(r);
        setError(null);
        return client.call('tracker.searchRuns', {
          experimentIds: [r.info.experimentId],
          filter: `tags.\`mlflow.parentRunId\` = '${runId}'`,
          orderBy: [],
          maxResults: 200,
          pageToken: null,
        });
      })
      .then((page) => setChildren(page.runs))
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  }, [runId]);
  useEffect(() => {
    load();
    return client.on('tracker.onRunsChanged', (e) => {
      if (e.runIds.includes(runId)) load();
    });
  }, [load, runId]);

  if (error)
    return (
      <div className="runs-search-error">
        Could not load the run {shortId(runId)}: {error}
      </div>
    );
  if (!run) return <div className="runs-empty muted">Loading…</div>;
  const i = run.info;
  const markFailed = async () => {
    try {
      setRun(await client.call('tracker.updateRun', { runId, status: 'FAILED' }));
    } catch (err) {
      reportError('Could not mark the run failed', err);
    }
  };
  const params = Object.entries(run.params).sort(([a], [b]) => a.localeCompare(b));
  const exp = experiments.find((e) => e.experimentId === i.experimentId);
  return (
    <div className="cmp-view run-page" data-testid={runsTestIds.runPage}>
      <div className="run-title">
        <h2>{i.runName || shortId(i.runId)}</h2>
        <span
          className="run-status"
          data-testid={runsTestIds.runStatus}
          style={{ color: STATUS_COLORS[i.status], borderColor: STATUS_COLORS[i.status] }}
        >
          {i.status}
        </span>
        {i.lifecycleStage === 'deleted' && <span className="run-status">deleted</span>}
        <span className="spacer" />
        {i.status === 'RUNNING' && (
          <button
            className="btn btn-small btn-danger"
            data-testid={runsTestIds.runMarkFailed}
            title="For a run whose process died without ending it"
            onClick={() => void markFailed()}
          >
            <CircleX size={13} /> Mark as failed
          </button>
        )}
      </div>
      <section className="cmp-section">
        <dl className="run-overview">
          <Field label="Run ID">
            <span className="mono">{i.runId}</span>
          </Field>
          <Field label="Experiment">{exp?.name ?? i.experimentId}</Field>
          <Field label="Started">{formatTime(i.startTime)}</Field>
          <Field label="Ended">{i.endTime ? formatTime(i.endTime) : <span className="muted">—</span>}</Field>
          <Field label="Duration">
            {formatDuration(runDuration(i.startTime, i.endTime, i.status, Date.now()))}
          </Field>
          <Field label="User">{i.userId}</Field>
          <Field label="Produced by">
            <span className="run-source" data-testid={runsTestIds.runSource}>
              <SourceLink run={run} />
              {i.source.version && (
                <span className="run-source-version" title={i.source.version}>
                  (version <span className="mono">{shortVersion(i.source.version)}</span>)
                </span>
              )}
            </span>
          </Field>
          <Field label="Artifacts">
            <span className="mono">{i.artifactUri}</span>
          </Field>
          {i.parentRunId && (
            <Field label="Parent run">
              <button className="runs-link" onClick={() => openRun(i.parentRunId as string)}>
                {shortId(i.parentRunId)}
              </button>
            </Field>
          )}
          {children.length > 0 && (
            <Field label="Child runs">
              {children.map((c) => (
                <button
                  key={c.info.runId}
                  className="runs-link run-child"
                  onClick={() => openRun(c.info.runId)}
                >
                  {c.info.runName || shortId(c.info.runId)}
                </button>
              ))}
            </Field>
          )}
          {run.inputs.length > 0 && (
            <Field label="Datasets">
              {run.inputs
                .map(
                  (d) =>
                    `${d.name} (${d.tags['mlflow.data.context'] ?? d.sourceType}, ${d.digest.slice(0, 8)})`,
                )
                .join(', ')}
            </Field>
          )}
        </dl>
      </section>
      <ErrorBoundary what="The description">
        <Description run={run} onSaved={setRun} />
      </ErrorBoundary>
      <section className="cmp-section">
        <div className="cmp-section-head">
          <h3>Parameters</h3>
        </div>
        {params.length ? (
          <table className="cmp-table run-kv">
            <tbody>
              {params.map(([k, v]) => (
                <tr key={k}>
                  <td className="cmp-key-col">{k}</td>
                  <td>{v}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <div className="muted cmp-empty">No params logged.</div>
        )}
      </section>
      <ErrorBoundary what="The metrics">
        <MetricsSection run={run} />
      </ErrorBoundary>
      <ErrorBoundary what="The tags">
        <Tags run={run} reload={load} />
      </ErrorBoundary>
      <ErrorBoundary what="The artifacts">
        <Artifacts run={run} />
      </ErrorBoundary>
    </div>
  );
}
