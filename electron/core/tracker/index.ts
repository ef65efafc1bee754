import path from 'node:path';
import { mkdirSync } from 'node:fs';
import type { EventSink } from '../../../shared/api/client';
import { LakebenchError } from '../../../shared/errors';
import type { MetricStats, RunGroup } from '../../../shared/tracker/model';
import { ArtifactStore } from './artifacts';
import { ModelRegistry } from './registry';
import { TrackerStore, type SearchRunsInput } from './store';

export { TrackerStore } from './store';
export { ModelRegistry } from './registry';
export { ArtifactStore } from './artifacts';
export { fileVersion, trackingEnvironment, localUser } from './env';

/** How often at most the UI hears that runs changed while processes log (per experiment). */
const CHANGE_INTERVAL_MS = 250;

/**
 * The tracker service of one workspace: the store, the registry and the artifact folders, and the events that
 * keep the Runs area live while scripts log.
 */
export class Tracker {
  readonly registry: ModelRegistry;
  readonly artifacts: ArtifactStore;
  private pendingRuns = new Map<string, Set<string>>();
  private pendingExperiments = new Set<string>();
  private pendingModels = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    readonly store: TrackerStore,
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

  /** The folder of a run's artifacts, checked to exist. */
  runArtifactDir(runId: string): string {
    const info = this.store.runInfoRow(runId);
    return this.artifacts.runDir(info.experimentId, runId);
  }

  /**
   * Groups runs by a param's value: per group the mean, sample std, min and max of each metric's latest value,
   * and per step the same over the metric's history (the band drawn over seeds).
   */
  groupRuns(input: {
    runIds?: string[];
    experimentIds: string[];
    filter: string;
    byParam: string;
    metricKeys: string[];
    historyKeys: string[];
    maxPoints: number;
  }): RunGroup[] {
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

export { ensureSampleExperiment } from './sample';
