import type { RequestHandlers } from '../../../shared/api/client';
import type { pipelineRequests } from '../../../shared/pipeline/contract';
import { parsePipelineYaml } from '../../../shared/pipeline/parse';
import type { LakebenchCore } from '../app';

/** The pipelines service's part of the API: one handler per request of its contract. */
export function pipelineHandlers(core: LakebenchCore): Pick<RequestHandlers, keyof typeof pipelineRequests> {
  return {
    'pipelines.list': async () => core.pipelines.list(),
    'pipelines.get': async ({ id }) => {
      const p = core.pipelines;
      const def = await p.definitions.read(id);
      return {
        id: def.id,
        file: def.file,
        yaml: def.yaml,
        pipeline: def.pipeline,
        problems: def.problems,
        sources: def.sources,
        positions: await p.definitions.positions(id),
        mtimeMs: def.mtimeMs,
      };
    },
    'pipelines.validate': async ({ yaml, id }) => {
      const file = id ? core.pipelines.definitions.fileOf(id) : undefined;
      return parsePipelineYaml(yaml, { file, expectedId: id });
    },
    'pipelines.save': async ({ id, yaml, baseMtimeMs, force }) =>
      core.pipelines.definitions.save(id, yaml, baseMtimeMs, force),
    'pipelines.savePositions': async ({ id, positions }) => {
      await core.pipelines.definitions.savePositions(id, positions);
      return {};
    },
    'pipelines.create': async ({ id, description, yaml }) => core.pipelines.create(id, description, yaml),
    'pipelines.delete': async ({ id, deleteRuns }) => core.pipelines.delete(id, deleteRuns),
    'pipelines.trigger': async ({ id, params, logicalDate }) =>
      core.pipelines.trigger(id, params, logicalDate),
    'pipelines.cancelRun': async ({ runId }) => core.pipelines.engine.cancelRun(runId),
    'pipelines.clearTasks': async ({ runId, taskIds, downstream }) =>
      core.pipelines.engine.clearTasks(runId, taskIds, downstream),
    'pipelines.markTasks': async ({ runId, taskIds, state, downstream }) =>
      core.pipelines.engine.markTasks(runId, taskIds, state, downstream),
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
