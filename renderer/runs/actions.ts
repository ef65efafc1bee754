import type { RequestArgs, RequestResult } from '../../shared/api/contract';
import { MAX_GET_RUNS } from '../../shared/tracker/contract';
import type {
  ArtifactContent,
  ArtifactEntry,
  Experiment,
  MetricSeries,
  ModelStage,
  ModelVersion,
  RegisteredModel,
  Run,
  RunGroup,
} from '../../shared/tracker/model';
import { client } from '../api';
import { reportError } from '../state/toasts';
import { useRuns } from './store';

/**
 * What the user does in the Runs area that asks the tracker: read tracked runs, their histories and artifacts,
 * change them, manage experiments and the model registry. Components call these; only this file (and the
 * store) talks to the host. "Run" here is always a tracked run, never a pipeline run.
 */

// --- Tracked runs -------------------------------------------------------------------------------------------

/** The runs by id, in the given order, from every experiment (compare works across experiments). */
export async function fetchRuns(runIds: readonly string[]): Promise<Run[]> {
  const runs: Run[] = [];
  for (let i = 0; i < runIds.length; i += MAX_GET_RUNS)
    runs.push(...(await client.call('tracker.getRuns', { runIds: runIds.slice(i, i + MAX_GET_RUNS) })).runs);
  return runs;
}

/** One run with everything logged. */
export function fetchRun(runId: string): Promise<Run> {
  return client.call('tracker.getRun', { runId });
}

/** The runs whose parent the run is (the first 200). */
export async function fetchChildRuns(parent: Run): Promise<Run[]> {
  const page = await client.call('tracker.searchRuns', {
    experimentIds: [parent.info.experimentId],
    filter: `tags.\`mlflow.parentRunId\` = '${parent.info.runId}'`,
    orderBy: [],
    maxResults: 200,
    pageToken: null,
  });
  return page.runs;
}

/** Calls `reload` whenever one of the runs changes; returns the unsubscribe. */
export function watchRuns(runIds: readonly string[], reload: () => void): () => void {
  return client.on('tracker.onRunsChanged', (e) => {
    if (e.runIds.some((id) => runIds.includes(id))) reload();
  });
}

export function saveRunDescription(runId: string, description: string): Promise<Run> {
  return client.call('tracker.updateRun', { runId, description });
}

/** For a run whose process died without ending it. */
export function markRunFailed(runId: string): Promise<Run> {
  return client.call('tracker.updateRun', { runId, status: 'FAILED' });
}

export async function setRunTag(runId: string, key: string, value: string): Promise<void> {
  await client.call('tracker.setTag', { runId, key, value });
}

export async function deleteRunTag(runId: string, key: string): Promise<void> {
  await client.call('tracker.deleteTag', { runId, key });
}

/** Deletes the runs selected in the table (all of them, when "select all" held more than one request takes). */
export async function deleteSelectedRuns(): Promise<void> {
  const ids = useRuns.getState().selected;
  try {
    // A request deletes at most 10,000 runs.
    for (let i = 0; i < ids.length; i += 10_000)
      await client.call('tracker.deleteRun', { runIds: ids.slice(i, i + 10_000) });
    useRuns.getState().setSelected([]);
    void useRuns.getState().search();
  } catch (err) {
    reportError(`Could not delete ${ids.length} runs`, err);
  }
}

export async function fetchMetricHistories(
  args: RequestArgs<'tracker.getMetricHistories'>,
): Promise<MetricSeries[]> {
  return (await client.call('tracker.getMetricHistories', args)).series;
}

/** Runs grouped by the value of one param, with statistics per metric and bands over the history. */
export async function groupRunsByParam(args: RequestArgs<'tracker.groupRuns'>): Promise<RunGroup[]> {
  return (await client.call('tracker.groupRuns', args)).groups;
}

export async function listRunArtifacts(runId: string, path: string): Promise<ArtifactEntry[]> {
  return (await client.call('tracker.listArtifacts', { runId, path })).files;
}

/** The first megabyte of an artifact, as the preview shows it. */
export function readRunArtifact(runId: string, path: string): Promise<ArtifactContent> {
  return client.call('tracker.readArtifact', { runId, path, maxBytes: 1024 * 1024 });
}

// --- Experiments --------------------------------------------------------------------------------------------

/** Creates an experiment and shows it alone. */
export async function createExperiment(name: string): Promise<void> {
  try {
    const exp = await client.call('tracker.createExperiment', { name, tags: {} });
    await useRuns.getState().loadExperiments();
    useRuns.getState().selectExperiment(exp.experimentId, false);
  } catch (err) {
    reportError(`Could not create the experiment ${name}`, err);
  }
}

export async function renameExperiment(exp: Experiment, name: string): Promise<void> {
  try {
    await client.call('tracker.renameExperiment', { experimentId: exp.experimentId, name });
    await useRuns.getState().loadExperiments();
  } catch (err) {
    reportError(`Could not rename ${exp.name}`, err);
  }
}

/** Deletes (to the trash) or restores an experiment, then reads the sidebar and the runs again. */
export async function setExperimentDeleted(exp: Experiment, deleted: boolean): Promise<void> {
  try {
    await client.call(deleted ? 'tracker.deleteExperiment' : 'tracker.restoreExperiment', {
      experimentId: exp.experimentId,
    });
    await useRuns.getState().loadExperiments();
    void useRuns.getState().search();
  } catch (err) {
    reportError(`Could not ${deleted ? 'delete' : 'restore'} ${exp.name}`, err);
  }
}

// --- Model registry -----------------------------------------------------------------------------------------

export type ModelDetail = RequestResult<'tracker.getRegisteredModel'>;

export function listModels(nameContains: string): Promise<RegisteredModel[]> {
  return client.call('tracker.listRegisteredModels', { nameContains });
}

export function fetchModel(name: string): Promise<ModelDetail> {
  return client.call('tracker.getRegisteredModel', { name });
}

/** Calls `reload` when the registry changes: any model, or only the named one. */
export function watchModels(reload: () => void, name?: string): () => void {
  return client.on('tracker.onModelsChanged', (e) => {
    if (name === undefined || e.names.includes(name)) reload();
  });
}

export async function moveModelVersion(
  v: ModelVersion,
  stage: ModelStage,
  archiveExisting: boolean,
  comment: string,
): Promise<void> {
  await client.call('tracker.transitionModelVersion', {
    name: v.name,
    version: v.version,
    stage,
    archiveExisting,
    comment,
  });
}

export async function rollbackProduction(name: string, comment: string): Promise<void> {
  await client.call('tracker.rollbackProduction', { name, comment });
}

export function modelVersionAt(
  name: string,
  stage: ModelStage,
  time: number,
): Promise<RequestResult<'tracker.modelVersionAt'>> {
  return client.call('tracker.modelVersionAt', { name, stage, time });
}

export async function saveModelDescription(name: string, description: string): Promise<void> {
  await client.call('tracker.updateRegisteredModel', { name, description });
}

/** Points the alias at the version, moving it from any other. */
export async function setModelAlias(name: string, alias: string, version: number): Promise<void> {
  await client.call('tracker.setModelAlias', { name, alias, version });
}

export async function deleteModelAlias(name: string, alias: string): Promise<void> {
  await client.call('tracker.deleteModelAlias', { name, alias });
}
