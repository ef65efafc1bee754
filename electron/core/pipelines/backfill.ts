import { randomUUID } from 'node:crypto';
import type { RequestParsedArgs } from '../../../shared/api/contract';
import { LakebenchError } from '../../../shared/errors';
import type { PlannedRun } from '../../../shared/pipeline/contract';
import { topologicalOrder } from '../../../shared/pipeline/graph';
import type { Pipeline } from '../../../shared/pipeline/model';
import { resolveParams } from '../../../shared/pipeline/parse';
import {
  interpretSchedule,
  intervalsStartingBetween,
  parsePipelineDate,
} from '../../../shared/pipeline/schedule';
import type { PipelineDefinitions } from './definitions';
import type { PipelineEngine } from './runner';
import { MAX_RUNS_PER_REQUEST } from './scheduler';
import type { PipelineRunStore } from './pipeline-run-store';

/**
 * Backfills: the pipeline runs of every interval of a date range, planned first (create, fill, rerun or skip
 * per interval) and then started under the backfill's own limit of active runs.
 */
export class Backfills {
  constructor(
    private readonly definitions: PipelineDefinitions,
    private readonly store: PipelineRunStore,
    private readonly engine: PipelineEngine,
  ) {}

  async plan(
    args: RequestParsedArgs<'pipelines.planBackfill'>,
  ): Promise<{ pipeline: Pipeline; runs: PlannedRun[]; taskIds: string[] }> {
    const pipeline = await this.definitions.load(args.id);
    const tz = pipeline.timezone ?? 'UTC';
    const from = parsePipelineDate(args.from, tz);
    const to = parsePipelineDate(args.to, tz);
    if (to < from)
      throw new LakebenchError('INVALID_REQUEST', `--to (${args.to}) is before --from (${args.from})`);
    const kind = interpretSchedule(pipeline.schedule);
    if (kind.kind !== 'cron') {
      throw new LakebenchError(
        'INVALID_REQUEST',
        `${args.id} has no cron schedule, so it has no intervals to backfill`,
        {
          file: this.definitions.fileOf(args.id),
        },
      );
    }
    for (const t of args.taskIds ?? []) {
      if (!pipeline.tasks.some((x) => x.id === t)) {
        throw new LakebenchError('NOT_FOUND', `${args.id} has no task ${t}`, { task: t });
      }
    }
    const intervals = intervalsStartingBetween(pipeline, from, to, MAX_RUNS_PER_REQUEST + 1);
    if (intervals.length > MAX_RUNS_PER_REQUEST) {
      throw new LakebenchError(
        'INVALID_REQUEST',
        `the range has more than ${MAX_RUNS_PER_REQUEST} intervals; backfill a shorter range`,
      );
    }
    const order = topologicalOrder(pipeline.tasks);
    const chosen = args.taskIds ? order.filter((t) => args.taskIds?.includes(t)) : order;
    const runs: PlannedRun[] = intervals.map((i) => {
      const planned = {
        logicalDate: i.start.toISOString(),
        dataIntervalStart: i.start.toISOString(),
        dataIntervalEnd: i.end.toISOString(),
      };
      const existing = this.store.runByDate(args.id, i.start.toISOString());
      if (!existing) return { ...planned, action: 'create', existingRunId: null, taskIds: chosen };
      const busy = existing.state === 'running' || existing.state === 'queued';
      const skip = { ...planned, action: 'skip' as const, existingRunId: existing.runId, taskIds: [] };
      if (busy) return skip;
      if (args.rerunExisting) return { ...skip, action: 'rerun', taskIds: chosen };
      // As Airflow's backfill does with a DAG run that exists: the tasks it has no instance of run in it.
      const has = new Set(this.store.taskInstances(existing.runId).map((t) => t.taskId));
      const missing = chosen.filter((t) => !has.has(t));
      return missing.length ? { ...skip, action: 'fill', taskIds: missing } : skip;
    });
    return { pipeline, runs, taskIds: chosen };
  }

  async start(
    args: RequestParsedArgs<'pipelines.backfill'>,
  ): Promise<{ backfillId: string; runIds: string[] }> {
    const plan = await this.plan(args);
    const backfillId = `backfill__${args.id}__${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;
    this.store.insertBackfill({
      backfillId,
      pipelineId: args.id,
      from: args.from,
      to: args.to,
      maxActiveRuns: args.maxActiveRuns,
      taskSubset: args.taskIds ?? null,
      now: new Date().toISOString(),
    });
    const params = resolveParams(plan.pipeline, {});
    const runIds: string[] = [];
    for (const r of plan.runs) {
      if (r.action === 'create') {
        const id = this.engine.createRun({
          pipeline: plan.pipeline,
          runType: 'backfill',
          logicalDate: new Date(r.logicalDate),
          intervalStart: new Date(r.dataIntervalStart),
          intervalEnd: new Date(r.dataIntervalEnd),
          params,
          backfillId,
          taskSubset: args.taskIds ?? null,
        });
        if (id) runIds.push(id);
      } else if ((r.action === 'rerun' || r.action === 'fill') && r.existingRunId) {
        this.runInExistingRun(r.existingRunId, plan.pipeline, r.taskIds, backfillId);
        runIds.push(r.existingRunId);
      }
    }
    return { backfillId, runIds };
  }

  /**
   * Runs tasks again (or for the first time) in a run that exists. The run takes the pipeline as it is now (e.g.
   * with a task just added), includes those tasks if it was limited to others, and joins the backfill, so the
   * backfill's limit holds for it and it never takes the slots scheduled and manual runs need.
   */
  private runInExistingRun(runId: string, pipeline: Pipeline, taskIds: string[], backfillId: string): void {
    const run = this.store.getRun(runId);
    if (!run) throw new LakebenchError('NOT_FOUND', `There is no run ${runId}`);
    const union = new Set([...(run.taskSubset ?? []), ...taskIds]);
    const subset =
      run.taskSubset && pipeline.tasks.some((t) => !union.has(t.id))
        ? topologicalOrder(pipeline.tasks).filter((t) => union.has(t))
        : null;
    this.store.updateRun(runId, {
      // Its duration is the new run's, not the time since it first started.
      started_at: null,
      definition: JSON.stringify(pipeline),
      task_subset: subset ? JSON.stringify(subset) : null,
      backfill_id: backfillId,
    });
    this.engine.clearTasks(runId, taskIds, false);
  }

  cancel(backfillId: string): { cancelled: number } {
    let cancelled = 0;
    for (const runId of this.engine.activeRunIds()) {
      const run = this.store.getRun(runId);
      if (run?.backfillId === backfillId) {
        this.engine.cancelRun(runId);
        cancelled++;
      }
    }
    return { cancelled };
  }
}
