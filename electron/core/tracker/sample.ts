import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TrackerService } from './index';
import { resourcesDir } from '../sample';
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

interface SweepResult {
  spec: { model: string; alpha?: number; max_depth?: number; seed: number };
  /** [step, train_rmse, val_rmse, val_r2] */
  points: [number, number, number, number][];
  fit_seconds: number;
}

/** Debian's Python with scikit-learn, as Lakebench's own Python; LAKEBENCH_PYTHON overrides it. */
function python(): string {
  return process.env.LAKEBENCH_PYTHON || '/usr/bin/python3';
}

/** Runs the real sweep (resources/python/lakebench/sample_sweep.py); null when Python or scikit-learn is missing. */
function sklearnSweep(): Promise<SweepResult[] | null> {
  const script = path.join(resourcesDir(), 'python', 'lakebench', 'sample_sweep.py');
  if (!existsSync(script) || !existsSync(python())) return Promise.resolve(null);
  const specs = SWEEP.map((p) =>
    p.model === 'ridge'
      ? { model: 'ridge', alpha: p.alpha, seed: p.seed }
      : { model: 'random_forest', max_depth: p.maxDepth, seed: p.seed },
  );
  return new Promise((resolve) => {
    const child = spawn(python(), [script, JSON.stringify(specs)], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    timer.unref();
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', () => resolve(null));
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) return resolve(null);
      try {
        const results = out
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as SweepResult);
        resolve(results.length === SWEEP.length ? results : null);
      } catch {
        resolve(null);
      }
    });
  });
}

/** Training curves shaped like the real ones, for a machine without scikit-learn. */
function generatedSweep(): SweepResult[] {
  return SWEEP.map((p, i) => {
    const rnd = mulberry32(1000 + i);
    const floor =
      p.model === 'ridge'
        ? 2.45 + Math.log10(p.alpha! * 100) * 0.03
        : ({ 4: 2.6, 8: 2.25, 12: 2.3 } as Record<number, number>)[p.maxDepth!];
    const points: [number, number, number, number][] = [];
    for (let step = 0; step < STEPS; step++) {
      const decay = Math.exp(-step / (p.model === 'ridge' ? 6 : 10));
      const val = floor + 1.5 * decay + (rnd() - 0.5) * 0.06;
      const train = val - (p.model === 'random_forest' ? (p.maxDepth! - 2) * 0.05 : 0.05);
      points.push([step, train, val, 1 - (val / 8.2) ** 2]);
    }
    return {
      spec: { model: p.model, alpha: p.alpha, max_depth: p.maxDepth, seed: p.seed },
      points,
      fit_seconds: (p.model === 'ridge' ? 0.2 : 2 + p.maxDepth! * 0.3) + rnd(),
    };
  });
}

/**
 * The sample workspace's experiment: twelve runs of a ridge / random-forest sweep over alpha, depth and seeds on
 * generated fare data, with per-step curves, fitted with scikit-learn when the machine's Python has it (else the
 * curves are generated), and a registered model with a stage history, so a new user can compare runs and browse
 * the registry at once. Made once; a workspace that has it is left alone.
 */
export async function ensureSampleExperiment(
  tracker: TrackerService,
  workspaceRoot: string,
): Promise<boolean> {
  if (tracker.listExperiments('ALL').some((e) => e.name === SAMPLE_EXPERIMENT)) return false;
  const fitted = await sklearnSweep();
  const results = fitted ?? generatedSweep();
  // The workspace may have been closed, or the sweep made by another opening, while Python ran.
  if (!tracker.isOpen() || tracker.listExperiments('ALL').some((e) => e.name === SAMPLE_EXPERIMENT))
    return false;
  const exp = tracker.createExperiment(SAMPLE_EXPERIMENT, {
    'mlflow.note.content':
      'Predicting taxi fares (generated data): ridge regression over alpha against random forests over depth, two seeds each.',
    'lakebench.sample.fittedWith': fitted ? 'scikit-learn' : 'generated curves',
  });
  const base = Date.UTC(2026, 0, 5, 9, 0, 0);
  const runIds: string[] = [];
  results.forEach((result, i) => {
    const p = SWEEP[i];
    const name = p.model === 'ridge' ? `ridge-a${p.alpha}-s${p.seed}` : `rf-d${p.maxDepth}-s${p.seed}`;
    const start = base + i * 7 * 60_000;
    const run = tracker.createRun({
      experimentId: exp.experimentId,
      runName: name,
      startTime: start,
      userId: 'sample',
      tags: {
        [TAG.user]: 'sample',
        [TAG.sourceKind]: 'script',
        [TAG.sourceName]: 'lakebench/sample_sweep.py',
        [TAG.sourceVersion]: fitted ? 'scikit-learn' : 'generated',
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
            n_estimators: String(STEPS),
            seed: String(p.seed),
            features: '6',
          };
    const metrics: { key: string; value: number; timestamp: number; step: number }[] = [];
    for (const [step, train, val, r2] of result.points) {
      const ts = start + step * 5_000;
      metrics.push({ key: 'train_rmse', value: train, timestamp: ts, step });
      metrics.push({ key: 'val_rmse', value: val, timestamp: ts, step });
      metrics.push({ key: 'val_r2', value: r2, timestamp: ts, step });
    }
    const end = start + STEPS * 5_000;
    metrics.push({ key: 'fit_seconds', value: result.fit_seconds, timestamp: end, step: 0 });
    for (let k = 0; k < metrics.length; k += 900)
      tracker.logBatch(run.info.runId, {
        metrics: metrics.slice(k, k + 900),
        params: k === 0 ? Object.entries(params).map(([key, value]) => ({ key, value })) : [],
      });
    tracker.logInputs(run.info.runId, [
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
    tracker.updateRun(run.info.runId, { status: 'FINISHED', endTime: end });
  });
  // One run stopped part-way, as a crashed script leaves it, to show a failed run among the others.
  tracker.updateRun(runIds[runIds.length - 1], { status: 'FAILED' });

  if (!tracker.listModels(SAMPLE_MODEL).some((m) => m.name === SAMPLE_MODEL)) {
    tracker.createModel(SAMPLE_MODEL, { task: 'regression' }, 'Fare prediction for the sample trips.');
    const source = (id: string) => `${tracker.getRun(id).info.artifactUri}/model`;
    tracker.createVersion({ name: SAMPLE_MODEL, source: source(runIds[2]), runId: runIds[2] });
    tracker.createVersion({ name: SAMPLE_MODEL, source: source(runIds[8]), runId: runIds[8] });
    tracker.transition(SAMPLE_MODEL, 1, 'Production', false, 'ridge baseline', 'sample');
    tracker.transition(SAMPLE_MODEL, 2, 'Staging', false, 'forest depth 8 beats the baseline', 'sample');
    tracker.transition(SAMPLE_MODEL, 2, 'Production', true, 'promoted after review', 'sample');
    tracker.setAlias(SAMPLE_MODEL, 'champion', 2);
  }
  tracker.flush();
  return true;
}
