import { LakebenchError } from '../../../shared/errors';
import { resolveParams } from '../../../shared/pipeline/parse';
import {
  intervalStartingAt,
  latestCompleteInterval,
  parsePipelineDate,
} from '../../../shared/pipeline/schedule';
import type { PipelineDefinitions } from './definitions';
import type { PipelineRunStore } from './pipeline-run-store';
import type { PipelineEngine } from './runner';

/**
 * Pipeline runs the user asks for: a manual run (now or of a logical date), and the command line's run of a
 * date, which resumes, reruns or creates that date's run.
 */
export class ManualRuns {
  constructor(
    private readonly definitions: PipelineDefinitions,
    private readonly store: PipelineRunStore,
    private readonly engine: PipelineEngine,
  ) {}

  async trigger(
    id: string,
    paramsIn: Record<string, unknown>,
    logicalDate?: string,
  ): Promise<{ runId: string }> {
    const pipeline = await this.definitions.load(id);
    let params: Record<string, unknown>;
    try {
      params = resolveParams(pipeline, paramsIn);
    } catch (err) {
      throw new LakebenchError('PIPELINE_PARAM_INVALID', (err as Error).message, {
        file: this.definitions.fileOf(id),
      });
    }
    const tz = pipeline.timezone ?? 'UTC';
    let interval: { start: Date; end: Date };
    let date: Date;
    if (logicalDate) {
      date = parsePipelineDate(logicalDate, tz);
      interval = intervalStartingAt(pipeline, date);
    } else {
      date = new Date();
      // A manual run's data interval is the latest complete one, as Airflow's manual runs infer it.
      interval = latestCompleteInterval(
        { ...pipeline, start_date: undefined, end_date: undefined },
        date,
      ) ?? {
        start: date,
        end: date,
      };
    }
    const existing = this.store.runByDate(id, date.toISOString());
    if (existing) {
      throw new LakebenchError(
        'PIPELINE_RUN_EXISTS',
        `${id} has a run for ${date.toISOString()} already (${existing.runId}); clear its tasks to run it again`,
      );
    }
    const runId = this.engine.createRun({
      pipeline,
      runType: 'manual',
      logicalDate: date,
      intervalStart: interval.start,
      intervalEnd: interval.end,
      params,
    });
    if (!runId)
      throw new LakebenchError('PIPELINE_RUN_EXISTS', `${id} has a run for ${date.toISOString()} already`);
    return { runId };
  }

  /** Runs every task of an existing finished run again (the CLI's rerun of a date). */
  rerun(runId: string): void {
    const a = this.store.getRun(runId);
    if (!a) throw new LakebenchError('NOT_FOUND', `There is no run ${runId}`);
    const ids = this.store.taskInstances(runId).map((t) => t.taskId);
    if (ids.length) this.engine.clearTasks(runId, ids, false);
  }

  /**
   * A run of the command line's `run-pipeline`. With a logical date: a run of that date under way (left by a
   * crash) is resumed, a finished one runs again (all its tasks, or the given ones), and otherwise a manual run of
   * that date's interval is created (limited to the given tasks). Without one, a manual run starts now.
   */
  async runForDate(
    id: string,
    logicalDate: string | undefined,
    params: Record<string, string>,
    taskIds: string[],
  ): Promise<{ runId: string; action: 'created' | 'resumed' | 'rerun' }> {
    const pipeline = await this.definitions.load(id);
    for (const t of taskIds) {
      if (!pipeline.tasks.some((x) => x.id === t))
        throw new LakebenchError('NOT_FOUND', `${id} has no task ${t}`, { task: t });
    }
    if (!logicalDate) {
      if (taskIds.length) throw new LakebenchError('INVALID_REQUEST', '--task needs --date');
      return { ...(await this.trigger(id, params)), action: 'created' };
    }
    let date: Date;
    try {
      date = parsePipelineDate(logicalDate, pipeline.timezone ?? 'UTC');
    } catch (err) {
      throw new LakebenchError('INVALID_REQUEST', `--date: ${(err as Error).message}`);
    }
    const existing = this.store.runByDate(id, date.toISOString());
    if (existing && (existing.state === 'running' || existing.state === 'queued'))
      return { runId: existing.runId, action: 'resumed' };
    if (existing) {
      const ids = taskIds.length ? taskIds : this.store.taskInstances(existing.runId).map((t) => t.taskId);
      this.engine.clearTasks(existing.runId, ids, false);
      return { runId: existing.runId, action: 'rerun' };
    }
    let resolved: Record<string, unknown>;
    try {
      resolved = resolveParams(pipeline, params);
    } catch (err) {
      throw new LakebenchError('PIPELINE_PARAM_INVALID', (err as Error).message);
    }
    const interval = intervalStartingAt(pipeline, date);
    const runId = this.engine.createRun({
      pipeline,
      runType: 'manual',
      logicalDate: date,
      intervalStart: interval.start,
      intervalEnd: interval.end,
      params: resolved,
      taskSubset: taskIds.length ? taskIds : null,
    }) as string;
    return { runId, action: 'created' };
  }
}
