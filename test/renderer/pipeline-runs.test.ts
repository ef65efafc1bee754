import { describe, expect, it } from 'vitest';
import { addMissingTasks, formatInZone, matchRanges } from '../../renderer/pipelines/run-views';
import type { TaskInstanceSummary } from '../../shared/pipeline/model';
import { runSummary, taskSummary } from './pipeline-fixtures';

const ti = (runId: string, taskId: string, state: TaskInstanceSummary['state']) =>
  taskSummary(runId, taskId, { state, tryNumber: 0 });
const run = (runId: string, tasks: TaskInstanceSummary[]) =>
  runSummary(runId, tasks, {
    runType: 'backfill',
    state: 'queued',
    logicalDate: '2026-03-01T00:00:00.000Z',
    dataIntervalStart: '2026-03-01T00:00:00.000Z',
    dataIntervalEnd: '2026-03-02T00:00:00.000Z',
    queuedAt: '2026-03-01T00:00:00.000Z',
  });

describe('dates of a backfill plan', () => {
  it("shows a moment in the pipeline's timezone", () => {
    expect(formatInZone('2026-03-01T00:00:00.000Z', 'UTC')).toBe('2026-03-01 00:00');
    expect(formatInZone('2026-02-28T23:00:00.000Z', 'Europe/Paris')).toBe('2026-03-01 00:00');
    expect(formatInZone('2026-07-01T04:00:00.000Z', 'America/New_York')).toBe('2026-07-01 00:00');
  });

  it('falls back to UTC text for a timezone the browser does not know, and keeps text that is no date', () => {
    expect(formatInZone('2026-03-01T06:30:00.000Z', 'Not/AZone')).toBe('2026-03-01 06:30');
    expect(formatInZone('soon', 'UTC')).toBe('soon');
  });
});

describe('log search marks', () => {
  const q = (query: string, over: Partial<{ regex: boolean; caseSensitive: boolean }> = {}) => ({
    query,
    regex: false,
    caseSensitive: false,
    ...over,
  });

  it('marks every occurrence of a plain search, ignoring case unless asked', () => {
    expect(matchRanges('Error: error again', q('error'))).toEqual([
      [0, 5],
      [7, 12],
    ]);
    expect(matchRanges('Error: error again', q('error', { caseSensitive: true }))).toEqual([[7, 12]]);
  });

  it('takes regex characters literally unless it is a regular expression', () => {
    expect(matchRanges('a.b axb', q('a.b'))).toEqual([[0, 3]]);
    expect(matchRanges('a.b axb', q('a.b', { regex: true }))).toEqual([
      [0, 3],
      [4, 7],
    ]);
  });

  it('marks nothing for empty matches or an expression that does not compile, and ends', () => {
    expect(matchRanges('abc', q('^', { regex: true }))).toEqual([]);
    expect(matchRanges('abc', q('x*', { regex: true }))).toEqual([]);
    expect(matchRanges('abc', q('(', { regex: true }))).toEqual([]);
    expect(matchRanges('abc', q(''))).toEqual([]);
  });
});

describe('squares of new runs', () => {
  it('adds tasks a listing has and the list lacks, never replacing what events brought', () => {
    const fromEvents = [run('r1', [ti('r1', 'c', 'running')]), run('r2', [])];
    const listed = [
      run('r1', [ti('r1', 'c', 'scheduled'), ti('r1', 'd', 'none')]),
      run('r2', [ti('r2', 'c', 'none')]),
      run('r3', [ti('r3', 'c', 'none')]),
    ];
    const out = addMissingTasks(fromEvents, listed);
    expect(out?.map((r) => [r.runId, r.tasks.map((t) => `${t.taskId}:${t.state}`)])).toEqual([
      ['r1', ['c:running', 'd:none']],
      ['r2', ['c:none']],
    ]);
    // Nothing missing: the list is kept as it is.
    expect(addMissingTasks(out ?? [], listed)).toBeNull();
  });
});
