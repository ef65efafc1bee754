import type { RequestHandlers } from '../../../shared/api/client';
import { ID_PAGE_SIZE, type trackerRequests } from '../../../shared/tracker/contract';
import type { LakebenchCore } from '../app';
import { resolveInside } from './artifacts';
import { getRuns, loadSelectedRuns, metricHistories } from './queries';

/** The tracker service's part of the API: one handler per request of its contract. */
export function trackerHandlers(core: LakebenchCore): Pick<RequestHandlers, keyof typeof trackerRequests> {
  const t = () => core.tracker;
  return {
    'tracker.listExperiments': async ({ includeDeleted }) =>
      t().store.listExperiments(includeDeleted ? 'ALL' : 'ACTIVE_ONLY'),
    'tracker.createExperiment': async ({ name, tags }) => t().store.createExperiment(name, tags),
    'tracker.renameExperiment': async ({ experimentId, name }) =>
      t().store.renameExperiment(experimentId, name),
    'tracker.deleteExperiment': async ({ experimentId }) => {
      t().store.setExperimentLifecycle(experimentId, 'deleted');
      return {};
    },
    'tracker.restoreExperiment': async ({ experimentId }) => {
      t().store.setExperimentLifecycle(experimentId, 'active');
      return {};
    },
    'tracker.searchRuns': async ({ select, idsOnly, ...search }) => {
      const store = t().store;
      if (idsOnly) {
        const page = store.searchRunIds({ ...search, maxResults: ID_PAGE_SIZE });
        return { runs: [], runIds: page.ids, nextPageToken: page.nextPageToken, totalCount: page.total };
      }
      if (!select) return store.searchRuns(search);
      const page = store.searchRunIds(search);
      return {
        runs: loadSelectedRuns(store, page.ids, select),
        nextPageToken: page.nextPageToken,
        totalCount: page.total,
      };
    },
    'tracker.listRunKeys': async ({ experimentIds }) => t().store.listRunKeys(experimentIds),
    'tracker.getRun': async ({ runId }) => t().store.getRun(runId),
    'tracker.getRuns': async ({ runIds, select }) => getRuns(t().store, runIds, select),
    'tracker.updateRun': async ({ runId, name, description, status }) =>
      t().store.updateRun(runId, { runName: name, description, status }),
    'tracker.setTag': async ({ runId, key, value }) => {
      t().store.setTag(runId, key, value);
      return {};
    },
    'tracker.deleteTag': async ({ runId, key }) => {
      t().store.deleteTag(runId, key);
      return {};
    },
    'tracker.deleteRun': async ({ runIds }) => {
      t().store.setRunsLifecycle(runIds, 'deleted');
      return {};
    },
    'tracker.restoreRun': async ({ runIds }) => {
      t().store.setRunsLifecycle(runIds, 'active');
      return {};
    },
    'tracker.getMetricHistories': async ({ runIds, keys, maxPoints, xAxis }) =>
      metricHistories(t().store, runIds, keys, maxPoints, xAxis),
    'tracker.listArtifacts': async ({ runId, path }) => {
      const tracker = t();
      const dir = tracker.runArtifactDir(runId);
      resolveInside(dir, path);
      return {
        artifactUri: tracker.store.runInfoRow(runId).artifactUri,
        files: await tracker.artifacts.list(dir, path),
      };
    },
    'tracker.readArtifact': async ({ runId, path, maxBytes }) =>
      t().artifacts.preview(t().runArtifactDir(runId), path, maxBytes),
    'tracker.groupRuns': async (args) => ({ groups: t().groupRuns(args) }),
    'tracker.listRegisteredModels': async ({ nameContains }) => t().registry.listModels(nameContains),
    'tracker.getRegisteredModel': async ({ name }) => {
      const registry = t().registry;
      return {
        model: registry.getModel(name),
        versions: registry.listVersions(name),
        history: registry.history(name),
      };
    },
    'tracker.registerModel': async ({ name, runId, artifactPath, description }) => {
      const tracker = t();
      const info = tracker.store.runInfoRow(runId);
      resolveInside(tracker.runArtifactDir(runId), artifactPath);
      const exists = tracker.registry.listModels('').some((m) => m.name === name);
      if (!exists) tracker.registry.createModel(name);
      return tracker.registry.createVersion({
        name,
        runId,
        source: `${info.artifactUri}/${artifactPath.replace(/^\/+/, '')}`,
        description,
      });
    },
    'tracker.updateRegisteredModel': async ({ name, description }) =>
      t().registry.updateModel(name, description),
    'tracker.updateModelVersion': async ({ name, version, description }) =>
      t().registry.updateVersion(name, version, description),
    'tracker.transitionModelVersion': async ({ name, version, stage, archiveExisting, comment }) =>
      t().registry.transition(name, version, stage, archiveExisting, comment),
    'tracker.setModelAlias': async ({ name, alias, version }) => {
      t().registry.setAlias(name, alias, version);
      return {};
    },
    'tracker.deleteModelAlias': async ({ name, alias }) => {
      t().registry.deleteAlias(name, alias);
      return {};
    },
    'tracker.rollbackProduction': async ({ name, comment }) => t().registry.rollbackProduction(name, comment),
    'tracker.modelVersionAt': async ({ name, stage, time }) => {
      t().registry.getModel(name);
      return t().registry.versionAt(name, stage, time);
    },
  };
}
