import { Check, Eraser, Search, X } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import type { TaskTry } from '../../shared/pipeline/model';
import { client } from '../api';
import { reportError } from '../state/toasts';
import { confirmAction } from './Modal';
import { STATE_COLORS, STATE_LABELS, elapsedMs, formatDuration } from './run-views';
import { closeSquare, loadDetail, squareInstance, useRuns } from './runs-store';
import { pipelineTestIds as ids } from './testids';
import { useTicker } from './GridView';

const MAX_LOG_CHARS = 2_000_000;

/**
 * A try's log, read by byte offset and read on whenever the try writes more (an onLog event), so a running
 * try's log tails without re-reading what is shown and without polling.
 */
function useTryLog(runId: string, taskId: string, tryNumber: number, running: boolean) {
  const [text, setText] = useState('');
  const [complete, setComplete] = useState(false);
  const offset = useRef(0);
  const busy = useRef(false);
  const again = useRef(false);
  const readers = useRef<() => Promise<void>>(async () => {});

  useEffect(() => {
    let alive = true;
    offset.current = 0;
    setText('');
    setComplete(false);
    const read = async () => {
      if (busy.current) {
        again.current = true;
        return;
      }
      busy.current = true;
      try {
        for (;;) {
          const r = await client.call('pipelines.readLog', {
            runId,
            taskId,
            tryNumber,
            offset: offset.current,
            maxBytes: 256_000,
          });
          if (!alive) return;
          offset.current = r.nextOffset;
          if (r.text) setText((t) => (t + r.text).slice(-MAX_LOG_CHARS));
          setComplete(r.complete);
          if (r.nextOffset >= r.size) break;
        }
      } catch (err) {
        if (alive) reportError(`Could not read the log of ${taskId} try ${tryNumber}`, err);
      } finally {
        busy.current = false;
        if (again.current && alive) {
          again.current = false;
          void read();
        }
      }
    };
    void read();
    const off = client.on('pipelines.onLog', (e) => {
      if (e.runId === runId && e.taskId === taskId && e.tryNumber === tryNumber) void read();
    });
    readers.current = read;
    return () => {
      alive = false;
      off();
    };
  }, [runId, taskId, tryNumber]);

  // The try ended: read what it wrote last.
  useEffect(() => {
    if (!running) void readers.current();
  }, [running]);
  return { text, complete };
}

function LogSearch({ runId, taskId, tryNumber }: { runId: string; taskId: string; tryNumber: number }) {
  const [query, setQuery] = useState('');
  const [result, setResult] = useState<Awaited<ReturnType<typeof searchLog>> | null>(null);
  const search = async () => {
    if (!query.trim()) return setResult(null);
    try {
      setResult(await searchLog(runId, taskId, tryNumber, query));
    } catch (err) {
      reportError('Could not search the log', err);
    }
  };
  return (
    <div className="log-search">
      <form
        className="log-search-bar"
        onSubmit={(e) => {
          e.preventDefault();
          void search();
        }}
      >
        <Search size={13} />
        <input
          className="input"
          placeholder="Search this task's logs (all tries)"
          value={query}
          data-testid={ids.logSearchInput}
          onChange={(e) => setQuery(e.target.value)}
        />
        {result && (
          <button type="button" className="icon-btn" title="Close the search" onClick={() => setResult(null)}>
            <X size={13} />
          </button>
        )}
      </form>
      {result && (
        <div className="log-search-results" data-testid={ids.logSearchResults}>
          {result.matches.length === 0 && <div className="muted">No line matches.</div>}
          {result.matches.map((m, i) => (
            <div className="log-match" key={i}>
              <div className="log-match-where muted">
                try {m.tryNumber}, line {m.line}
              </div>
              <pre className="log-text">
                {m.before.map((l, j) => (
                  <div key={`b${j}`} className="log-context">
                    {l}
                  </div>
                ))}
                <div className="log-hit">{m.text}</div>
                {m.after.map((l, j) => (
                  <div key={`a${j}`} className="log-context">
                    {l}
                  </div>
                ))}
              </pre>
            </div>
          ))}
          {result.truncated && <div className="muted">More matches than shown; refine the search.</div>}
        </div>
      )}
    </div>
  );
}

function searchLog(runId: string, taskId: string, _tryNumber: number, query: string) {
  return client.call('pipelines.searchLog', {
    runId,
    taskId,
    query,
    context: 3,
    regex: false,
    caseSensitive: false,
    limit: 500,
  });
}

function TryLog({ runId, taskId, tr }: { runId: string; taskId: string; tr: TaskTry }) {
  const running = tr.state === 'running' || tr.state === 'queued';
  const { text, complete } = useTryLog(runId, taskId, tr.tryNumber, running);
  const pre = useRef<HTMLPreElement>(null);
  const stick = useRef(true);
  useEffect(() => {
    const el = pre.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [text]);
  return (
    <pre
      className="log-text log-box"
      ref={pre}
      data-testid={ids.tryLog}
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 30;
      }}
    >
      {text || <span className="muted">{complete ? '(no output)' : 'waiting for output…'}</span>}
      {!complete && text && <span className="log-live">▍</span>}
    </pre>
  );
}

async function act(what: string, call: () => Promise<unknown>, runId: string) {
  try {
    await call();
    await loadDetail(runId);
  } catch (err) {
    reportError(what, err);
  }
}

/** The clicked square: the task instance's state, its tries, what each rendered and returned, and its log. */
export function TryDetails() {
  const square = useRuns((s) => s.square);
  const ti = useRuns(squareInstance);
  const [pick, setPick] = useState<number | null>(null);
  useEffect(() => setPick(null), [square?.runId, square?.taskId]);
  const running = ti?.state === 'running' || ti?.state === 'queued';
  const now = useTicker(running);
  if (!square) return null;
  const { runId, taskId } = square;
  const tr = ti?.tries.find((t) => t.tryNumber === (pick ?? ti.tryNumber)) ?? ti?.tries[ti.tries.length - 1];
  return (
    <aside className="try-details" data-testid={ids.tryDetails}>
      <div className="try-head">
        <span className="try-title">{taskId}</span>
        <span className="spacer" />
        <button className="icon-btn" title="Close" onClick={closeSquare}>
          <X size={14} />
        </button>
      </div>
      <div className="try-run muted mono">{runId}</div>
      {!ti ? (
        <div className="muted">Loading…</div>
      ) : (
        <>
          <div className="try-state-line">
            <span
              className="state-pill"
              data-testid={ids.tryState}
              style={{
                background: STATE_COLORS[ti.state],
                color: ti.state === 'none' ? 'var(--fg)' : '#111',
              }}
            >
              {STATE_LABELS[ti.state]}
            </span>
            <span className="muted">
              try {ti.tryNumber} of {ti.maxTries}
              {elapsedMs(ti, now) !== null && ` · ${formatDuration(elapsedMs(ti, now))}`}
            </span>
            {ti.nextTryAt && ti.state === 'up_for_retry' && (
              <span className="muted"> · next try {new Date(ti.nextTryAt).toLocaleTimeString()}</span>
            )}
          </div>
          <div className="try-actions">
            <button
              className="btn btn-small"
              data-testid={ids.tryClear}
              title="Run this task again"
              onClick={() =>
                void act(
                  'Could not clear the task',
                  () => client.call('pipelines.clearTasks', { runId, taskIds: [taskId], downstream: false }),
                  runId,
                )
              }
            >
              <Eraser size={12} /> Clear
            </button>
            <button
              className="btn btn-small"
              data-testid={ids.tryClearDownstream}
              title="Run this task and everything downstream again"
              onClick={() =>
                void confirmAction({
                  title: `Clear ${taskId} and downstream?`,
                  message: 'This task and every task downstream of it run again in this run.',
                  okLabel: 'Clear',
                }).then((ok) => {
                  if (ok)
                    void act(
                      'Could not clear the tasks',
                      () =>
                        client.call('pipelines.clearTasks', { runId, taskIds: [taskId], downstream: true }),
                      runId,
                    );
                })
              }
            >
              <Eraser size={12} /> Clear + downstream
            </button>
            <button
              className="btn btn-small"
              data-testid={ids.tryMarkSuccess}
              onClick={() =>
                void act(
                  'Could not mark the task',
                  () =>
                    client.call('pipelines.markTasks', {
                      runId,
                      taskIds: [taskId],
                      state: 'success',
                      downstream: false,
                    }),
                  runId,
                )
              }
            >
              <Check size={12} /> Mark success
            </button>
            <button
              className="btn btn-small"
              data-testid={ids.tryMarkFailed}
              onClick={() =>
                void act(
                  'Could not mark the task',
                  () =>
                    client.call('pipelines.markTasks', {
                      runId,
                      taskIds: [taskId],
                      state: 'failed',
                      downstream: false,
                    }),
                  runId,
                )
              }
            >
              <X size={12} /> Mark failed
            </button>
          </div>
          {ti.tries.length > 1 && (
            <div className="try-tabs">
              {ti.tries.map((t) => (
                <button
                  key={t.tryNumber}
                  className={t.tryNumber === tr?.tryNumber ? 'try-tab active' : 'try-tab'}
                  data-testid={ids.trySelect(t.tryNumber)}
                  onClick={() => setPick(t.tryNumber)}
                >
                  <span className="legend-swatch" style={{ background: STATE_COLORS[t.state] }} /> try{' '}
                  {t.tryNumber}
                </button>
              ))}
            </div>
          )}
          {tr ? (
            <div className="try-body">
              <dl className="try-facts">
                <dt>Try</dt>
                <dd>
                  {tr.tryNumber} · {tr.state}
                  {tr.exitCode !== null && ` · exit code ${tr.exitCode}`}
                </dd>
                <dt>Queued</dt>
                <dd className="mono">{tr.queuedAt ? new Date(tr.queuedAt).toLocaleTimeString() : '—'}</dd>
                <dt>Started</dt>
                <dd className="mono">{tr.startedAt ? new Date(tr.startedAt).toLocaleTimeString() : '—'}</dd>
                <dt>Duration</dt>
                <dd className="mono">{formatDuration(elapsedMs(tr, now)) || '—'}</dd>
              </dl>
              {tr.error && (
                <div className="try-error" role="alert">
                  <strong>{tr.error.code}</strong> {tr.error.message}
                </div>
              )}
              <div className="try-section">Rendered</div>
              <div data-testid={ids.tryRendered}>
                {Object.keys(tr.rendered).length === 0 ? (
                  <div className="muted">No templated fields.</div>
                ) : (
                  Object.entries(tr.rendered).map(([k, v]) => (
                    <div key={k} className="rendered-field">
                      <div className="muted mono">{k}</div>
                      <pre className="log-text">{v}</pre>
                    </div>
                  ))
                )}
              </div>
              <div className="try-section">Output</div>
              <pre className="log-text" data-testid={ids.tryOutput}>
                {tr.output === null || tr.output === undefined ? (
                  <span className="muted">none</span>
                ) : (
                  JSON.stringify(tr.output, null, 2)
                )}
              </pre>
              <div className="try-section">Log</div>
              <TryLog key={`${runId}/${taskId}/${tr.tryNumber}`} runId={runId} taskId={taskId} tr={tr} />
              <LogSearch runId={runId} taskId={taskId} tryNumber={tr.tryNumber} />
            </div>
          ) : (
            <div className="muted">No try yet: the task has not started in this run.</div>
          )}
        </>
      )}
    </aside>
  );
}
