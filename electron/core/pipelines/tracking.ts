import path from 'node:path';
import { TAG } from '../../../shared/tracker/model';
import { fileVersion, localUser, type TrackerService } from '../tracker';
import { trackingEnvFromServerJson } from './index';
import type { RunTracking } from './runner';

/**
 * Records pipeline runs in the run tracker: a pipeline run is a parent run in the experiment `pipeline:<id>`,
 * each task try a nested run whose metrics are the numbers of the task's output. Both carry their provenance
 * (TAG.source*: the pipeline, its run, the task and try, and the pipeline file's version when the run started),
 * which the run page links back to. Python tasks also get MLFLOW_RUN_ID of their try's run, so an MLflow client
 * in the script logs into it.
 */
export function trackerTracking(tracker: TrackerService, engineDir: string): RunTracking {
  const workspaceRoot = path.dirname(engineDir);
  const experimentId = (pipelineId: string): string => {
    const name = `pipeline:${pipelineId}`;
    try {
      return tracker.getExperimentByName(name).experimentId;
    } catch {
      return tracker.createExperiment(name, { [TAG.sourceKind]: 'pipeline' }).experimentId;
    }
  };
  /**
   * The pipeline's file as the workspace holds it (`.yml` when that is what exists). Read synchronously (a small
   * file): the run's tracker id must be known before its first task starts, as it was before versions were read.
   */
  const pipelineFile = (pipelineId: string): { file: string; version: string | null } => {
    for (const ext of ['yaml', 'yml']) {
      const file = `pipelines/${pipelineId}.${ext}`;
      const version = fileVersion(path.join(workspaceRoot, file));
      if (version) return { file, version };
    }
    return { file: `pipelines/${pipelineId}.yaml`, version: null };
  };
  return {
    async startRun(pipelineRun, pipeline) {
      const { file, version } = pipelineFile(pipeline.id);
      const created = tracker.createRun({
        experimentId: experimentId(pipeline.id),
        runName: `${pipeline.id} ${pipelineRun.logicalDate.slice(0, 19)}`,
        startTime: Date.parse(pipelineRun.startedAt ?? pipelineRun.queuedAt),
        tags: {
          [TAG.user]: localUser(),
          [TAG.sourceKind]: 'pipeline',
          [TAG.sourceName]: file,
          [TAG.sourcePipeline]: pipeline.id,
          [TAG.sourcePipelineRun]: pipelineRun.runId,
          ...(version ? { [TAG.sourceVersion]: version } : {}),
          'lakebench.pipeline.run_id': pipelineRun.runId,
          'lakebench.pipeline.run_type': pipelineRun.runType,
        },
      });
      const params = [
        { key: 'logical_date', value: pipelineRun.logicalDate },
        ...Object.entries(pipelineRun.params).map(([key, value]) => ({ key, value: String(value) })),
      ];
      tracker.logBatch(created.info.runId, { params: params.slice(0, 100) });
      return created.info.runId;
    },
    async endRun(trackerRunId, state) {
      tracker.updateRun(trackerRunId, {
        status: state === 'success' ? 'FINISHED' : 'FAILED',
        endTime: Date.now(),
      });
    },
    async startTry(parentRunId, pipelineRun, taskId, tryNumber) {
      // parentRunId is the tracked run of the pipeline run; the try gets a tracked run nested in it.
      const parent = tracker.getRun(parentRunId);
      // The try belongs to the file version its run started with, not to edits made while it runs.
      const version = parent.tags[TAG.sourceVersion];
      const created = tracker.createRun({
        experimentId: parent.info.experimentId,
        runName: `${taskId} try ${tryNumber}`,
        tags: {
          [TAG.user]: localUser(),
          [TAG.parentRunId]: parentRunId,
          [TAG.sourceKind]: 'pipeline',
          [TAG.sourceName]: parent.tags[TAG.sourceName] ?? `pipelines/${pipelineRun.pipelineId}.yaml`,
          [TAG.sourcePipeline]: pipelineRun.pipelineId,
          [TAG.sourcePipelineRun]: pipelineRun.runId,
          [TAG.sourceTask]: taskId,
          [TAG.sourceTry]: String(tryNumber),
          ...(version ? { [TAG.sourceVersion]: version } : {}),
          'lakebench.pipeline.run_id': pipelineRun.runId,
          'lakebench.pipeline.task_id': taskId,
          'lakebench.pipeline.try_number': String(tryNumber),
        },
      });
      return created.info.runId;
    },
    async endTry(trackerRunId, state, metrics) {
      const now = Date.now();
      const list = Object.entries(metrics)
        .filter(([, v]) => Number.isFinite(v))
        .slice(0, 100)
        .map(([key, value]) => ({ key, value, timestamp: now, step: 0 }));
      if (list.length) tracker.logBatch(trackerRunId, { metrics: list });
      tracker.updateRun(trackerRunId, {
        status: state === 'success' ? 'FINISHED' : 'FAILED',
        endTime: now,
      });
    },
    env: () => trackingEnvFromServerJson(engineDir),
  };
}
