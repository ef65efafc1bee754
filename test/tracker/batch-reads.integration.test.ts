import { beforeAll, describe, expect, it } from 'vitest';
import { HISTORY_POINT_BUDGET, MAX_HISTORY_RUNS } from '../../shared/tracker/contract';
import { metricNumber, TAG } from '../../shared/tracker/model';
import { GROUPED_SCAN_LIMIT } from '../../electron/core/tracker';
import { useCore } from '../support/core';

const t = useCore('tracker-reads');
const { call, fails } = t;

/** A run with many params, metrics and tags, as a sweep logs them. */
function wideRun(experimentId: string, name: string, i: number, start: number): string {
  const store = t.core.tracker;
  const run = store.createRun({
    experimentId,
    runName: name,
    startTime: start,
    tags: {
      [TAG.sourceKind]: 'notebook',
      [TAG.sourceNotebook]: 'notebooks/train.ipynb',
      [TAG.sourceVersion]: 'sha256:0123456789abcdef',
      [TAG.note]: `run ${i}`,
    },
  });
  const id = run.info.runId;
  store.logBatch(id, {
    params: Array.from({ length: 40 }, (_, k) => ({ key: `p${k}`, value: String(i * 100 + k) })),
    metrics: Array.from({ length: 30 }, (_, k) => ({
      key: `m${k}`,
      value: i + k / 10,
      timestamp: start,
      step: 0,
    })),
    tags: [
      { key: 'team', value: i % 2 ? 'odd' : 'even' },
      { key: 'owner', value: `u${i}` },
    ],
  });
  store.logInputs(id, [{ dataset: { name: 'trips', digest: `d${i}`, source_type: 'local', source: 'x' } }]);
  return id;
}

describe('tracker.getRuns', () => {
  it('answers runs of several experiments by id in the order asked, each once, naming the missing', async () => {
    const e1 = (await call('tracker.createExperiment', { name: 'get-runs-1' })).experimentId;
    const e2 = (await call('tracker.createExperiment', { name: 'get-runs-2' })).experimentId;
    const a = wideRun(e1, 'a', 1, 1000);
    const b = wideRun(e2, 'b', 2, 2000);
    const c = wideRun(e1, 'c', 3, 3000);
    await call('tracker.deleteRun', { runIds: [c] });
    const absent = 'f'.repeat(32);
    const got = await call('tracker.getRuns', { runIds: [c, absent, a, b, a] });
    expect(got.runs.map((r) => r.info.runName)).toEqual(['c', 'a', 'b']);
    expect(got.missing).toEqual([absent]);
    expect(got.runs[0].info.lifecycleStage).toBe('deleted');
    // Whole runs, equal to what getRun answers one by one.
    expect(got.runs[1]).toEqual(await call('tracker.getRun', { runId: a }));
    expect(Object.keys(got.runs[2].params)).toHaveLength(40);
    const only = await call('tracker.getRuns', {
      runIds: [b],
      select: { params: ['p3'], metrics: ['m1'], tags: ['team'] },
    });
    expect(only.runs[0]).toMatchObject({ params: { p3: '203' }, tags: { team: 'even' }, inputs: [] });
    expect(Object.keys(only.runs[0].metrics)).toEqual(['m1']);
    expect((await fails('tracker.getRuns', { runIds: [] })).code).toBe('INVALID_REQUEST');
    expect((await fails('tracker.getRuns', { runIds: ['nope'] })).code).toBe('INVALID_REQUEST');
  });
});

describe('tracker.searchRuns with select and idsOnly', () => {
  let exp: string;
  const ids: string[] = [];
  beforeAll(async () => {
    exp = (await call('tracker.createExperiment', { name: 'select-runs' })).experimentId;
    for (let i = 0; i < 30; i++) ids.push(wideRun(exp, `w${i}`, i, 10_000 + i));
  });

  it('carries only the selected keys, with the info (source, description, parent) still whole', async () => {
    const search = {
      experimentIds: [exp],
      filter: "tags.team = 'odd'",
      orderBy: ['metrics.m0 DESC'],
      maxResults: 10,
    };
    const full = await call('tracker.searchRuns', search);
    const lean = await call('tracker.searchRuns', {
      ...search,
      select: { params: ['p1', 'absent'], metrics: ['m2'], tags: ['owner'] },
    });
    expect(lean.totalCount).toBe(15);
    expect(lean.nextPageToken).toBe(full.nextPageToken);
    // Sorting and filtering stay in the store: same runs, same order.
    expect(lean.runs.map((r) => r.info.runId)).toEqual(full.runs.map((r) => r.info.runId));
    expect(lean.runs.map((r) => r.info.runName).slice(0, 3)).toEqual(['w29', 'w27', 'w25']);
    for (const [i, run] of lean.runs.entries()) {
      const whole = full.runs[i];
      expect(run.info).toEqual(whole.info);
      expect(run.params).toEqual({ p1: whole.params.p1 });
      expect(run.metrics).toEqual({ m2: whole.metrics.m2 });
      expect(run.tags).toEqual({ owner: whole.tags.owner });
      expect(run.inputs).toEqual([]);
    }
    expect(lean.runs[0].info.source).toMatchObject({
      kind: 'notebook',
      notebook: 'notebooks/train.ipynb',
      version: 'sha256:0123456789abcdef',
    });
    expect(lean.runs[0].info.description).toBe('run 29');
    const withInputs = await call('tracker.searchRuns', {
      ...search,
      maxResults: 1,
      select: { inputs: true },
    });
    expect(withInputs.runs[0]).toMatchObject({ params: {}, metrics: {}, tags: {} });
    expect(withInputs.runs[0].inputs).toEqual(full.runs[0].inputs);
    // The next page of a lean search goes on where the first ended.
    const next = await call('tracker.searchRuns', {
      ...search,
      pageToken: lean.nextPageToken,
      select: { metrics: ['m0'] },
    });
    expect(next.runs.map((r) => r.info.runName)).toEqual(['w9', 'w7', 'w5', 'w3', 'w1']);
  });

  it('answers the ids of every matching run in the order of the search, whatever maxResults says', async () => {
    const all = await call('tracker.searchRuns', {
      experimentIds: [exp],
      filter: "tags.team = 'even' and metrics.m0 >= 10",
      orderBy: ['attributes.run_name ASC'],
      maxResults: 2,
      idsOnly: true,
    });
    const names = ['w10', 'w12', 'w14', 'w16', 'w18', 'w20', 'w22', 'w24', 'w26', 'w28'];
    expect(all.runs).toEqual([]);
    expect(all.totalCount).toBe(10);
    expect(all.nextPageToken).toBeNull();
    expect(all.runIds).toEqual(names.map((n) => ids[Number(n.slice(1))]));
    const none = await call('tracker.searchRuns', {
      experimentIds: [exp],
      filter: "tags.team = 'nobody'",
      idsOnly: true,
    });
    expect(none).toMatchObject({ runIds: [], totalCount: 0, nextPageToken: null });
    const bad = await fails('tracker.searchRuns', {
      experimentIds: [exp],
      filter: 'metrics.m0 >',
      idsOnly: true,
    });
    expect(bad.code).toBe('INVALID_PARAMETER_VALUE');
  });
});

/** Points of the long history in the tests below: reduced per step range in SQLite. */
const LONG = GROUPED_SCAN_LIMIT + 10_000;

describe('tracker.getMetricHistories in batches', () => {
  it('answers hundreds of runs x metrics in one request, each series as the one-run reader draws it', async () => {
    const exp = (await call('tracker.createExperiment', { name: 'histories-many' })).experimentId;
    const store = t.core.tracker;
    const runIds: string[] = [];
    const start = 1_700_000_000_000;
    for (let i = 0; i < 300; i++) {
      const run = store.createRun({ experimentId: exp, runName: `h${i}`, startTime: start + i });
      const metrics = Array.from({ length: 50 }, (_, step) => ({
        key: 'loss',
        value: step === 7 && i === 123 ? NaN : (i + 1) / (step + 1),
        timestamp: start + i + step * 10,
        step,
      }));
      if (i % 3 === 0)
        metrics.push(...[0, 1, 2].map((step) => ({ key: 'acc', value: step / 3, timestamp: start, step })));
      store.logBatch(run.info.runId, { metrics });
      runIds.push(run.info.runId);
    }
    for (const xAxis of ['step', 'wall', 'relative'] as const) {
      const got = await call('tracker.getMetricHistories', {
        runIds,
        keys: ['loss', 'acc', 'never'],
        maxPoints: 1000,
        xAxis,
      });
      expect(got.maxPoints).toBe(1000);
      expect(got.series).toHaveLength(300 + 100);
      // In the order of the runs, then of the keys; absent metrics left out.
      expect(got.series.slice(0, 3).map((s) => [s.runId, s.key])).toEqual([
        [runIds[0], 'loss'],
        [runIds[0], 'acc'],
        [runIds[1], 'loss'],
      ]);
      for (const s of got.series) expect(s).toEqual(store.metricSeries(s.runId, s.key, 1000, xAxis));
    }
    const nan = (
      await call('tracker.getMetricHistories', { runIds: [runIds[123]], keys: ['loss'], maxPoints: 100 })
    ).series[0];
    expect(nan.y[7]).toBe('NaN');
    expect(nan.max).toEqual({ value: 124, step: 0 });
    expect(
      (await fails('tracker.getMetricHistories', { runIds: ['e'.repeat(32)], keys: ['loss'] })).code,
    ).toBe('NOT_FOUND');
    expect(
      (
        await fails('tracker.getMetricHistories', {
          runIds: Array.from({ length: MAX_HISTORY_RUNS + 1 }, (_, i) => i.toString(16).padStart(32, '0')),
          keys: ['loss'],
        })
      ).code,
    ).toBe('INVALID_REQUEST');
  });

  it('reduces long histories keeping peaks, NaN and infinities, and every series to stay in the budget', async () => {
    const exp = (await call('tracker.createExperiment', { name: 'histories-long' })).experimentId;
    const store = t.core.tracker;
    const start = 1_700_000_000_000;
    const log = (runId: string, n: number, at: (step: number) => number) => {
      for (let k = 0; k < n; k += 1000)
        store.logBatch(runId, {
          metrics: Array.from({ length: Math.min(1000, n - k) }, (_, i) => ({
            key: 'loss',
            value: at(k + i),
            timestamp: start + (k + i) * 10,
            step: k + i,
          })),
        });
    };
    // Histories far longer than the points asked for, reduced in SQLite by grouped scans and by step ranges.
    const medium = store.createRun({ experimentId: exp, runName: 'medium', startTime: start }).info.runId;
    log(medium, 8000, (s) =>
      s === 4321 ? 50 : s === 6000 ? -3 : s === 100 ? Infinity : s === 7000 ? NaN : 1 / (s + 1),
    );
    const long = store.createRun({ experimentId: exp, runName: 'long', startTime: start }).info.runId;
    log(long, LONG, (s) => (s === 33_333 ? 77 : 1 / (s + 1)));
    for (const xAxis of ['step', 'wall'] as const) {
      const { series } = await call('tracker.getMetricHistories', {
        runIds: [medium, long],
        keys: ['loss'],
        maxPoints: 400,
        xAxis,
      });
      const [m, l] = series;
      expect(m).toMatchObject({ count: 8000, downsampled: true, max: { value: 50, step: 4321 } });
      expect(m.min).toEqual({ value: -3, step: 6000 });
      expect(m.y).toEqual(expect.arrayContaining([50, -3, 'Infinity', 'NaN']));
      expect(m.x.length).toBeLessThanOrEqual(404);
      expect(m.steps[0]).toBe(0);
      expect(m.steps[m.steps.length - 1]).toBe(7999);
      // Drawn in x order.
      expect(m.x).toEqual([...m.x].sort((a, b) => a - b));
      expect(l).toMatchObject({
        count: LONG,
        downsampled: true,
        max: { value: 77, step: 33_333 },
      });
      expect(l.y).toContain(77);
      expect(l.x.length).toBeLessThanOrEqual(402);
      expect(metricNumber(l.last!.value)).toBeCloseTo(1 / LONG, 12);
    }
    // A thousand runs with three metrics each: every series gets its share of the budget.
    const many = [medium, long];
    while (many.length < MAX_HISTORY_RUNS) {
      const id = store.createRun({ experimentId: exp, runName: `small${many.length}`, startTime: start }).info
        .runId;
      store.logBatch(id, {
        metrics: ['a', 'b', 'c'].flatMap((key) =>
          [0, 1, 2, 3, 4].map((step) => ({ key, value: step, timestamp: start, step })),
        ),
      });
      many.push(id);
    }
    const budgeted = await call('tracker.getMetricHistories', {
      runIds: many,
      keys: ['loss', 'a', 'b', 'c', 'absent'],
      maxPoints: 2000,
    });
    const found = 2 + (MAX_HISTORY_RUNS - 2) * 3;
    expect(budgeted.series).toHaveLength(found);
    expect(budgeted.maxPoints).toBe(Math.floor(HISTORY_POINT_BUDGET / found));
    expect(budgeted.maxPoints).toBeLessThan(2000);
    const [m, l] = budgeted.series;
    expect([m.runId, l.runId]).toEqual([medium, long]);
    for (const s of [m, l]) expect(s.x.length).toBeLessThanOrEqual(budgeted.maxPoints + 4);
    expect([m.max?.value, l.max?.value]).toEqual([50, 77]);
    expect(budgeted.series[2]).toMatchObject({ key: 'a', count: 5, downsampled: false, y: [0, 1, 2, 3, 4] });
  });
});
