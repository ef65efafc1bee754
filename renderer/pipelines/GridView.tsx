import { memo, useEffect, useMemo, useRef, useState } from 'react';
import type { PipelineRunSummary, TaskInstanceSummary } from '../../shared/pipeline/model';
import { instancesOf, useRunsPerFrame } from './node-status';
import { STATE_LABELS, STATE_COLORS, formatDuration, visibleRows, elapsedMs } from './run-views';
import { openSquare, useRuns, type RunsState } from './runs-store';
import { TryDetails } from './TryDetails';
import { pipelineTestIds as ids } from './testids';

const ROW = 22;
const COL = 22;
const BAR_H = 64;
/** The task-name column left of the squares (.grid-name). */
const NAMES_W = 220;

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

const selectRuns = (s: RunsState) => s.runs;
const selectTaskIds = (s: RunsState) => s.taskIds;
const selectSquare = (s: RunsState) => s.square;
const selectLoading = (s: RunsState) => s.loading;
const selectSelectedRun = (s: RunsState) => s.selectedRunId;

const isLive = (ti: TaskInstanceSummary | undefined) =>
  ti !== undefined && ti.endedAt === null && ti.startedAt !== null;

interface RowProps {
  taskId: string;
  top: number;
  /** The squares of the shown columns, `first` being the index of the first shown run. */
  runs: readonly PipelineRunSummary[];
  cells: readonly (TaskInstanceSummary | undefined)[];
  first: number;
  width: number;
  /** The open square's run, when it is in this row. */
  activeRunId: string | null;
  /** Only rows with a running square get the ticking clock, so the others stay still. */
  now: number;
}

function sameRow(a: RowProps, b: RowProps): boolean {
  if (
    a.taskId !== b.taskId ||
    a.top !== b.top ||
    a.first !== b.first ||
    a.width !== b.width ||
    a.activeRunId !== b.activeRunId ||
    a.now !== b.now ||
    a.cells.length !== b.cells.length
  )
    return false;
  for (let i = 0; i < a.cells.length; i++) {
    if (a.cells[i] !== b.cells[i]) return false;
    const ra = a.runs[a.first + i];
    const rb = b.runs[b.first + i];
    if (ra.runId !== rb.runId || ra.logicalDate !== rb.logicalDate) return false;
  }
  return true;
}

/** One task's row: its name and a square per shown run. Re-renders only when one of its squares changes. */
const GridRow = memo(function GridRow({
  taskId,
  top,
  runs,
  cells,
  first,
  width,
  activeRunId,
  now,
}: RowProps) {
  return (
    <div className="grid-row" style={{ top, height: ROW }}>
      <div className="grid-name" title={taskId}>
        {taskId}
      </div>
      <div className="grid-cells" style={{ width }}>
        {cells.map((ti, k) => {
          const i = first + k;
          const r = runs[i];
          const state = ti?.state ?? 'none';
          const d = ti ? elapsedMs(ti, now) : null;
          return (
            <button
              key={r.runId}
              className={`grid-square${activeRunId === r.runId ? ' active' : ''}${ti ? '' : ' absent'}`}
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
}, sameRow);

/**
 * Airflow's grid: a column per run (oldest left), a row per task, a square per task instance coloured by its
 * state, and each run's duration as a bar above its column. Rows and columns are windowed and the runs are read
 * at most once per frame, so 5,000 tasks scroll smoothly and a running pipeline's events redraw only the rows
 * whose squares changed.
 */
export function GridView() {
  const newestFirst = useRunsPerFrame(selectRuns);
  const taskIds = useRunsPerFrame(selectTaskIds);
  const square = useRunsPerFrame(selectSquare);
  const loading = useRunsPerFrame(selectLoading);
  const selectedRunId = useRunsPerFrame(selectSelectedRun);
  const runs = useMemo(() => [...newestFirst].reverse(), [newestFirst]);
  const running = runs.some((r) => r.state === 'running' || r.state === 'queued');
  const now = useTicker(running);
  const cells = useMemo(() => runs.map(instancesOf), [runs]);
  const maxDurationMs = runs.reduce((m, r) => Math.max(m, elapsedMs(r, now) ?? 0), 0);
  const scroller = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, left: 0, height: 600, width: 1000 });

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const update = () =>
      setView((v) =>
        v.top === el.scrollTop &&
        v.left === el.scrollLeft &&
        v.height === el.clientHeight &&
        v.width === el.clientWidth
          ? v
          : { top: el.scrollTop, left: el.scrollLeft, height: el.clientHeight, width: el.clientWidth },
      );
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    el.addEventListener('scroll', update, { passive: true });
    return () => {
      observer.disconnect();
      el.removeEventListener('scroll', update);
    };
  }, []);

  const rows = visibleRows(view.top, view.height, ROW, taskIds.length);
  const cols = visibleRows(Math.max(0, view.left - NAMES_W), view.width, COL, runs.length, 4);
  const width = runs.length * COL;
  const shownRuns = runs.slice(cols.start, cols.end);

  return (
    <div className="grid-view">
      <div className="grid-main" data-testid={ids.grid}>
        {runs.length === 0 && (
          <div className="grid-empty muted">
            {loading ? 'Loading runs…' : 'No runs yet: press Run to start one.'}
          </div>
        )}
        <div className="grid-scroll" ref={scroller}>
          <div className="grid-header" style={{ height: BAR_H }}>
            <div className="grid-names-head muted">
              {taskIds.length} tasks · {runs.length} runs
            </div>
            <div className="grid-bars" style={{ width }}>
              {shownRuns.map((r, k) => {
                const i = cols.start + k;
                const d = elapsedMs(r, now) ?? 0;
                const h = maxDurationMs ? Math.max(3, Math.round(((BAR_H - 12) * d) / maxDurationMs)) : 3;
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
          <div className="grid-body" style={{ height: taskIds.length * ROW }}>
            {taskIds.slice(rows.start, rows.end).map((taskId, k) => {
              const rowCells = cells.slice(cols.start, cols.end).map((c) => c.get(taskId));
              return (
                <GridRow
                  key={taskId}
                  taskId={taskId}
                  top={(rows.start + k) * ROW}
                  runs={runs}
                  cells={rowCells}
                  first={cols.start}
                  width={width}
                  activeRunId={square?.taskId === taskId ? square.runId : null}
                  now={rowCells.some(isLive) ? now : 0}
                />
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
