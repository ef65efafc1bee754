import { describe, expect, it } from 'vitest';
import {
  applyRunChange,
  applyTaskChange,
  axisTicks,
  formatDuration,
  ganttModel,
  gridModel,
  visibleRows,
} from '../../renderer/pipelines/run-views';
import type { PipelineRun, PipelineRunSummary, TaskInstance, TaskTry } from '../../shared/pipeline/model';
import { taskSummary } from './pipeline-fixtures';

const T0 = Date.parse('2026-01-02T00:00:00Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

function run(id: string, day: string, over: Partial<PipelineRun> = {}): PipelineRun {
  return {
    runId: id,
    pipelineId: 'p',
    runType: 'manual',
    state: 'success',
    logicalDate: `${day}T00:00:00.000Z`,
    dataIntervalStart: `${day}T00:00:00.000Z`,
    dataIntervalEnd: `${day}T00:00:00.000Z`,
    queuedAt: iso(0),
    startedAt: iso(0),
    endedAt: iso(1000),
    durationMs: 1000,
    params: {},
    cancelled: false,
    backfillId: null,
    taskSubset: null,
    trackerRunId: null,
    ...over,
  };
}

const ti = taskSummary;

function tr(n: number, state: TaskTry['state'], q: number, s: number | null, e: number | null): TaskTry {
  return {
    tryNumber: n,
    state,
    queuedAt: iso(q),
    startedAt: s === null ? null : iso(s),
    endedAt: e === null ? null : iso(e),
    durationMs: s !== null && e !== null ? e - s : null,
    rendered: {},
    output: null,
    exitCode: null,
    error: null,
    logFile: '',
    logBytes: 0,
    executedNotebook: null,
    trackerRunId: null,
  };
}

describe('the Grid', () => {
  it('puts runs oldest first as columns and indexes squares by task', () => {
    const runs: PipelineRunSummary[] = [
      { ...run('r2', '2026-01-02', { durationMs: 4000 }), tasks: [ti('r2', 'a', { state: 'failed' })] },
      { ...run('r1', '2026-01-01'), tasks: [ti('r1', 'a'), ti('r1', 'b')] },
    ];
    const g = gridModel(runs, ['a', 'b'], T0);
    expect(g.runs.map((r) => r.runId)).toEqual(['r1', 'r2']);
    expect(g.cells[1].get('a')?.state).toBe('failed');
    expect(g.cells[1].get('b')).toBeUndefined();
    expect(g.maxDurationMs).toBe(4000);
  });

  it('renders only the rows in view', () => {
    expect(visibleRows(0, 440, 22, 5000, 0)).toEqual({ start: 0, end: 20 });
    expect(visibleRows(22 * 1000, 440, 22, 5000, 5)).toEqual({ start: 995, end: 1025 });
    expect(visibleRows(22 * 4990, 440, 22, 5000, 5)).toEqual({ start: 4985, end: 5000 });
  });

  it('applies events to the squares and the run list', () => {
    const runs: PipelineRunSummary[] = [
      { ...run('r1', '2026-01-01', { state: 'running' }), tasks: [ti('r1', 'a', { state: 'running' })] },
    ];
    const next = applyTaskChange(runs, ti('r1', 'a', { state: 'success' }));
    expect(next?.[0].tasks[0].state).toBe('success');
    expect(runs[0].tasks[0].state).toBe('running');
    expect(applyTaskChange(runs, ti('other', 'a'))).toBeNull();
    expect(applyTaskChange(runs, ti('r1', 'b'))?.[0].tasks.map((t) => t.taskId)).toEqual(['a', 'b']);
    const withNew = applyRunChange(runs, run('r0', '2026-01-05', { state: 'queued' }));
    expect(withNew.map((r) => r.runId)).toEqual(['r0', 'r1']);
    expect(applyRunChange(withNew, run('r1', '2026-01-01', { state: 'success' }))[1]).toMatchObject({
      state: 'success',
      tasks: runs[0].tasks,
    });
  });
});

describe('the Gantt', () => {
  it('draws every try as its own bar with its queued and running time', () => {
    const r = run('r1', '2026-01-01', { startedAt: iso(0), endedAt: iso(10_000) });
    const instances: TaskInstance[] = [
      {
        ...ti('r1', 'b', { tryNumber: 2, maxTries: 2 }),
        tries: [tr(1, 'failed', 1000, 1500, 3000), tr(2, 'success', 6000, 6200, 9000)],
      },
      { ...ti('r1', 'a'), tries: [tr(1, 'success', 0, 100, 1000)] },
    ];
    const g = ganttModel(r, instances, ['a', 'b'], T0 + 20_000);
    expect(g.startMs).toBe(T0);
    expect(g.spanMs).toBe(10_000);
    expect(g.rows.map((x) => x.taskId)).toEqual(['a', 'b']);
    expect(g.rows[1].bars).toEqual([
      { tryNumber: 1, state: 'failed', queuedFrom: 1000, runFrom: 1500, to: 3000 },
      { tryNumber: 2, state: 'success', queuedFrom: 6000, runFrom: 6200, to: 9000 },
    ]);
  });

  it('stretches a running try to now', () => {
    const r = run('r1', '2026-01-01', { state: 'running', endedAt: null, durationMs: null });
    const g = ganttModel(
      r,
      [{ ...ti('r1', 'a', { state: 'running' }), tries: [tr(1, 'running', 0, 200, null)] }],
      ['a'],
      T0 + 5000,
    );
    expect(g.rows[0].bars[0]).toMatchObject({ runFrom: 200, to: 5000 });
    expect(g.spanMs).toBe(5000);
  });

  it('labels durations and ticks readably', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(1234)).toBe('1.23 s');
    expect(formatDuration(65_000)).toBe('1m 05s');
    expect(formatDuration(3_660_000)).toBe('1h 01m');
    expect(formatDuration(null)).toBe('');
    expect(axisTicks(10_000)).toEqual([0, 2000, 4000, 6000, 8000, 10_000]);
  });
});
