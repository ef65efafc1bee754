import type { PipelineRunSummary, TaskInstanceSummary } from '../../shared/pipeline/model';

/** A task instance as the runs list gives it: a finished shell task unless told otherwise. */
export function taskSummary(
  runId: string,
  taskId: string,
  over: Partial<TaskInstanceSummary> = {},
): TaskInstanceSummary {
  return {
    runId,
    taskId,
    taskType: 'shell',
    state: 'success',
    tryNumber: 1,
    maxTries: 1,
    nextTryAt: null,
    queuedAt: null,
    startedAt: null,
    endedAt: null,
    durationMs: null,
    output: null,
    ...over,
  };
}

/** A run with its task instances as the runs list gives it: a manual run, running, unless told otherwise. */
export function runSummary(
  runId: string,
  tasks: TaskInstanceSummary[],
  over: Partial<PipelineRunSummary> = {},
): PipelineRunSummary {
  return {
    runId,
    pipelineId: 'p',
    runType: 'manual',
    state: 'running',
    logicalDate: '2026-01-01T00:00:00.000Z',
    dataIntervalStart: '2026-01-01T00:00:00.000Z',
    dataIntervalEnd: '2026-01-01T00:00:00.000Z',
    queuedAt: '2026-01-01T00:00:00.000Z',
    startedAt: null,
    endedAt: null,
    durationMs: null,
    params: {},
    cancelled: false,
    backfillId: null,
    taskSubset: null,
    trackerRunId: null,
    tasks,
    ...over,
  };
}
