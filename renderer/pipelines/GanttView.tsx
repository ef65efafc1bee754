import { useMemo } from 'react';
import { STATE_COLORS, axisTicks, formatDuration, ganttModel } from './run-views';
import { openSquare, selectRun, useRuns } from './runs-store';
import { useTicker } from './GridView';
import { pipelineTestIds as ids } from './testids';

/** One run's timeline: per task, every try as a bar, its queued time faint and its running time solid. */
export function GanttView() {
  const runs = useRuns((s) => s.runs);
  const selected = useRuns((s) => s.selectedRunId);
  const detail = useRuns((s) => s.detail);
  const taskIds = useRuns((s) => s.taskIds);
  const live = detail?.run.state === 'running' || detail?.run.state === 'queued';
  const now = useTicker(live);
  const model = useMemo(
    () =>
      detail && detail.run.runId === selected
        ? ganttModel(detail.run, detail.taskInstances, taskIds, now)
        : null,
    [detail, selected, taskIds, now],
  );
  const pct = (ms: number) => `${(100 * ms) / (model?.spanMs ?? 1)}%`;
  return (
    <div className="gantt-view">
      <div className="graph-toolbar">
        <label className="run-picker">
          <span className="muted">Run</span>
          <select
            className="input"
            value={selected ?? ''}
            onChange={(e) => selectRun(e.target.value || null)}
          >
            {runs.length === 0 && <option value="">no runs yet</option>}
            {runs.map((r) => (
              <option key={r.runId} value={r.runId}>
                {r.logicalDate.replace('T', ' ').slice(0, 16)} · {r.runType} · {r.state}
              </option>
            ))}
          </select>
        </label>
        {detail && (
          <span className="muted">
            {formatDuration(detail.run.durationMs ?? (model ? model.spanMs : null))}
          </span>
        )}
        <span className="spacer" />
        <span className="legend-item">
          <span className="legend-swatch queued-swatch" /> queued
        </span>
        <span className="legend-item">
          <span className="legend-swatch" style={{ background: STATE_COLORS.success }} /> running → outcome
        </span>
      </div>
      {!model ? (
        <div className="grid-empty muted">{runs.length ? 'Loading the run…' : 'No runs yet.'}</div>
      ) : (
        <div className="gantt" data-testid={ids.gantt}>
          <div className="gantt-axis">
            <div className="gantt-name" />
            <div className="gantt-track">
              {axisTicks(model.spanMs).map((t) => (
                <span key={t} className="gantt-tick" style={{ left: pct(t) }}>
                  {formatDuration(t) || '0'}
                </span>
              ))}
            </div>
          </div>
          <div className="gantt-rows">
            {model.rows.map((row) => (
              <div className="gantt-row" key={row.taskId}>
                <div className="gantt-name" title={row.taskId}>
                  {row.taskId}
                </div>
                <div className="gantt-track">
                  {row.bars.map((b) => {
                    const runFrom = b.runFrom ?? b.to;
                    const color =
                      b.state === 'running'
                        ? STATE_COLORS.running
                        : b.state === 'queued'
                          ? STATE_COLORS.queued
                          : STATE_COLORS[b.state];
                    return (
                      <button
                        key={b.tryNumber}
                        className="gantt-bar"
                        data-testid={ids.ganttBar(row.taskId, b.tryNumber)}
                        data-state={b.state}
                        style={{
                          left: pct(b.queuedFrom ?? runFrom),
                          width: `max(3px, ${pct(b.to - (b.queuedFrom ?? runFrom))})`,
                        }}
                        title={`${row.taskId} try ${b.tryNumber}: ${b.state}\nqueued ${formatDuration(runFrom - (b.queuedFrom ?? runFrom)) || '0 ms'} · ran ${formatDuration(b.to - runFrom) || '0 ms'}`}
                        onClick={() => detail && openSquare(detail.run.runId, row.taskId)}
                      >
                        {b.queuedFrom !== null && runFrom > b.queuedFrom && (
                          <span
                            className="gantt-queued"
                            style={{
                              width: `${(100 * (runFrom - b.queuedFrom)) / Math.max(1, b.to - b.queuedFrom)}%`,
                            }}
                          />
                        )}
                        <span className="gantt-running" style={{ background: color }} />
                        {row.bars.length > 1 && <span className="gantt-try">{b.tryNumber}</span>}
                      </button>
                    );
                  })}
                </div>
              </div>
            ))}
          </div>
        </div>
      )}
    </div>
  );
}
