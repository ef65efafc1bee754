import type { Tracker } from './index';
import { TAG } from '../../../shared/tracker/model';

export const SAMPLE_EXPERIMENT = 'Sample: taxi fare sweep';
export const SAMPLE_MODEL = 'taxi-fare';

/** A small deterministic PRNG, so every new user sees the same sample runs. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SweepPoint {
  model: 'ridge' | 'random_forest';
  alpha?: number;
  maxDepth?: number;
  seed: number;
}

const SWEEP: SweepPoint[] = [
  ...[0.01, 0.1, 1].flatMap((alpha) => [0, 1].map((seed) => ({ model: 'ridge' as const, alpha, seed }))),
  ...[4, 8, 12].flatMap((maxDepth) =>
    [0, 1].map((seed) => ({ model: 'random_forest' as const, maxDepth, seed })),
  ),
];

const STEPS = 40;

/**
 * The sample workspace's experiment: twelve runs of a ridge / random-forest sweep over alpha, depth and seeds,
 * with per-step training curves, and a registered model with a stage history, so a new user can compare runs
 * and browse the registry at once. Made once; a workspace that has it is left alone.
 */
export async function ensureSampleExperiment(tracker: Tracker, workspaceRoot: string): Promise<boolean> {
  const store = tracker.store;
  if (store.listExperiments('ALL').some((e) => e.name === SAMPLE_EXPERIMENT)) return false;
  const exp = store.createExperiment(SAMPLE_EXPERIMENT, {
    'mlflow.note.content':
      'Predicting taxi fares from the sample trips table: ridge regression against a random forest.',
  });
  const base = Date.UTC(2026, 0, 5, 9, 0, 0);
  const runIds: string[] = [];
  SWEEP.forEach((p, i) => {
    const rnd = mulberry32(1000 + i);
    const name = p.model === 'ridge' ? `ridge-a${p.alpha}-s${p.seed}` : `rf-d${p.maxDepth}-s${p.seed}`;
    const start = base + i * 7 * 60_000;
    const run = store.createRun({
      experimentId: exp.experimentId,
      runName: name,
      startTime: start,
      userId: 'sample',
      tags: {
        [TAG.user]: 'sample',
        [TAG.sourceKind]: 'notebook',
        [TAG.sourceName]: 'notebooks/train_fares.ipynb',
        [TAG.sourceNotebook]: 'notebooks/train_fares.ipynb',
        [TAG.sourceVersion]: 'sha256:5a3f1c0e9b7d',
        model_family: p.model,
      },
    });
    runIds.push(run.info.runId);
    const params =
      p.model === 'ridge'
        ? { model: 'ridge', alpha: String(p.alpha), seed: String(p.seed), features: '6' }
        : {
            model: 'random_forest',
            max_depth: String(p.maxDepth),
            n_estimators: '100',
            seed: String(p.seed),
            features: '6',
          };
    // Ridge improves little with more shrinkage; deeper forests fit better until they overfit.
    const floor =
      p.model === 'ridge'
        ? 4.1 + Math.log10(p.alpha! * 100) * 0.08
        : ({ 4: 3.6, 8: 3.05, 12: 3.2 } as Record<number, number>)[p.maxDepth!];
    const metrics: { key: string; value: number; timestamp: number; step: number }[] = [];
    let trainRmse = 0;
    let valRmse = 0;
    for (let step = 0; step < STEPS; step++) {
      const decay = Math.exp(-step / (p.model === 'ridge' ? 6 : 10));
      const noise = (rnd() - 0.5) * 0.12;
      trainRmse =
        floor - (p.model === 'random_forest' ? (p.maxDepth! - 4) * 0.06 : 0) + 6 * decay + noise * 0.5;
      valRmse = floor + 6 * decay + noise;
      const ts = start + step * 5_000;
      metrics.push({ key: 'train_rmse', value: trainRmse, timestamp: ts, step });
      metrics.push({ key: 'val_rmse', value: valRmse, timestamp: ts, step });
      metrics.push({ key: 'val_r2', value: 1 - (valRmse / 9.5) ** 2, timestamp: ts, step });
    }
    const end = start + STEPS * 5_000;
    metrics.push({
      key: 'fit_seconds',
      value: (p.model === 'ridge' ? 0.4 : 3 + p.maxDepth! * 0.5) + rnd(),
      timestamp: end,
      step: 0,
    });
    for (let k = 0; k < metrics.length; k += 900)
      store.logBatch(run.info.runId, {
        metrics: metrics.slice(k, k + 900),
        params: k === 0 ? Object.entries(params).map(([key, value]) => ({ key, value })) : [],
      });
    store.logInputs(run.info.runId, [
      {
        dataset: {
          name: 'trips',
          digest: 'b1946ac9',
          source_type: 'lakebench',
          source: `${workspaceRoot}/.lakebench/warehouse.duckdb#main.trips`,
        },
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
      },
    ]);
    store.updateRun(run.info.runId, { status: 'FINISHED', endTime: end });
  });
  // One run stopped part-way, as a crashed script leaves it, to show a failed run among the others.
  store.updateRun(runIds[runIds.length - 1], { status: 'FAILED' });

  const registry = tracker.registry;
  if (!registry.listModels(SAMPLE_MODEL).some((m) => m.name === SAMPLE_MODEL)) {
    registry.createModel(SAMPLE_MODEL, { task: 'regression' }, 'Fare prediction for the sample trips.');
    const source = (id: string) => `${store.getRun(id).info.artifactUri}/model`;
    registry.createVersion({ name: SAMPLE_MODEL, source: source(runIds[2]), runId: runIds[2] });
    registry.createVersion({ name: SAMPLE_MODEL, source: source(runIds[8]), runId: runIds[8] });
    registry.transition(SAMPLE_MODEL, 1, 'Production', false, 'ridge baseline', 'sample');
    registry.transition(SAMPLE_MODEL, 2, 'Staging', false, 'forest depth 8 beats the baseline', 'sample');
    registry.transition(SAMPLE_MODEL, 2, 'Production', true, 'promoted after review', 'sample');
    registry.setAlias(SAMPLE_MODEL, 'champion', 2);
  }
  tracker.flush();
  return true;
}
