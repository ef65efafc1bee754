import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LakebenchCore } from '../../electron/core/app';
import { SAMPLE_EXPERIMENT, SAMPLE_MODEL } from '../../electron/core/tracker';
import { SCHEMA_VERSION, migrate } from '../../electron/core/tracker/schema';
import { useCore } from '../support/core';
import { tempDir } from '../support/temp';

const t = useCore('tracker-core');
const { call, fails } = t;

function logRun(
  experimentId: string,
  name: string,
  params: Record<string, string>,
  curve: number[],
  start = Date.now(),
) {
  const store = t.core.tracker;
  const run = store.createRun({ experimentId, runName: name, startTime: start });
  store.logBatch(run.info.runId, {
    params: Object.entries(params).map(([key, value]) => ({ key, value })),
    metrics: curve.map((value, step) => ({ key: 'loss', value, timestamp: start + step * 1000, step })),
  });
  return run.info.runId;
}

describe('tracker requests', () => {
  it('manages experiments, with run counts and soft delete that restores the same runs', async () => {
    const exp = await call('tracker.createExperiment', { name: 'contract-exp', tags: { team: 'ml' } });
    expect(exp).toMatchObject({
      name: 'contract-exp',
      tags: { team: 'ml' },
      runCount: 0,
      lifecycleStage: 'active',
    });
    expect((await fails('tracker.createExperiment', { name: 'contract-exp' })).code).toBe('ALREADY_EXISTS');
    expect((await fails('tracker.createExperiment', { name: '' })).code).toBe('INVALID_REQUEST');
    const renamed = await call('tracker.renameExperiment', {
      experimentId: exp.experimentId,
      name: 'contract-exp-2',
    });
    expect(renamed.name).toBe('contract-exp-2');
    const a = logRun(exp.experimentId, 'a', {}, [1]);
    const b = logRun(exp.experimentId, 'b', {}, [1]);
    await call('tracker.deleteRun', { runIds: [b] });
    expect(
      (await call('tracker.listExperiments', {})).find((e) => e.experimentId === exp.experimentId)?.runCount,
    ).toBe(1);
    await call('tracker.deleteExperiment', { experimentId: exp.experimentId });
    expect((await call('tracker.listExperiments', {})).some((e) => e.experimentId === exp.experimentId)).toBe(
      false,
    );
    const withDeleted = await call('tracker.listExperiments', { includeDeleted: true });
    expect(withDeleted.find((e) => e.experimentId === exp.experimentId)?.lifecycleStage).toBe('deleted');
    await call('tracker.restoreExperiment', { experimentId: exp.experimentId });
    // The run deleted before the experiment stays deleted; the one deleted with it comes back.
    expect((await call('tracker.getRun', { runId: a })).info.lifecycleStage).toBe('active');
    expect((await call('tracker.getRun', { runId: b })).info.lifecycleStage).toBe('deleted');
    expect((await fails('tracker.deleteExperiment', { experimentId: '424242' })).code).toBe('NOT_FOUND');
  });

  it('searches across experiments with OR, sorts in the store, pages and counts; lists keys', async () => {
    const e1 = (await call('tracker.createExperiment', { name: 'search-1' })).experimentId;
    const e2 = (await call('tracker.createExperiment', { name: 'search-2' })).experimentId;
    for (let i = 0; i < 5; i++)
      logRun(i < 3 ? e1 : e2, `s${i}`, { alpha: String(i % 2), seed: String(i) }, [5 - i], 10_000 + i);
    const both = await call('tracker.searchRuns', {
      experimentIds: [e1, e2],
      filter: "params.alpha = '1' or metrics.loss >= 4.5",
      orderBy: ['metrics.loss ASC'],
      maxResults: 2,
    });
    expect(both.totalCount).toBe(3);
    expect(both.runs.map((r) => r.info.runName)).toEqual(['s3', 's1']);
    const rest = await call('tracker.searchRuns', {
      experimentIds: [e1, e2],
      filter: "params.alpha = '1' or metrics.loss >= 4.5",
      orderBy: ['metrics.loss ASC'],
      maxResults: 2,
      pageToken: both.nextPageToken,
    });
    expect(rest.runs.map((r) => r.info.runName)).toEqual(['s0']);
    expect(rest.nextPageToken).toBeNull();
    const bad = await fails('tracker.searchRuns', { experimentIds: [e1], filter: "params.alpha = '1' or" });
    expect(bad.code).toBe('INVALID_PARAMETER_VALUE');
    expect(bad).toMatchObject({ location: { column: expect.any(Number) } });
    const keys = await call('tracker.listRunKeys', { experimentIds: [e1, e2] });
    expect(keys).toEqual({
      params: ['alpha', 'seed'],
      metrics: ['loss'],
      tags: ['mlflow.runName'],
      datasets: [],
    });
  });

  it('compiles every kind of condition to the runs it names', async () => {
    const exp = (await call('tracker.createExperiment', { name: 'conditions' })).experimentId;
    const store = t.core.tracker;
    const ids: Record<string, string> = {};
    for (const [name, team, loss, owner] of [
      ['p', 'ml-core', 0.1, 'ana'],
      ['q', 'ML-vision', 0.5, null],
      ['r', 'data', NaN, null],
      ['s', 'ml_x', 2, 'bo'],
    ] as const) {
      const runId = logRun(exp, name, { opt: name === 's' ? 'sgd' : 'adam' }, [], 1_000 + name.charCodeAt(0));
      ids[name] = runId;
      store.logBatch(runId, {
        metrics: [{ key: 'loss', value: loss, timestamp: 1, step: 0 }],
        tags: [{ key: 'team', value: team }, ...(owner ? [{ key: 'owner', value: owner }] : [])],
      });
    }
    store.logInputs(ids.p, [
      {
        dataset: { name: 'trips', digest: 'd1', source_type: 'local', source: 'a' },
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
      },
    ]);
    store.updateRun(ids.q, { status: 'FINISHED' });
    const names = async (filter: string) =>
      (
        await call('tracker.searchRuns', {
          experimentIds: [exp],
          filter,
          orderBy: ['attributes.run_name ASC'],
        })
      ).runs.map((r) => r.info.runName);
    expect(await names("tags.team LIKE 'ml%'")).toEqual(['p', 's']);
    expect(await names("tags.team LIKE 'ml_c%'")).toEqual(['p']);
    expect(await names("tags.team ILIKE 'ml%'")).toEqual(['p', 'q', 's']);
    expect(await names("tags.team != 'data'")).toEqual(['p', 'q', 's']);
    expect(await names('tags.owner IS NULL')).toEqual(['q', 'r']);
    expect(await names('tags.owner IS NOT NULL')).toEqual(['p', 's']);
    expect(await names("params.opt IN ('sgd', 'x')")).toEqual(['s']);
    expect(await names("params.opt NOT IN ('sgd')")).toEqual(['p', 'q', 'r']);
    expect(await names('metrics.loss >= 0.5')).toEqual(['q', 's']);
    expect(await names('metrics.loss != 0.5')).toEqual(['p', 's']);
    expect(await names('metrics.missing IS NULL')).toEqual(['p', 'q', 'r', 's']);
    expect(await names("attributes.status = 'FINISHED'")).toEqual(['q']);
    expect(await names("attributes.status != 'FINISHED' and attributes.run_name LIKE '%'")).toEqual([
      'p',
      'r',
      's',
    ]);
    expect(await names("datasets.name = 'trips' and datasets.context = 'training'")).toEqual(['p']);
    expect(await names('attributes.end_time IS NULL')).toEqual(['p', 'r', 's']);
    expect(await names("tags.`team` = 'data' or (metrics.loss < 1 and params.opt = 'adam')")).toEqual([
      'p',
      'q',
      'r',
    ]);
    // A user's text is a value, never SQL.
    expect(await names("params.opt = 'adam'' OR 1=1 --'")).toEqual([]);
  });

  it('edits runs: name, Markdown description, tags, status of a dead run, delete and restore', async () => {
    const exp = (await call('tracker.createExperiment', { name: 'edit' })).experimentId;
    const runId = logRun(exp, 'before', {}, [1]);
    const updated = await call('tracker.updateRun', {
      runId,
      name: 'after',
      description: '# Notes\nfine',
      status: 'FAILED',
    });
    expect(updated.info).toMatchObject({ runName: 'after', description: '# Notes\nfine', status: 'FAILED' });
    expect(updated.info.endTime).not.toBeNull();
    expect(updated.tags['mlflow.note.content']).toBe('# Notes\nfine');
    await call('tracker.setTag', { runId, key: 'owner', value: 'ana' });
    expect((await call('tracker.getRun', { runId })).tags.owner).toBe('ana');
    await call('tracker.deleteTag', { runId, key: 'owner' });
    expect((await fails('tracker.deleteTag', { runId, key: 'owner' })).code).toBe('NOT_FOUND');
    expect((await fails('tracker.getRun', { runId: 'f'.repeat(32) })).code).toBe('NOT_FOUND');
    expect((await fails('tracker.getRun', { runId: 'not-hex' })).code).toBe('INVALID_REQUEST');
    // One unknown id in a delete: nothing is deleted.
    expect((await fails('tracker.deleteRun', { runIds: [runId, 'e'.repeat(32)] })).code).toBe('NOT_FOUND');
    expect((await call('tracker.getRun', { runId })).info.lifecycleStage).toBe('active');
  });

  it('returns metric histories downsampled without losing the peak, on step, wall and relative axes', async () => {
    const exp = (await call('tracker.createExperiment', { name: 'charts' })).experimentId;
    const curve = Array.from({ length: 20_000 }, (_, i) => 1 / (i + 1));
    curve[12_345] = 99;
    curve[100] = Infinity;
    const start = 1_700_000_000_000;
    const runId = logRun(exp, 'long', {}, [], start);
    for (let k = 0; k < curve.length; k += 1000)
      t.core.tracker.logBatch(runId, {
        metrics: curve
          .slice(k, k + 1000)
          .map((value, i) => ({ key: 'loss', value, timestamp: start + (k + i) * 10, step: k + i })),
      });
    const { series } = await call('tracker.getMetricHistories', {
      runIds: [runId],
      keys: ['loss', 'absent'],
      maxPoints: 500,
    });
    expect(series).toHaveLength(1);
    const s = series[0];
    expect(s.count).toBe(20_000);
    expect(s.downsampled).toBe(true);
    expect(s.x.length).toBeLessThanOrEqual(502);
    expect(s.y).toContain(99);
    expect(s.y).toContain('Infinity');
    expect(s.max).toEqual({ value: 99, step: 12_345 });
    expect(s.last).toMatchObject({ step: 19_999 });
    const relative = (
      await call('tracker.getMetricHistories', {
        runIds: [runId],
        keys: ['loss'],
        maxPoints: 10,
        xAxis: 'relative',
      })
    ).series[0];
    expect(relative.x[0]).toBe(0);
    // Points logged without steps (all at step 0) are reduced over time instead.
    const flat = logRun(exp, 'flat', {}, [], start);
    t.core.tracker.logBatch(flat, {
      metrics: Array.from({ length: 1000 }, (_, i) => ({
        key: 'loss',
        value: i === 777 ? -5 : 1,
        timestamp: start + i,
        step: 0,
      })),
    });
    const flatSeries = (
      await call('tracker.getMetricHistories', {
        runIds: [flat],
        keys: ['loss'],
        maxPoints: 50,
        xAxis: 'wall',
      })
    ).series[0];
    expect(flatSeries).toMatchObject({ count: 1000, downsampled: true, min: { value: -5, step: 0 } });
    expect(flatSeries.y).toContain(-5);
    expect(flatSeries.x.length).toBeLessThanOrEqual(52);
    const wall = (
      await call('tracker.getMetricHistories', {
        runIds: [runId],
        keys: ['loss'],
        maxPoints: 10,
        xAxis: 'wall',
      })
    ).series[0];
    expect(wall.x[0]).toBe(start);
  });

  it('lists and previews artifacts by kind, and refuses paths outside the run', async () => {
    const exp = (await call('tracker.createExperiment', { name: 'artifacts' })).experimentId;
    const runId = logRun(exp, 'arts', {}, [1]);
    const runDir = t.core.tracker.runArtifactDir(runId);
    await mkdir(path.join(runDir, 'plots'), { recursive: true });
    await writeFile(path.join(runDir, 'notes.txt'), 'héllo wörld');
    await writeFile(path.join(runDir, 'metrics.json'), '{"rmse": 0.4}');
    await writeFile(path.join(runDir, 'preds.csv'), 'a,b\n1,2\n3,4\n');
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    await writeFile(path.join(runDir, 'plots', 'roc.png'), png);
    await writeFile(path.join(runDir, 'model.pkl'), Buffer.from([0x80, 0x04, 0x00, 0x95]));
    const root = await call('tracker.listArtifacts', { runId });
    expect(root.files.map((f) => [f.path, f.isDir])).toEqual([
      ['metrics.json', false],
      ['model.pkl', false],
      ['notes.txt', false],
      ['plots', true],
      ['preds.csv', false],
    ]);
    expect((await call('tracker.listArtifacts', { runId, path: 'plots' })).files).toEqual([
      { path: 'plots/roc.png', isDir: false, fileSize: png.length },
    ]);
    expect(await call('tracker.readArtifact', { runId, path: 'notes.txt', maxBytes: 2 })).toMatchObject({
      kind: 'text',
      text: 'h',
      truncated: true,
    });
    expect(await call('tracker.readArtifact', { runId, path: 'metrics.json' })).toMatchObject({
      kind: 'json',
      text: '{"rmse": 0.4}',
    });
    expect(await call('tracker.readArtifact', { runId, path: 'preds.csv' })).toMatchObject({
      kind: 'csv',
      truncated: false,
    });
    const image = await call('tracker.readArtifact', { runId, path: 'plots/roc.png' });
    expect(image).toMatchObject({ kind: 'image', mimeType: 'image/png' });
    expect(image.kind === 'image' && Buffer.from(image.bytes).equals(png)).toBe(true);
    expect(await call('tracker.readArtifact', { runId, path: 'model.pkl' })).toMatchObject({
      kind: 'binary',
      size: 4,
    });
    expect((await fails('tracker.readArtifact', { runId, path: '../../../tracker.db' })).code).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    expect((await fails('tracker.listArtifacts', { runId, path: '/etc' })).code).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    expect((await fails('tracker.readArtifact', { runId, path: 'nope.txt' })).code).toBe('NOT_FOUND');
  });

  it('groups runs by a param over seeds: mean, std, min, max, and a band per step', async () => {
    const exp = (await call('tracker.createExperiment', { name: 'groups' })).experimentId;
    logRun(exp, 'a0', { lr: '0.1', seed: '0' }, [4, 2]);
    logRun(exp, 'a1', { lr: '0.1', seed: '1' }, [6, 4]);
    logRun(exp, 'b0', { lr: '0.01', seed: '0' }, [3, 1]);
    logRun(exp, 'c', { seed: '9' }, [7, 7]);
    const { groups } = await call('tracker.groupRuns', {
      experimentIds: [exp],
      byParam: 'lr',
      metricKeys: ['loss'],
      historyKeys: ['loss'],
    });
    expect(groups.map((g) => [g.value, g.runIds.length])).toEqual([
      ['0.01', 1],
      ['0.1', 2],
      [null, 1],
    ]);
    const g = groups[1];
    expect(g.metrics.loss).toEqual({ count: 2, mean: 3, std: Math.SQRT2, min: 2, max: 4 });
    expect(g.histories[0]).toMatchObject({
      key: 'loss',
      steps: [0, 1],
      mean: [5, 3],
      min: [4, 2],
      max: [6, 4],
      runs: [2, 2],
    });
    expect(g.histories[0].std[0]).toBeCloseTo(Math.SQRT2, 10);
    const filtered = await call('tracker.groupRuns', {
      experimentIds: [exp],
      filter: "params.seed = '0'",
      byParam: 'lr',
      metricKeys: ['loss'],
    });
    expect(filtered.groups.map((x) => x.value)).toEqual(['0.01', '0.1']);
  });

  it('keeps the registry history: who, when, from, to; answers the version at time T and rolls back', async () => {
    const exp = (await call('tracker.createExperiment', { name: 'registry' })).experimentId;
    const r1 = logRun(exp, 'v1', {}, [1]);
    const r2 = logRun(exp, 'v2', {}, [1]);
    const v1 = await call('tracker.registerModel', { name: 'fare', runId: r1, artifactPath: 'model' });
    expect(v1).toMatchObject({ version: 1, runId: r1, runName: 'v1', currentStage: 'None' });
    await call('tracker.registerModel', {
      name: 'fare',
      runId: r2,
      artifactPath: 'model',
      description: 'better',
    });
    await call('tracker.transitionModelVersion', {
      name: 'fare',
      version: 1,
      stage: 'Production',
      comment: 'first',
    });
    const t1 = Date.now();
    await new Promise((r) => setTimeout(r, 15));
    await call('tracker.transitionModelVersion', {
      name: 'fare',
      version: 2,
      stage: 'Production',
      archiveExisting: true,
    });
    const t2 = Date.now();
    await call('tracker.setModelAlias', { name: 'fare', alias: 'champion', version: 2 });
    const model = await call('tracker.getRegisteredModel', { name: 'fare' });
    expect(model.model.aliases).toEqual({ champion: 2 });
    expect(model.versions.map((v) => [v.version, v.currentStage])).toEqual([
      [2, 'Production'],
      [1, 'Archived'],
    ]);
    const stages = model.history.filter((e) => e.kind === 'stage');
    expect(stages.map((e) => [e.version, e.fromStage, e.toStage, e.causedByVersion])).toEqual([
      [1, 'None', 'Production', null],
      [1, 'Production', 'Archived', 2],
      [2, 'None', 'Production', null],
    ]);
    expect(stages[0]).toMatchObject({ comment: 'first', user: expect.any(String) });
    expect((await call('tracker.modelVersionAt', { name: 'fare', time: t1 })).version?.version).toBe(1);
    expect((await call('tracker.modelVersionAt', { name: 'fare', time: t2 })).version?.version).toBe(2);
    expect((await call('tracker.modelVersionAt', { name: 'fare', time: 0 })).version).toBeNull();
    const rolled = await call('tracker.rollbackProduction', { name: 'fare' });
    expect([rolled.restored.version, rolled.restored.currentStage]).toEqual([1, 'Production']);
    expect([rolled.archived?.version, rolled.archived?.currentStage]).toEqual([2, 'Archived']);
    expect((await call('tracker.listRegisteredModels', { nameContains: 'FA' })).map((m) => m.name)).toEqual([
      'fare',
    ]);
    await call('tracker.deleteModelAlias', { name: 'fare', alias: 'champion' });
    expect((await call('tracker.getRegisteredModel', { name: 'fare' })).model.aliases).toEqual({});
    expect((await fails('tracker.setModelAlias', { name: 'fare', alias: 'v3', version: 1 })).code).toBe(
      'INVALID_REQUEST',
    );
    expect(
      (await fails('tracker.transitionModelVersion', { name: 'fare', version: 9, stage: 'Staging' })).code,
    ).toBe('NOT_FOUND');
    const other = await call('tracker.registerModel', { name: 'lonely', runId: r1, artifactPath: 'model' });
    expect(other.version).toBe(1);
    expect((await fails('tracker.rollbackProduction', { name: 'lonely' })).code).toBe(
      'INVALID_PARAMETER_VALUE',
    );
    const upd = await call('tracker.updateModelVersion', { name: 'lonely', version: 1, description: 'd' });
    expect(upd.description).toBe('d');
    expect(
      (await call('tracker.updateRegisteredModel', { name: 'lonely', description: 'm' })).description,
    ).toBe('m');
  });

  it('pushes tracker.onRunsChanged when runs are logged to', async () => {
    const exp = (await call('tracker.createExperiment', { name: 'events' })).experimentId;
    const seen: { experimentId: string; runIds: string[] }[] = [];
    const off = t.core.host.subscribe((name, payload) => {
      if (name === 'tracker.onRunsChanged') seen.push(payload as { experimentId: string; runIds: string[] });
    });
    const runId = logRun(exp, 'live', {}, [1, 2, 3]);
    await new Promise((r) => setTimeout(r, 400));
    off();
    expect(seen).toContainEqual({ experimentId: exp, runIds: [runId] });
  });
});

describe('the tracker database', () => {
  it('upgrades a version 1 database, moving every metric point to the new layout', async () => {
    const file = path.join(t.dir, 'v1.db');
    const old = new Database(file);
    migrate(old, 1, 1);
    old
      .prepare(
        `INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, artifact_uri) VALUES ('${'a'.repeat(32)}', 0, 'r', 'u', 'FINISHED', 1, 'x')`,
      )
      .run();
    const put = old.prepare(
      'INSERT INTO metrics (run_uuid, key, step, timestamp, value, is_nan) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (let i = 0; i < 10; i++) put.run('a'.repeat(32), 'loss', i, 100 + i, i / 2, 0);
    put.run('a'.repeat(32), 'loss', 10, 200, null, 1);
    old.close();
    const { TrackerStore } = await import('../../electron/core/tracker/store');
    const store = TrackerStore.open(file, path.join(t.dir, 'v1-artifacts'));
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      const page = store.metricHistory('a'.repeat(32), 'loss', 100, null);
      expect(page.metrics.map((m) => m.value)).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, NaN]);
    } finally {
      store.close();
    }
  });

  it('records its schema version and keeps data across reopening', async () => {
    const file = path.join(t.dir, 'ws', '.lakebench', 'tracker.db');
    const runs = t.core.tracker.searchRuns({
      experimentIds: [],
      filter: '',
      orderBy: [],
      maxResults: 50_000,
      pageToken: null,
      runViewType: 'ALL',
    }).totalCount;
    const other = path.join(t.dir, 'other');
    await t.core.openWorkspace(other);
    expect(t.core.tracker.file).toBe(path.join(other, '.lakebench', 'tracker.db'));
    await t.core.openWorkspace(path.join(t.dir, 'ws'));
    expect(
      t.core.tracker.searchRuns({
        experimentIds: [],
        filter: '',
        orderBy: [],
        maxResults: 50_000,
        pageToken: null,
        runViewType: 'ALL',
      }).totalCount,
    ).toBe(runs);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });
});

describe('the sample workspace', () => {
  it('gets a sweep of runs to compare and a registered model, in the background after it opens', async () => {
    const { dir: home, cleanup: done } = await tempDir('lakebench-sample-');
    const previous = process.env.LAKEBENCH_HOME;
    process.env.LAKEBENCH_HOME = home;
    const sample = path.join(home, 'sample');
    await mkdir(sample, { recursive: true });
    await writeFile(path.join(sample, 'lakebench.yaml'), 'version: 1\nname: Sample\nsample: true\n');
    const c = await LakebenchCore.open({
      workspacePath: sample,
      version: '0',
      sampleRows: 1000,
      validateResults: true,
    });
    try {
      if (!c.workspace.info().isSample)
        return expect.fail('the sample folder did not open as the sample workspace');
      let exp;
      for (let i = 0; i < 1200 && !exp; i++) {
        exp = c.tracker.listExperiments().find((e) => e.name === SAMPLE_EXPERIMENT);
        if (!exp) await new Promise((r) => setTimeout(r, 100));
      }
      expect(exp?.runCount).toBe(12);
      // Debian's Python has scikit-learn here, so the sweep's numbers come from real fits.
      expect(exp?.tags['lakebench.sample.fittedWith']).toBe('scikit-learn');
      const { groups } = (
        (await c.host.dispatch(
          'tracker.groupRuns',
          { experimentIds: [exp!.experimentId], byParam: 'model', metricKeys: ['val_rmse'] },
          { clientId: 't' },
        )) as { value: { groups: { value: string; runIds: string[] }[] } }
      ).value;
      expect(groups.map((g) => [g.value, g.runIds.length])).toEqual([
        ['random_forest', 6],
        ['ridge', 6],
      ]);
      expect(c.tracker.getModel(SAMPLE_MODEL).aliases).toEqual({ champion: 2 });
    } finally {
      await c.close();
      if (previous === undefined) delete process.env.LAKEBENCH_HOME;
      else process.env.LAKEBENCH_HOME = previous;
      await done();
    }
  }, 180_000);
});
