import path from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { EventSink } from '../../../shared/api/client';
import { LakebenchError } from '../../../shared/errors';
import type { RunSelect } from '../../../shared/tracker/contract';
import type {
  ArtifactContent,
  ArtifactEntry,
  Experiment,
  MetricSeries,
  MetricXAxis,
  ModelEvent,
  ModelStage,
  ModelVersion,
  RegisteredModel,
  Run,
  RunGroup,
  RunKeys,
  RunStatus,
  RunViewType,
  MetricStats,
} from '../../../shared/tracker/model';
import { ArtifactStore, resolveInside } from './artifacts';
import { metricHistories } from './metric-histories';
import { ModelRegistry, type NewModelVersion } from './registry';
import { TrackerStore, type CreateRunInput, type LogBatchInput, type SearchRunsInput } from './store';

// What other services and the API host legitimately need besides the service itself.
export { fileVersion, localUser, trackingEnvironment, type RunSourceEnv } from './env';
export { ensureSampleExperiment, SAMPLE_EXPERIMENT, SAMPLE_MODEL } from './sample';
export { trackerHandlers } from './handlers';
export { mimeTypeOf } from './artifacts';
export { checkVersion } from './registry-checks';
export { decodeToken } from './page-token';
export { storageError } from './storage-errors';
export { hasLoneSurrogate } from './validate';
export { GROUPED_SCAN_LIMIT } from './metric-histories';
export type { CreateRunInput, LogBatchInput, SearchRunsInput } from './store';
export type { NewModelVersion } from './registry';

/** How often at most the UI hears that runs changed while processes log (per experiment). */
const CHANGE_INTERVAL_MS = 250;

/** A page of runs found by a search. */
export interface RunsPage {
  runs: Run[];
  nextPageToken: string | null;
  totalCount: number;
}

/** A page of run ids found by a search. */
export interface RunIdsPage {
  ids: string[];
  total: number;
  nextPageToken: string | null;
}

/** One page of a metric's full history. */
export interface MetricHistoryPage {
  metrics: { key: string; value: number; timestamp: number; step: number }[];
  nextPageToken: string | null;
}

/**
 * The run tracker as the rest of Lakebench sees it: experiments, tracked runs (MLflow's runs, not pipeline
 * runs), their metrics and artifacts, and the model registry. The MLflow routes, the API handlers and pipeline
 * tracking all go through it; its store, registry and artifact folders are its own.
 */
export interface TrackerService {
  // experiments
  listExperiments(view?: RunViewType): Experiment[];
  getExperiment(id: string): Experiment;
  getExperimentByName(name: string): Experiment;
  createExperiment(name: string, tags?: Record<string, string>, artifactLocation?: string): Experiment;
  renameExperiment(id: string, newName: string): Experiment;
  setExperimentTag(id: string, key: string, value: string): void;
  setExperimentLifecycle(id: string, stage: 'active' | 'deleted'): void;
  // tracked runs
  createRun(input: CreateRunInput): Run;
  getRun(runId: string): Run;
  runExists(runId: string): boolean;
  runInfoRow(runId: string): { experimentId: string; artifactUri: string; lifecycleStage: string };
  getRuns(runIds: readonly string[], select?: RunSelect): { runs: Run[]; missing: string[] };
  updateRun(
    runId: string,
    changes: { status?: RunStatus; endTime?: number | null; runName?: string; description?: string },
  ): Run;
  setRunsLifecycle(runIds: string[], stage: 'active' | 'deleted'): void;
  setTag(runId: string, key: string, value: string): void;
  deleteTag(runId: string, key: string): void;
  logBatch(runId: string, batch: LogBatchInput): void;
  logInputs(runId: string, datasets: unknown[]): void;
  /** Appends a logged model's description to the run's model history tag, as MLflow's stores keep it. */
  logModel(runId: string, model: unknown): void;
  searchRuns(input: SearchRunsInput, select?: RunSelect): RunsPage;
  searchRunIds(input: SearchRunsInput): RunIdsPage;
  listRunKeys(experimentIds: string[]): RunKeys;
  groupRuns(input: GroupRunsInput): RunGroup[];
  // metrics
  metricHistory(runId: string, key: string, maxResults: number, pageToken: string | null): MetricHistoryPage;
  metricHistories(
    runIds: string[],
    keys: string[],
    maxPoints: number,
    xAxis: MetricXAxis,
  ): ReturnType<typeof metricHistories>;
  metricSeries(runId: string, key: string, maxPoints: number, xAxis: MetricXAxis): MetricSeries;
  /** The number of stored points of a run's metric, or of all its metrics. */
  metricCount(runId: string, key?: string): number;
  // artifacts
  runArtifactDir(runId: string): string;
  listArtifacts(runId: string, rel: string): Promise<ArtifactEntry[]>;
  writeArtifact(runId: string, rel: string, body: Readable | Uint8Array): Promise<void>;
  artifactFile(runId: string, rel: string): Promise<{ full: string; size: number } | null>;
  deleteArtifact(runId: string, rel: string): Promise<boolean>;
  previewArtifact(runId: string, rel: string, maxBytes: number): Promise<ArtifactContent>;
  checkArtifactPath(runId: string, rel: string): void;
  // model registry
  createModel(name: string, tags?: Record<string, string>, description?: string): RegisteredModel;
  getModel(name: string): RegisteredModel;
  renameModel(name: string, newName: string): RegisteredModel;
  updateModel(name: string, description: string): RegisteredModel;
  deleteModel(name: string): void;
  setModelTag(name: string, key: string, value: string): void;
  deleteModelTag(name: string, key: string): void;
  searchModels(
    filter: string,
    maxResults: number,
    pageToken: string | null,
  ): { models: RegisteredModel[]; nextPageToken: string | null };
  listModels(nameContains: string): RegisteredModel[];
  createVersion(input: NewModelVersion): ModelVersion;
  getVersion(name: string, version: number): ModelVersion;
  listVersions(name: string): ModelVersion[];
  updateVersion(name: string, version: number, description: string): ModelVersion;
  deleteVersion(name: string, version: number): void;
  searchVersions(
    filter: string,
    maxResults: number,
    pageToken: string | null,
  ): { versions: ModelVersion[]; nextPageToken: string | null };
  latestVersions(name: string, stages: string[]): ModelVersion[];
  setVersionTag(name: string, version: number, key: string, value: string): void;
  deleteVersionTag(name: string, version: number, key: string): void;
  transition(
    name: string,
    version: number,
    stage: string,
    archiveExisting: boolean,
    comment?: string,
    user?: string,
  ): ModelVersion;
  modelHistory(name: string): ModelEvent[];
  versionAt(
    name: string,
    stage: ModelStage,
    time: number,
  ): { version: ModelVersion | null; since: number | null };
  rollbackProduction(
    name: string,
    comment?: string,
    user?: string,
  ): { restored: ModelVersion; archived: ModelVersion | null };
  setAlias(name: string, alias: string, version: number): void;
  deleteAlias(name: string, alias: string): void;
  versionByAlias(name: string, alias: string): ModelVersion;
  // the service
  /** The database file (`.lakebench/tracker.db`). */
  readonly file: string;
  isOpen(): boolean;
  /** Runs `fn` as one transaction: its writes are stored together or not at all (bulk imports). */
  inTransaction<T>(fn: () => T): T;
  flush(): void;
  close(): void;
}

export interface GroupRunsInput {
  runIds?: string[];
  experimentIds: string[];
  filter: string;
  byParam: string;
  metricKeys: string[];
  historyKeys: string[];
  maxPoints: number;
}

/**
 * The tracker service of one workspace: the store, the registry and the artifact folders, and the events that
 * keep the Runs area live while scripts log.
 */
export class Tracker implements TrackerService {
  private readonly registry: ModelRegistry;
  private readonly artifacts: ArtifactStore;
  private pendingRuns = new Map<string, Set<string>>();
  private pendingExperiments = new Set<string>();
  private pendingModels = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly store: TrackerStore,
    private readonly events: EventSink,
  ) {
    this.registry = new ModelRegistry(store);
    this.artifacts = new ArtifactStore(store.artifactRoot);
    store.onChange({
      runs: (experimentId, runIds) => {
        const set = this.pendingRuns.get(experimentId) ?? new Set<string>();
        for (const id of runIds) set.add(id);
        this.pendingRuns.set(experimentId, set);
        this.schedule();
      },
      experiments: (ids) => {
        for (const id of ids) this.pendingExperiments.add(id);
        this.schedule();
      },
      models: (names) => {
        for (const n of names) this.pendingModels.add(n);
        this.schedule();
      },
    });
  }

  /** Opens `.lakebench/tracker.db` and `.lakebench/artifacts/` of a workspace. */
  static open(engineDir: string, events: EventSink): Tracker {
    const artifactRoot = path.join(engineDir, 'artifacts');
    mkdirSync(artifactRoot, { recursive: true });
    return new Tracker(TrackerStore.open(path.join(engineDir, 'tracker.db'), artifactRoot), events);
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), CHANGE_INTERVAL_MS);
    this.timer.unref();
  }

  /** Sends the pending change events now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const runs = this.pendingRuns;
    const experiments = this.pendingExperiments;
    const models = this.pendingModels;
    this.pendingRuns = new Map();
    this.pendingExperiments = new Set();
    this.pendingModels = new Set();
    for (const [experimentId, ids] of runs)
      this.events.emit('tracker.onRunsChanged', { experimentId, runIds: [...ids] });
    if (experiments.size)
      this.events.emit('tracker.onExperimentsChanged', { experimentIds: [...experiments] });
    if (models.size) this.events.emit('tracker.onModelsChanged', { names: [...models] });
  }

  close(): void {
    this.flush();
    this.store.onChange(null);
    this.store.close();
  }

  get file(): string {
    return this.store.file;
  }

  isOpen(): boolean {
    return this.store.isOpen();
  }

  inTransaction<T>(fn: () => T): T {
    return this.store.inTransaction(fn);
  }

  // ---- experiments -------------------------------------------------------------------------------------------

  listExperiments(view?: RunViewType): Experiment[] {
    return this.store.listExperiments(view);
  }

  getExperiment(id: string): Experiment {
    return this.store.getExperiment(id);
  }

  getExperimentByName(name: string): Experiment {
    return this.store.getExperimentByName(name);
  }

  createExperiment(name: string, tags?: Record<string, string>, artifactLocation?: string): Experiment {
    return this.store.createExperiment(name, tags, artifactLocation);
  }

  renameExperiment(id: string, newName: string): Experiment {
    return this.store.renameExperiment(id, newName);
  }

  setExperimentTag(id: string, key: string, value: string): void {
    this.store.setExperimentTag(id, key, value);
  }

  setExperimentLifecycle(id: string, stage: 'active' | 'deleted'): void {
    this.store.setExperimentLifecycle(id, stage);
  }

  // ---- tracked runs ------------------------------------------------------------------------------------------

  createRun(input: CreateRunInput): Run {
    return this.store.createRun(input);
  }

  getRun(runId: string): Run {
    return this.store.getRun(runId);
  }

  runExists(runId: string): boolean {
    return this.store.runExists(runId);
  }

  runInfoRow(runId: string): { experimentId: string; artifactUri: string; lifecycleStage: string } {
    return this.store.runInfoRow(runId);
  }

  getRuns(runIds: readonly string[], select?: RunSelect): { runs: Run[]; missing: string[] } {
    return this.store.getRuns(runIds, select);
  }

  updateRun(
    runId: string,
    changes: { status?: RunStatus; endTime?: number | null; runName?: string; description?: string },
  ): Run {
    return this.store.updateRun(runId, changes);
  }

  setRunsLifecycle(runIds: string[], stage: 'active' | 'deleted'): void {
    this.store.setRunsLifecycle(runIds, stage);
  }

  setTag(runId: string, key: string, value: string): void {
    this.store.setTag(runId, key, value);
  }

  deleteTag(runId: string, key: string): void {
    this.store.deleteTag(runId, key);
  }

  logBatch(runId: string, batch: LogBatchInput): void {
    this.store.logBatch(runId, batch);
  }

  logInputs(runId: string, datasets: unknown[]): void {
    this.store.logInputs(runId, datasets);
  }

  logModel(runId: string, model: unknown): void {
    this.store.logModel(runId, model);
  }

  searchRuns(input: SearchRunsInput, select?: RunSelect): RunsPage {
    if (!select) return this.store.searchRuns(input);
    const page = this.store.searchRunIds(input);
    return {
      runs: this.store.loadRuns(page.ids, select),
      nextPageToken: page.nextPageToken,
      totalCount: page.total,
    };
  }

  searchRunIds(input: SearchRunsInput): RunIdsPage {
    return this.store.searchRunIds(input);
  }

  listRunKeys(experimentIds: string[]): RunKeys {
    return this.store.listRunKeys(experimentIds);
  }

  // ---- metrics -----------------------------------------------------------------------------------------------

  metricHistory(runId: string, key: string, maxResults: number, pageToken: string | null): MetricHistoryPage {
    return this.store.metricHistory(runId, key, maxResults, pageToken);
  }

  metricHistories(runIds: string[], keys: string[], maxPoints: number, xAxis: MetricXAxis) {
    return metricHistories(this.store, runIds, keys, maxPoints, xAxis);
  }

  metricSeries(runId: string, key: string, maxPoints: number, xAxis: MetricXAxis): MetricSeries {
    return this.store.metricSeries(runId, key, maxPoints, xAxis);
  }

  metricCount(runId: string, key?: string): number {
    return this.store.metricCount(runId, key);
  }

  // ---- artifacts ---------------------------------------------------------------------------------------------

  /** The folder of a run's artifacts, checked to exist. */
  runArtifactDir(runId: string): string {
    const info = this.store.runInfoRow(runId);
    return this.artifacts.runDir(info.experimentId, runId);
  }

  listArtifacts(runId: string, rel: string): Promise<ArtifactEntry[]> {
    return this.artifacts.list(this.runArtifactDir(runId), rel);
  }

  writeArtifact(runId: string, rel: string, body: Readable | Uint8Array): Promise<void> {
    return this.artifacts.write(this.runArtifactDir(runId), rel, body);
  }

  artifactFile(runId: string, rel: string): Promise<{ full: string; size: number } | null> {
    return this.artifacts.fileInfo(this.runArtifactDir(runId), rel);
  }

  deleteArtifact(runId: string, rel: string): Promise<boolean> {
    return this.artifacts.delete(this.runArtifactDir(runId), rel);
  }

  previewArtifact(runId: string, rel: string, maxBytes: number): Promise<ArtifactContent> {
    return this.artifacts.preview(this.runArtifactDir(runId), rel, maxBytes);
  }

  /** Throws when `rel` is not a path inside the run's artifact folder. */
  checkArtifactPath(runId: string, rel: string): void {
    resolveInside(this.runArtifactDir(runId), rel);
  }

  // ---- model registry ----------------------------------------------------------------------------------------

  createModel(name: string, tags?: Record<string, string>, description?: string): RegisteredModel {
    return this.registry.createModel(name, tags, description);
  }

  getModel(name: string): RegisteredModel {
    return this.registry.getModel(name);
  }

  renameModel(name: string, newName: string): RegisteredModel {
    return this.registry.renameModel(name, newName);
  }

  updateModel(name: string, description: string): RegisteredModel {
    return this.registry.updateModel(name, description);
  }

  deleteModel(name: string): void {
    this.registry.deleteModel(name);
  }

  setModelTag(name: string, key: string, value: string): void {
    this.registry.setModelTag(name, key, value);
  }

  deleteModelTag(name: string, key: string): void {
    this.registry.deleteModelTag(name, key);
  }

  searchModels(filter: string, maxResults: number, pageToken: string | null) {
    return this.registry.searchModels(filter, maxResults, pageToken);
  }

  listModels(nameContains: string): RegisteredModel[] {
    return this.registry.listModels(nameContains);
  }

  createVersion(input: NewModelVersion): ModelVersion {
    return this.registry.createVersion(input);
  }

  getVersion(name: string, version: number): ModelVersion {
    return this.registry.getVersion(name, version);
  }

  listVersions(name: string): ModelVersion[] {
    return this.registry.listVersions(name);
  }

  updateVersion(name: string, version: number, description: string): ModelVersion {
    return this.registry.updateVersion(name, version, description);
  }

  deleteVersion(name: string, version: number): void {
    this.registry.deleteVersion(name, version);
  }

  searchVersions(filter: string, maxResults: number, pageToken: string | null) {
    return this.registry.searchVersions(filter, maxResults, pageToken);
  }

  latestVersions(name: string, stages: string[]): ModelVersion[] {
    return this.registry.latestVersions(name, stages);
  }

  setVersionTag(name: string, version: number, key: string, value: string): void {
    this.registry.setVersionTag(name, version, key, value);
  }

  deleteVersionTag(name: string, version: number, key: string): void {
    this.registry.deleteVersionTag(name, version, key);
  }

  transition(
    name: string,
    version: number,
    stage: string,
    archiveExisting: boolean,
    comment?: string,
    user?: string,
  ): ModelVersion {
    return this.registry.transition(name, version, stage, archiveExisting, comment, user);
  }

  modelHistory(name: string): ModelEvent[] {
    return this.registry.history(name);
  }

  versionAt(name: string, stage: ModelStage, time: number) {
    return this.registry.versionAt(name, stage, time);
  }

  rollbackProduction(name: string, comment?: string, user?: string) {
    return this.registry.rollbackProduction(name, comment, user);
  }

  setAlias(name: string, alias: string, version: number): void {
    this.registry.setAlias(name, alias, version);
  }

  deleteAlias(name: string, alias: string): void {
    this.registry.deleteAlias(name, alias);
  }

  versionByAlias(name: string, alias: string): ModelVersion {
    return this.registry.versionByAlias(name, alias);
  }

  // ---- grouping ----------------------------------------------------------------------------------------------

  /**
   * Groups runs by a param's value: per group the mean, sample std, min and max of each metric's latest value,
   * and per step the same over the metric's history (the band drawn over seeds).
   */
  groupRuns(input: GroupRunsInput): RunGroup[] {
    let ids: string[];
    if (input.runIds) {
      for (const id of input.runIds)
        if (!this.store.runExists(id)) throw new LakebenchError('NOT_FOUND', `Run with id=${id} not found`);
      ids = input.runIds;
    } else {
      const search: SearchRunsInput = {
        experimentIds: input.experimentIds,
        filter: input.filter,
        orderBy: [],
        maxResults: 50_000,
        pageToken: null,
        runViewType: 'ACTIVE_ONLY',
      };
      ids = this.store.searchRunIds(search).ids;
    }
    const values = this.store.paramValues(ids, input.byParam);
    const groups = new Map<string | null, string[]>();
    for (const id of ids) {
      const v = values.get(id) ?? null;
      const list = groups.get(v) ?? [];
      list.push(id);
      groups.set(v, list);
    }
    const latest = new Map(input.metricKeys.map((k) => [k, this.store.latestValues(ids, k)]));
    const ordered = [...groups.entries()].sort(([a], [b]) => compareParamValues(a, b));
    return ordered.map(([value, runIds]) => {
      const metrics: Record<string, MetricStats> = {};
      for (const key of input.metricKeys) {
        const xs = runIds.map((id) => latest.get(key)!.get(id)).filter((v): v is number => v !== undefined);
        metrics[key] = stats(xs);
      }
      return {
        value,
        runIds,
        metrics,
        histories: input.historyKeys.map((k) => this.store.groupHistory(runIds, k, input.maxPoints)),
      };
    });
  }
}

/** Numeric param values sort as numbers (0.01 < 0.1 < 1), others as text; runs without the param go last. */
function compareParamValues(a: string | null, b: string | null): number {
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  const na = Number(a);
  const nb = Number(b);
  if (a.trim() !== '' && b.trim() !== '' && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a.localeCompare(b);
}

export function stats(xs: number[]): MetricStats {
  if (xs.length === 0) return { count: 0, mean: null, std: null, min: null, max: null };
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = xs.length > 1 ? xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1) : 0;
  return { count: xs.length, mean, std: Math.sqrt(variance), min: Math.min(...xs), max: Math.max(...xs) };
}
