import type { RequestHandlers } from '../../../shared/api/client';
import { ID_PAGE_SIZE, type trackerRequests } from '../../../shared/tracker/contract';
import type { LakebenchCore } from '../app';
import { storageError } from './storage-errors';

type TrackerHandlers = Pick<RequestHandlers, keyof typeof trackerRequests>;

/**
 * The tracker service's part of the API: one handler per request of its contract. A write that fails for a full
 * disk or a read-only database answers DISK_FULL or STORAGE_READ_ONLY, so the UI can say so.
 */
export function trackerHandlers(core: LakebenchCore): TrackerHandlers {
  const handlers = requestHandlers(core);
  type Handler = (args: never, ctx: never) => Promise<unknown>;
  const wrapped: Record<string, Handler> = {};
  for (const [name, handler] of Object.entries(handlers) as unknown as [string, Handler][])
    wrapped[name] = async (args, ctx) => {
      try {
        return await handler(args, ctx);
      } catch (err) {
        throw storageError(err) ?? err;
      }
    };
  return wrapped as unknown as TrackerHandlers;
}

function requestHandlers(core: LakebenchCore): TrackerHandlers {
  const t = () => core.tracker;
  return {
    'tracker.listExperiments': async ({ includeDeleted }) =>
      t().listExperiments(includeDeleted ? 'ALL' : 'ACTIVE_ONLY'),
    'tracker.createExperiment': async ({ name, tags }) => t().createExperiment(name, tags),
    'tracker.renameExperiment': async ({ experimentId, name }) => t().renameExperiment(experimentId, name),
    'tracker.deleteExperiment': async ({ experimentId }) => {
      t().setExperimentLifecycle(experimentId, 'deleted');
      return {};
    },
    'tracker.restoreExperiment': async ({ experimentId }) => {
      t().setExperimentLifecycle(experimentId, 'active');
      return {};
    },
    'tracker.searchRuns': async ({ select, idsOnly, ...search }) => {
      if (idsOnly) {
        const page = t().searchRunIds({ ...search, maxResults: ID_PAGE_SIZE });
        return { runs: [], runIds: page.ids, nextPageToken: page.nextPageToken, totalCount: page.total };
      }
      return t().searchRuns(search, select);
    },
    'tracker.listRunKeys': async ({ experimentIds }) => t().listRunKeys(experimentIds),
    'tracker.getRun': async ({ runId }) => t().getRun(runId),
    'tracker.getRuns': async ({ runIds, select }) => t().getRuns(runIds, select),
    'tracker.updateRun': async ({ runId, name, description, status }) =>
      t().updateRun(runId, { runName: name, description, status }),
    'tracker.setTag': async ({ runId, key, value }) => {
      t().setTag(runId, key, value);
      return {};
    },
    'tracker.deleteTag': async ({ runId, key }) => {
      t().deleteTag(runId, key);
      return {};
    },
    'tracker.deleteRun': async ({ runIds }) => {
      t().setRunsLifecycle(runIds, 'deleted');
      return {};
    },
    'tracker.restoreRun': async ({ runIds }) => {
      t().setRunsLifecycle(runIds, 'active');
      return {};
    },
    'tracker.getMetricHistories': async ({ runIds, keys, maxPoints, xAxis }) =>
      t().metricHistories(runIds, keys, maxPoints, xAxis),
    'tracker.listArtifacts': async ({ runId, path }) => {
      const tracker = t();
      tracker.checkArtifactPath(runId, path);
      return {
        artifactUri: tracker.runInfoRow(runId).artifactUri,
        files: await tracker.listArtifacts(runId, path),
      };
    },
    'tracker.readArtifact': async ({ runId, path, maxBytes }) => t().previewArtifact(runId, path, maxBytes),
    'tracker.groupRuns': async (args) => ({ groups: t().groupRuns(args) }),
    'tracker.listRegisteredModels': async ({ nameContains }) => t().listModels(nameContains),
    'tracker.getRegisteredModel': async ({ name }) => {
      const tracker = t();
      return {
        model: tracker.getModel(name),
        versions: tracker.listVersions(name),
        history: tracker.modelHistory(name),
      };
    },
    'tracker.registerModel': async ({ name, runId, artifactPath, description }) => {
      const tracker = t();
      const info = tracker.runInfoRow(runId);
      tracker.checkArtifactPath(runId, artifactPath);
      const exists = tracker.listModels('').some((m) => m.name === name);
      if (!exists) tracker.createModel(name);
      return tracker.createVersion({
        name,
        runId,
        source: `${info.artifactUri}/${artifactPath.replace(/^\/+/, '')}`,
        description,
      });
    },
    'tracker.updateRegisteredModel': async ({ name, description }) => t().updateModel(name, description),
    'tracker.updateModelVersion': async ({ name, version, description }) =>
      t().updateVersion(name, version, description),
    'tracker.transitionModelVersion': async ({ name, version, stage, archiveExisting, comment }) =>
      t().transition(name, version, stage, archiveExisting, comment),
    'tracker.setModelAlias': async ({ name, alias, version }) => {
      t().setAlias(name, alias, version);
      return {};
    },
    'tracker.deleteModelAlias': async ({ name, alias }) => {
      t().deleteAlias(name, alias);
      return {};
    },
    'tracker.rollbackProduction': async ({ name, comment }) => t().rollbackProduction(name, comment),
    'tracker.modelVersionAt': async ({ name, stage, time }) => {
      t().getModel(name);
      return t().versionAt(name, stage, time);
    },
  };
}
