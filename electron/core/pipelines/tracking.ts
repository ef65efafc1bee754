import { TAG } from '../../../shared/tracker/model';
import type { Tracker } from '../tracker';
import { trackingEnvFromServerJson } from './index';
import type { RunTracking } from './runner';

/**
 * Records pipeline runs in the run tracker: a pipeline run is a parent run in the experiment `pipeline:<id>`,
 * each task try a nested run whose metrics are the numbers of the task's output. Python tasks also get
 * MLFLOW_RUN_ID of their try's run, so an MLflow client in the script logs into it.
 */
export function trackerTracking(tracker: Tracker, engineDir: string): RunTracking {
  const experimentId = (pipelineId: string): string => {
    const name = `pipeline:${pipelineId}`;
    try {
      return tracker.store.getExperimentByName(name).experimentId;
    } catch {
      return tracker.store.createExperiment(name, { [TAG.sourceKind]: 'pipeline' }).experimentId;
    }
  };
  return {
    async startRun(run, pipeline) {
      const created = tracker.store.createRun({
        experimentId: experimentId(pipeline.id),
        runName: `${pipeline.id} ${run.logicalDate.slice(0, 19)}`,
        startTime: Date.parse(run.startedAt ?? run.queuedAt),
        tags: {
          [TAG.sourceKind]: 'pipeline',
          [TAG.sourceName]: `pipelines/${pipeline.id}.yaml`,
          'lakebench.pipeline.run_id': run.runId,
          'lakebench.pipeline.run_type': run.runType,
        },
      });
      const params = [
        { key: 'logical_date', value: run.logicalDate },
        ...Object.entries(run.params).map(([key, value]) => ({ key, value: String(value) })),
      ];
      tracker.store.logBatch(created.info.runId, { params: params.slice(0, 100) });
      return created.info.runId;
    },
    async endRun(trackerRunId, state) {
      tracker.store.updateRun(trackerRunId, {
        status: state === 'success' ? 'FINISHED' : 'FAILED',
        endTime: Date.now(),
      });
    },
    async startTry(parentRunId, run, taskId, tryNumber) {
      const parent = tracker.store.getRun(parentRunId);
      const created = tracker.store.createRun({
        experimentId: parent.info.experimentId,
        runName: `${taskId} try ${tryNumber}`,
        tags: {
          [TAG.parentRunId]: parentRunId,
          [TAG.sourceKind]: 'pipeline',
          'lakebench.pipeline.run_id': run.runId,
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
      if (list.length) tracker.store.logBatch(trackerRunId, { metrics: list });
      tracker.store.updateRun(trackerRunId, {
        status: state === 'success' ? 'FINISHED' : 'FAILED',
        endTime: now,
      });
    },
    env: () => trackingEnvFromServerJson(engineDir),
  };
}
