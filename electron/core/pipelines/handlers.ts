import type { RequestHandlers } from '../../../shared/api/client';
import type { pipelineRequests } from '../../../shared/pipeline/contract';
import type { LakebenchCore } from '../app';

/** The pipelines service's part of the API: one handler per request of its contract. */
export function pipelineHandlers(core: LakebenchCore): Pick<RequestHandlers, keyof typeof pipelineRequests> {
  return {
    'pipelines.list': async () => core.pipelines.list(),
    'pipelines.get': async ({ id }) => core.pipelines.get(id),
    'pipelines.validate': async ({ yaml, id }) => core.pipelines.validate(yaml, id),
    'pipelines.save': async ({ id, yaml, baseMtimeMs, force }) =>
      core.pipelines.save(id, yaml, baseMtimeMs, force),
    'pipelines.savePositions': async ({ id, positions }) => {
      await core.pipelines.savePositions(id, positions);
      return {};
    },
    'pipelines.create': async ({ id, description, yaml }) => core.pipelines.create(id, description, yaml),
    'pipelines.delete': async ({ id, deleteRuns }) => core.pipelines.delete(id, deleteRuns),
    'pipelines.trigger': async ({ id, params, logicalDate }) =>
      core.pipelines.trigger(id, params, logicalDate),
    'pipelines.cancelRun': async ({ runId }) => core.pipelines.cancelRun(runId),
    'pipelines.clearTasks': async ({ runId, taskIds, downstream }) =>
      core.pipelines.clearTasks(runId, taskIds, downstream),
    'pipelines.markTasks': async ({ runId, taskIds, state, downstream }) =>
      core.pipelines.markTasks(runId, taskIds, state, downstream),
    'pipelines.listRuns': async ({ id, limit, before }) => core.pipelines.listRuns(id, limit, before),
    'pipelines.getRun': async ({ runId }) => core.pipelines.getRun(runId),
    'pipelines.readLog': async (args) => core.pipelines.readLog(args),
    'pipelines.searchLog': async (args) => core.pipelines.searchLog(args),
    'pipelines.planBackfill': async (args) => {
      const plan = await core.pipelines.planBackfill(args);
      return { runs: plan.runs, taskIds: plan.taskIds };
    },
    'pipelines.backfill': async (args) => core.pipelines.backfill(args),
    'pipelines.cancelBackfill': async ({ backfillId }) => core.pipelines.cancelBackfill(backfillId),
    'pipelines.exportAirflow': async ({ id, airflow }) => core.pipelines.exportAirflow(id, airflow),
  };
}
