import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackingEnvironment } from '../../electron/core/tracker';
import { startTrackerServer, type TrackerServer } from './helpers';

/** Debian's Python, with scikit-learn; the one Lakebench uses for its own Python. */
const PYTHON = '/usr/bin/python3';

let s: TrackerServer;

beforeAll(async () => {
  s = await startTrackerServer();
});
afterAll(async () => {
  await s.close();
});

function runPython(
  code: string,
  env: Record<string, string>,
  cwd?: string,
): Promise<{ code: number | null; out: string; err: string; pid: number }> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, ['-c', code], {
      cwd: cwd ?? s.dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? s.dir, ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (c) => resolve({ code: c, out, err, pid: child.pid ?? 0 }));
  });
}

describe('the lakebench Python module', () => {
  it('logs a run with params, batched metrics, tags, an artifact and its source, and ends it', async () => {
    const env = trackingEnvironment(path.join(s.workspace, '.lakebench'), {
      experimentName: 'py-module',
      source: { kind: 'pipeline', pipeline: 'daily', task: 'train', pipelineRun: 'r-7', version: 'abc123' },
    });
    expect(env.MLFLOW_TRACKING_URI).toBe(s.base);
    await writeFile(path.join(s.dir, 'report.txt'), 'all good');
    const r = await runPython(
      `
import lakebench as lb
with lb.start_run(run_name="py-run", tags={"team": "ml"}, description="a *note*") as run:
    lb.log_param("alpha", 0.1)
    lb.log_params({"depth": 3, "solver": "adam"})
    for step in range(2500):
        lb.log_metric("loss", 1.0 / (step + 1), step=step)
    lb.log_metrics({"acc": 0.9, "odd": float("nan")})
    lb.set_tag("stage", "dev")
    lb.log_artifact("report.txt", artifact_path="reports")
    print(run.run_id)
`,
      env,
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const runId = r.out.trim();
    const run = s.core.tracker.getRun(runId);
    expect(run.info).toMatchObject({ runName: 'py-run', status: 'FINISHED', description: 'a *note*' });
    expect(run.info.source).toMatchObject({
      kind: 'pipeline',
      pipeline: 'daily',
      task: 'train',
      pipelineRun: 'r-7',
      version: 'abc123',
    });
    expect(s.core.tracker.getExperiment(run.info.experimentId).name).toBe('py-module');
    expect(run.params).toEqual({ alpha: '0.1', depth: '3', solver: 'adam' });
    expect(s.core.tracker.metricCount(runId, 'loss')).toBe(2500);
    expect(run.metrics.odd.value).toBe('NaN');
    expect(run.tags).toMatchObject({ team: 'ml', stage: 'dev' });
    const files = await s.core.host.dispatch(
      'tracker.listArtifacts',
      { runId, path: 'reports' },
      { clientId: 't' },
    );
    expect(files).toEqual({
      ok: true,
      value: expect.objectContaining({ files: [{ path: 'reports/report.txt', isDir: false, fileSize: 8 }] }),
    });
  });

  it('finds the server through .lakebench/server.json inside a workspace, and marks a failing run FAILED', async () => {
    const r = await runPython(
      `
import lakebench as lb
try:
    with lb.start_run(run_name="boom") as run:
        print(run.run_id)
        raise ValueError("bad data")
except ValueError:
    pass
`,
      { PYTHONPATH: path.join(process.cwd(), 'resources', 'python') },
      s.workspace,
    );
    expect(r.code).toBe(0);
    const run = s.core.tracker.getRun(r.out.trim());
    expect(run.info.status).toBe('FAILED');
    expect(run.info.experimentId).toBe('0');
  });

  it('leaves the run of a killed process RUNNING, and the user can mark it failed', async () => {
    const env = trackingEnvironment(path.join(s.workspace, '.lakebench'), { experimentName: 'killed' });
    const r = await runPython(
      `
import os, signal, lakebench as lb
run = lb.start_run(run_name="doomed")
lb.log_metric("loss", 1.0)
lb.flush()
print(run.run_id, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
`,
      env,
    );
    expect(r.code).toBe(null);
    const runId = r.out.trim();
    expect(s.core.tracker.getRun(runId).info.status).toBe('RUNNING');
    const marked = await s.core.host.dispatch(
      'tracker.updateRun',
      { runId, status: 'FAILED' },
      { clientId: 't' },
    );
    expect(marked.ok).toBe(true);
    const run = s.core.tracker.getRun(runId);
    expect(run.info.status).toBe('FAILED');
    expect(run.info.endTime).toBeGreaterThan(0);
  });

  it('autolog records a scikit-learn fit: params, training metrics, the pickled model and the context', async () => {
    const env = trackingEnvironment(path.join(s.workspace, '.lakebench'), {
      experimentName: 'autolog',
      source: { kind: 'notebook', notebook: 'notebooks/train.ipynb', cell: 'c1' },
    });
    const r = await runPython(
      `
import lakebench as lb
from sklearn.datasets import make_regression
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import Ridge
lb.autolog()
X, y = make_regression(n_samples=200, n_features=5, noise=0.5, random_state=0)
Ridge(alpha=0.5).fit(X, y)
RandomForestRegressor(n_estimators=5, max_depth=3, random_state=0).fit(X, y)
`,
      env,
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const exp = s.core.tracker.getExperimentByName('autolog');
    const runs = s.core.tracker.searchRuns({
      experimentIds: [exp.experimentId],
      filter: '',
      orderBy: ['attributes.start_time ASC'],
      maxResults: 10,
      pageToken: null,
      runViewType: 'ACTIVE_ONLY',
    }).runs;
    // One run per top-level fit: the forest's trees fit inside it and make no runs of their own.
    expect(runs.map((x) => x.info.runName)).toEqual(['Ridge', 'RandomForestRegressor']);
    const [ridge, forest] = runs;
    expect(ridge.params.alpha).toBe('0.5');
    expect(forest.params).toMatchObject({ n_estimators: '5', max_depth: '3' });
    expect(ridge.info.status).toBe('FINISHED');
    expect(ridge.tags.estimator_class).toBe('sklearn.linear_model._ridge.Ridge');
    expect(ridge.info.source).toMatchObject({
      kind: 'notebook',
      notebook: 'notebooks/train.ipynb',
      cell: 'c1',
    });
    expect(Number(ridge.metrics.training_r2_score.value)).toBeGreaterThan(0.99);
    expect(ridge.metrics).toHaveProperty('training_mean_squared_error');
    const model = await s.core.host.dispatch(
      'tracker.readArtifact',
      { runId: ridge.info.runId, path: 'model/model.pkl' },
      { clientId: 't' },
    );
    expect(model).toMatchObject({ ok: true, value: { kind: 'binary' } });
    // The pickled model loads back and predicts.
    const load = await runPython(
      `
import pickle, sys
m = pickle.load(open(sys.argv[1] if len(sys.argv) > 1 else ${JSON.stringify(
        path.join(
          s.workspace,
          '.lakebench',
          'artifacts',
          exp.experimentId,
          ridge.info.runId,
          'artifacts',
          'model',
          'model.pkl',
        ),
      )}, 'rb'))
print(type(m).__name__, m.alpha)
`,
      {},
    );
    expect(load.out.trim()).toBe('Ridge 0.5');
  }, 60_000);
});
