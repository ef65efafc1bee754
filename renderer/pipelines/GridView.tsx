import { useEffect, useMemo, useRef, useState } from 'react';
import { STATE_LABELS, STATE_COLORS, formatDuration, gridModel, visibleRows, elapsedMs } from './run-views';
import { openSquare, useRuns } from './runs-store';
import { TryDetails } from './TryDetails';
import { pipelineTestIds as ids } from './testids';

const ROW = 22;
const COL = 22;
const BAR_H = 64;

/** Re-renders every second while something runs, so running durations grow. */
export function useTicker(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return active ? now : Date.now();
}

/**
 * Airflow's grid: a column per run (oldest left), a row per task, a square per task instance coloured by its
 * state, and each run's duration as a bar above its column. Rows are windowed, so 5,000 tasks scroll smoothly.
 */
export function GridView() {
  const runs = useRuns((s) => s.runs);
  const taskIds = useRuns((s) => s.taskIds);
  const square = useRuns((s) => s.square);
  const loading = useRuns((s) => s.loading);
  const selectedRunId = useRuns((s) => s.selectedRunId);
  const running = runs.some((r) => r.state === 'running' || r.state === 'queued');
  const now = useTicker(running);
  const model = useMemo(() => gridModel(runs, taskIds, now), [runs, taskIds, now]);
  const scroller = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 600 });

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const update = () => setView({ top: el.scrollTop, height: el.clientHeight });
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    el.addEventListener('scroll', update, { passive: true });
    return () => {
      observer.disconnect();
      el.removeEventListener('scroll', update);
    };
  }, []);

  const { start, end } = visibleRows(view.top, view.height, ROW, model.taskIds.length);
  const rows = model.taskIds.slice(start, end);
  const width = model.runs.length * COL;

  return (
    <div className="grid-view">
      <div className="grid-main" data-testid={ids.grid}>
        {model.runs.length === 0 && (
          <div className="grid-empty muted">
            {loading ? 'Loading runs…' : 'No runs yet: press Run to start one.'}
          </div>
        )}
        <div className="grid-scroll" ref={scroller}>
          <div className="grid-header" style={{ height: BAR_H }}>
            <div className="grid-names-head muted">
              {model.taskIds.length} tasks · {model.runs.length} runs
            </div>
            <div className="grid-bars" style={{ width }}>
              {model.runs.map((r, i) => {
                const d = elapsedMs(r, now) ?? 0;
                const h = model.maxDurationMs
                  ? Math.max(3, Math.round(((BAR_H - 12) * d) / model.maxDurationMs))
                  : 3;
                return (
                  <button
                    key={r.runId}
                    className={selectedRunId === r.runId ? 'grid-bar selected' : 'grid-bar'}
                    style={{ left: i * COL, height: h, background: STATE_COLORS[r.state] }}
                    data-testid={ids.gridRun(i)}
                    data-state={r.state}
                    title={`${r.logicalDate} · ${r.runType} · ${r.state}${d ? ` · ${formatDuration(d)}` : ''}`}
                    onClick={() => useRuns.setState({ selectedRunId: r.runId })}
                  />
                );
              })}
            </div>
          </div>
          <div className="grid-body" style={{ height: model.taskIds.length * ROW }}>
            {rows.map((taskId, k) => {
              const row = start + k;
              return (
                <div className="grid-row" key={taskId} style={{ top: row * ROW, height: ROW }}>
                  <div className="grid-name" title={taskId}>
                    {taskId}
                  </div>
                  <div className="grid-cells" style={{ width }}>
                    {model.runs.map((r, i) => {
                      const ti = model.cells[i].get(taskId);
                      const state = ti?.state ?? 'none';
                      const active = square?.runId === r.runId && square.taskId === taskId;
                      const d = ti ? elapsedMs(ti, now) : null;
                      return (
                        <button
                          key={r.runId}
                          className={`grid-square${active ? ' active' : ''}${ti ? '' : ' absent'}`}
                          style={{
                            left: i * COL,
                            background: STATE_COLORS[state],
                            borderColor: state === 'none' ? 'var(--border-strong)' : STATE_COLORS[state],
                          }}
                          data-testid={ids.gridSquare(i, taskId)}
                          data-state={state}
                          title={`${taskId} · ${r.logicalDate.slice(0, 16).replace('T', ' ')}\n${STATE_LABELS[state]}${ti && ti.tryNumber > 1 ? ` · try ${ti.tryNumber}/${ti.maxTries}` : ''}${d !== null ? ` · ${formatDuration(d)}` : ''}`}
                          disabled={!ti}
                          onClick={() => openSquare(r.runId, taskId)}
                        />
                      );
                    })}
                  </div>
                </div>
              );
            })}
          </div>
        </div>
        <div className="grid-legend">
          {(
            [
              'success',
              'failed',
              'running',
              'queued',
              'scheduled',
              'up_for_retry',
              'upstream_failed',
              'skipped',
            ] as const
          ).map((s) => (
            <span key={s} className="legend-item">
              <span className="legend-swatch" style={{ background: STATE_COLORS[s] }} /> {STATE_LABELS[s]}
            </span>
          ))}
        </div>
      </div>
      {square && <TryDetails />}
    </div>
  );
}
