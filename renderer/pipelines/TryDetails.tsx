import { Check, ChevronDown, ChevronUp, Eraser, Search, X } from 'lucide-react';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { toErrorData } from '../../shared/errors';
import type { TaskState, TaskTry } from '../../shared/pipeline/model';
import { client } from '../api';
import { reportError } from '../state/toasts';
import { confirmAction } from './Modal';
import {
  STATE_COLORS,
  STATE_LABELS,
  elapsedMs,
  formatDuration,
  matchRanges,
  type LogQuery,
} from './run-views';
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

type SearchResult = Awaited<ReturnType<typeof searchLog>>;

function searchLog(args: {
  runId: string;
  taskId: string;
  query: string;
  regex: boolean;
  caseSensitive: boolean;
  context: number;
}) {
  return client.call('pipelines.searchLog', { ...args, limit: 500 });
}

const CONTEXT_CHOICES = [0, 1, 2, 3, 5, 10];

/** A line of the log with what the search matched in it marked. */
function Marked({ text, q }: { text: string; q: LogQuery }) {
  const ranges = matchRanges(text, q);
  if (!ranges.length) return <>{text}</>;
  const out: ReactNode[] = [];
  let at = 0;
  for (const [a, b] of ranges) {
    if (a > at) out.push(text.slice(at, a));
    out.push(<mark key={a}>{text.slice(a, b)}</mark>);
    at = b;
  }
  if (at < text.length) out.push(text.slice(at));
  return <>{out}</>;
}

/**
 * Searches every try's log of the task as the user types: each match with the lines around it, the match
 * marked, and next/previous (Enter / Shift+Enter) stepping through them. It searches again when a try ends.
 */
function LogSearch({ runId, taskId, version }: { runId: string; taskId: string; version: string }) {
  const [query, setQuery] = useState('');
  const [caseSensitive, setCaseSensitive] = useState(false);
  const [regex, setRegex] = useState(false);
  const [context, setContext] = useState(3);
  const [result, setResult] = useState<{ q: LogQuery; data: SearchResult } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [current, setCurrent] = useState(0);
  const list = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!query) {
      setResult(null);
      setProblem(null);
      return;
    }
    let stale = false;
    const q = { query, regex, caseSensitive };
    const t = setTimeout(() => {
      searchLog({ runId, taskId, context, ...q })
        .then((data) => {
          if (stale) return;
          setResult({ q, data });
          setProblem(null);
          setCurrent((c) => Math.min(c, Math.max(0, data.matches.length - 1)));
        })
        .catch((err) => {
          if (stale) return;
          setResult(null);
          setProblem(toErrorData(err).message);
        });
    }, 200);
    return () => {
      stale = true;
      clearTimeout(t);
    };
  }, [runId, taskId, query, regex, caseSensitive, context, version]);

  // A new query starts at its first match.
  useEffect(() => setCurrent(0), [query, regex, caseSensitive]);

  // Scrolls the results only (scrollIntoView would scroll the whole panel away from the actions too).
  useEffect(() => {
    const box = list.current;
    const el = box?.querySelector<HTMLElement>('[data-current="true"]');
    if (!box || !el) return;
    const top = el.offsetTop; // the results box is the offset parent (position: relative)
    if (top < box.scrollTop) box.scrollTop = top;
    else if (top + el.offsetHeight > box.scrollTop + box.clientHeight)
      box.scrollTop = top + el.offsetHeight - box.clientHeight;
  }, [current, result]);

  const matches = result?.data.matches ?? [];
  const step = (by: number) => {
    if (matches.length) setCurrent((c) => (c + by + matches.length) % matches.length);
  };
  const total = result?.data.total ?? 0;
  return (
    <div className="log-search">
      <div className="log-search-bar">
        <Search size={13} />
        <input
          className="input mono"
          placeholder="Search this task's logs (every try)"
          value={query}
          data-testid={ids.logSearchInput}
          aria-label="Search the logs"
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              step(e.shiftKey ? -1 : 1);
            } else if (e.key === 'Escape' && query) {
              e.stopPropagation();
              setQuery('');
            }
          }}
        />
        <button
          type="button"
          className={caseSensitive ? 'toggle-btn on' : 'toggle-btn'}
          title="Match case"
          aria-pressed={caseSensitive}
          data-testid={ids.logSearchCase}
          onClick={() => setCaseSensitive(!caseSensitive)}
        >
          Aa
        </button>
        <button
          type="button"
          className={regex ? 'toggle-btn on' : 'toggle-btn'}
          title="Regular expression"
          aria-pressed={regex}
          data-testid={ids.logSearchRegex}
          onClick={() => setRegex(!regex)}
        >
          .*
        </button>
        <select
          className="input context-select"
          title="Lines shown before and after each match"
          data-testid={ids.logSearchContext}
          value={context}
          onChange={(e) => setContext(Number(e.target.value))}
        >
          {CONTEXT_CHOICES.map((n) => (
            <option key={n} value={n}>
              ±{n} {n === 1 ? 'line' : 'lines'}
            </option>
          ))}
        </select>
      </div>
      {(result || problem) && (
        <div className="log-search-nav">
          <span className="muted" data-testid={ids.logSearchCount}>
            {problem
              ? ''
              : total === 0
                ? 'No matches'
                : `${current + 1} of ${total} match${total === 1 ? '' : 'es'}${
                    result?.data.truncated ? ` (the first ${matches.length} shown)` : ''
                  }`}
          </span>
          <span className="spacer" />
          <button
            type="button"
            className="icon-btn"
            title="Previous match (Shift+Enter)"
            data-testid={ids.logSearchPrev}
            disabled={matches.length < 2}
            onClick={() => step(-1)}
          >
            <ChevronUp size={14} />
          </button>
          <button
            type="button"
            className="icon-btn"
            title="Next match (Enter)"
            data-testid={ids.logSearchNext}
            disabled={matches.length < 2}
            onClick={() => step(1)}
          >
            <ChevronDown size={14} />
          </button>
          <button type="button" className="icon-btn" title="Close the search" onClick={() => setQuery('')}>
            <X size={13} />
          </button>
        </div>
      )}
      {problem && <div className="form-problem">{problem}</div>}
      {result && matches.length > 0 && (
        <div className="log-search-results" data-testid={ids.logSearchResults} ref={list}>
          {matches.map((m, i) => (
            <div
              className={i === current ? 'log-match current' : 'log-match'}
              key={`${m.tryNumber}:${m.line}`}
              data-testid={ids.logMatch}
              data-current={i === current}
              data-line={m.line}
              onClick={() => setCurrent(i)}
            >
              <div className="log-match-where muted">
                try {m.tryNumber} · line {m.line}
              </div>
              <pre className="log-text log-lines">
                {m.before.map((l, j) => (
                  <div key={`b${j}`} className="log-context" data-testid={ids.logContext}>
                    <span className="log-lineno">{m.line - m.before.length + j}</span>
                    {l}
                  </div>
                ))}
                <div className="log-hit" data-testid={ids.logHit}>
                  <span className="log-lineno">{m.line}</span>
                  <Marked text={m.text} q={result.q} />
                </div>
                {m.after.map((l, j) => (
                  <div key={`a${j}`} className="log-context" data-testid={ids.logContext}>
                    <span className="log-lineno">{m.line + 1 + j}</span>
                    {l}
                  </div>
                ))}
              </pre>
            </div>
          ))}
        </div>
      )}
    </div>
  );
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
      data-complete={complete}
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

/** The task's state was set by hand over what its last try did. */
function isMarked(state: TaskState, tryState: TaskTry['state']): boolean {
  return (state === 'success' || state === 'failed') && tryState !== state && tryState !== 'running';
}

/** Why a task instance has no try to show. */
function noTryText(state: TaskState): string {
  switch (state) {
    case 'upstream_failed':
      return 'It did not run: a task it depends on failed or could not run.';
    case 'skipped':
      return 'It did not run: skipped by its trigger rule, or the run was cancelled before it started.';
    case 'success':
    case 'failed':
      return `Marked ${state} by hand; it has not run in this run.`;
    default:
      return 'No try yet: the task has not started in this run.';
  }
}

/** Clear (run again) and mark (set a state by hand), as Airflow's task actions do. */
function TaskActions({ runId, taskId }: { runId: string; taskId: string }) {
  const [downstream, setDownstream] = useState(false);
  const clear = (withDownstream: boolean) =>
    act(
      withDownstream ? 'Could not clear the tasks' : 'Could not clear the task',
      () => client.call('pipelines.clearTasks', { runId, taskIds: [taskId], downstream: withDownstream }),
      runId,
    );
  const mark = (state: 'success' | 'failed') =>
    act(
      'Could not mark the task',
      () => client.call('pipelines.markTasks', { runId, taskIds: [taskId], state, downstream }),
      runId,
    );
  return (
    <div className="try-actions">
      <div className="try-action-group">
        <span className="muted">Run again</span>
        <button
          className="btn btn-small"
          data-testid={ids.tryClear}
          title="Clear this task so it runs again in this run"
          onClick={() => void clear(false)}
        >
          <Eraser size={12} /> Clear
        </button>
        <button
          className="btn btn-small"
          data-testid={ids.tryClearDownstream}
          title="Clear this task and every task downstream of it, so they run again"
          onClick={() =>
            void confirmAction({
              title: `Clear ${taskId} and downstream?`,
              message: 'This task and every task downstream of it run again in this run.',
              okLabel: 'Clear',
            }).then((ok) => {
              if (ok) void clear(true);
            })
          }
        >
          <Eraser size={12} /> Clear + downstream
        </button>
      </div>
      <div className="try-action-group">
        <span className="muted">Set state</span>
        <button
          className="btn btn-small"
          data-testid={ids.tryMarkSuccess}
          title={`Mark ${taskId}${downstream ? ' and downstream' : ''} success (a running try is stopped)`}
          onClick={() => void mark('success')}
        >
          <Check size={12} /> Mark success
        </button>
        <button
          className="btn btn-small"
          data-testid={ids.tryMarkFailed}
          title={`Mark ${taskId}${downstream ? ' and downstream' : ''} failed (a running try is stopped)`}
          onClick={() => void mark('failed')}
        >
          <X size={12} /> Mark failed
        </button>
        <label className="checkbox-field" title="Marks set the same state on every task downstream">
          <input
            type="checkbox"
            data-testid={ids.tryMarkDownstream}
            checked={downstream}
            onChange={(e) => setDownstream(e.target.checked)}
          />
          <span>downstream too</span>
        </label>
      </div>
    </div>
  );
}

/**
 * A running try stores its rendered fields just before its first log lines, with no task event of its own; the
 * first lines are the sign to read the run again, so a long task shows what it runs while it runs.
 */
function useRenderedWhileRunning(runId: string, taskId: string, tr: TaskTry | undefined): void {
  const waiting = tr?.state === 'running' && Object.keys(tr.rendered).length === 0;
  const tryNumber = tr?.tryNumber;
  useEffect(() => {
    if (!waiting) return;
    const off = client.on('pipelines.onLog', (e) => {
      if (e.runId !== runId || e.taskId !== taskId || e.tryNumber !== tryNumber) return;
      off();
      void loadDetail(runId);
    });
    return off;
  }, [waiting, runId, taskId, tryNumber]);
}

/** The clicked square: the task instance's state, its tries, what each rendered and returned, and its log. */
export function TryDetails() {
  const square = useRuns((s) => s.square);
  const ti = useRuns(squareInstance);
  const [pick, setPick] = useState<number | null>(null);
  useEffect(() => setPick(null), [square?.runId, square?.taskId]);
  const running = ti?.state === 'running' || ti?.state === 'queued';
  const now = useTicker(running);
  const tr = ti?.tries.find((t) => t.tryNumber === (pick ?? ti.tryNumber)) ?? ti?.tries[ti.tries.length - 1];
  useRenderedWhileRunning(square?.runId ?? '', square?.taskId ?? '', tr);
  if (!square) return null;
  const { runId, taskId } = square;
  const waiting = ti?.state === 'none' || ti?.state === 'scheduled' || ti?.state === 'up_for_retry';
  return (
    <aside className="try-details" data-testid={ids.tryDetails}>
      <div className="try-head">
        <span className="try-title" data-testid={ids.tryTitle}>
          {taskId}
        </span>
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
              {ti.tryNumber > 0 ? `try ${ti.tryNumber} of ${ti.maxTries}` : `up to ${ti.maxTries} tries`}
              {elapsedMs(ti, now) !== null && ` · ${formatDuration(elapsedMs(ti, now))}`}
            </span>
            {ti.nextTryAt && ti.state === 'up_for_retry' && (
              <span className="muted"> · next try {new Date(ti.nextTryAt).toLocaleTimeString()}</span>
            )}
          </div>
          <TaskActions runId={runId} taskId={taskId} />
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
              {!waiting && tr.tryNumber === ti.tryNumber && isMarked(ti.state, tr.state) && (
                <div className="muted try-note">
                  Marked {STATE_LABELS[ti.state]} by hand; the try itself{' '}
                  {tr.state === 'success' ? 'succeeded' : tr.state}.
                </div>
              )}
              {waiting && (
                <div className="muted try-note">
                  It runs again in this run; until then, this is its try {tr.tryNumber}.
                </div>
              )}
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
                <div className="try-error" role="alert" data-testid={ids.tryError}>
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
              <LogSearch runId={runId} taskId={taskId} version={`${ti.tryNumber}:${tr.state}`} />
              <TryLog key={`${runId}/${taskId}/${tr.tryNumber}`} runId={runId} taskId={taskId} tr={tr} />
            </div>
          ) : (
            <div className="muted try-note">{noTryText(ti.state)}</div>
          )}
        </>
      )}
    </aside>
  );
}
