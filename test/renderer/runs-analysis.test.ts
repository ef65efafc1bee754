import { describe, expect, it } from 'vitest';
import type { MetricSeries, Run } from '../../shared/tracker/model';
import {
  bestIndexes,
  compareRows,
  defaultGoal,
  defaultGroupParam,
  diffCells,
  downsampleMinMax,
  groupByParam,
  longestMetric,
  relativeDelta,
  smoothEma,
  stats,
  valuesDiffer,
} from '../../renderer/runs/analysis';
import {
  metricLineOption,
  parallelOption,
  scatterOption,
  seriesPoints,
} from '../../renderer/runs/chart-options';
import { parseCsv } from '../../renderer/runs/csv';
import { formatDuration, formatNumber, keyRef } from '../../renderer/runs/format';

function run(id: string, params: Record<string, string>, metrics: Record<string, number | 'NaN'>): Run {
  return {
    info: {
      runId: id.padEnd(32, '0'),
      experimentId: '1',
      runName: id,
      userId: 'me',
      status: 'FINISHED',
      startTime: 0,
      endTime: 1000,
      artifactUri: '',
      lifecycleStage: 'active',
      parentRunId: null,
      description: '',
      source: {
        kind: 'script',
        name: null,
        notebook: null,
        cell: null,
        pipeline: null,
        task: null,
        pipelineRun: null,
        version: null,
      },
    },
    params,
    metrics: Object.fromEntries(
      Object.entries(metrics).map(([k, value]) => [k, { value, step: 3, timestamp: 0 }]),
    ),
    tags: {},
    inputs: [],
  };
}

const style = { axis: { axisLabel: {} }, tooltip: {} };

describe('differences between runs', () => {
  it('a row differs when any value differs from the first, a missing value included', () => {
    expect(valuesDiffer(['0.1', '0.1', '0.1'])).toBe(false);
    expect(valuesDiffer(['0.1', '0.2'])).toBe(true);
    expect(valuesDiffer(['0.1', null])).toBe(true);
    expect(valuesDiffer([null, undefined])).toBe(false);
  });

  it('highlights the cells that differ from the first run', () => {
    expect(diffCells(['a', 'b', 'a', 'c'])).toEqual([false, true, false, true]);
    expect(diffCells(['a', 'a'])).toEqual([false, false]);
  });

  it('builds sorted rows over every key and keeps only differences on request', () => {
    const maps: Record<string, string>[] = [
      { lr: '0.1', depth: '3', seed: '1' },
      { lr: '0.2', depth: '3' },
    ];
    const rows = compareRows(maps);
    expect(rows.map((r) => [r.key, r.differs])).toEqual([
      ['depth', false],
      ['lr', true],
      ['seed', true],
    ]);
    expect(rows[2].values).toEqual(['1', null]);
    expect(compareRows(maps, { onlyDifferences: true }).map((r) => r.key)).toEqual(['lr', 'seed']);
    expect(compareRows(maps, { hideKey: (k) => k === 'seed' }).map((r) => r.key)).toEqual(['depth', 'lr']);
  });
});

describe('best value per metric', () => {
  it('guesses the direction from the name', () => {
    expect(defaultGoal('val_loss')).toBe('min');
    expect(defaultGoal('rmse')).toBe('min');
    expect(defaultGoal('accuracy')).toBe('max');
    expect(defaultGoal('f1')).toBe('max');
  });

  it('marks the minimum or maximum, ties included, never NaN or missing', () => {
    expect(bestIndexes([0.3, 0.1, null, 0.1], 'min')).toEqual([1, 3]);
    expect(bestIndexes([0.3, 0.1, NaN, 0.9], 'max')).toEqual([3]);
    expect(bestIndexes([NaN, null], 'max')).toEqual([]);
    expect(bestIndexes([Infinity, 2], 'min')).toEqual([1]);
    expect(bestIndexes([-Infinity, 2], 'min')).toEqual([0]);
  });

  it('gives the change against the baseline run as a fraction', () => {
    expect(relativeDelta(1.1, 1)).toBeCloseTo(0.1);
    expect(relativeDelta(-2, -1)).toBe(-1);
    expect(relativeDelta(0, 0)).toBe(0);
    expect(relativeDelta(1, 0)).toBeNull();
    expect(relativeDelta(null, 1)).toBeNull();
    expect(relativeDelta(NaN, 1)).toBeNull();
  });

  it('marks nothing when every run has the same value', () => {
    expect(bestIndexes([0.5, 0.5, null], 'max')).toEqual([]);
    expect(bestIndexes([0.5], 'max')).toEqual([0]);
  });
});

describe('smoothing and downsampling', () => {
  it('EMA with weight 0 is the raw series; a constant stays constant (debiased)', () => {
    expect(smoothEma([1, 5, 2], 0)).toEqual([1, 5, 2]);
    for (const v of smoothEma([4, 4, 4, 4], 0.9)) expect(v).toBeCloseTo(4, 10);
  });

  it('EMA follows the trend and lets non-finite points through without poisoning it', () => {
    const s = smoothEma([0, 10, NaN, 10], 0.5);
    expect(s[0]).toBe(0);
    expect(s[1]).toBeCloseTo(6.6667, 3);
    expect(Number.isNaN(s[2])).toBe(true);
    expect(s[3]).toBeGreaterThan(s[1]);
    expect(s[3]).toBeLessThan(10);
  });

  it('keeps every peak and dip of a long series and its ends', () => {
    const n = 100_000;
    const x = Array.from({ length: n }, (_, i) => i);
    const y = x.map((i) => Math.sin(i / 1000));
    y[31_337] = 50;
    y[77_777] = -40;
    const d = downsampleMinMax(x, y, 1000);
    expect(d.x.length).toBeLessThanOrEqual(1000);
    expect(d.x.length).toBeGreaterThan(500);
    expect(Math.max(...d.y)).toBe(50);
    expect(Math.min(...d.y)).toBe(-40);
    expect(d.x[0]).toBe(0);
    expect(d.x[d.x.length - 1]).toBe(n - 1);
    expect(d.x.every((v, i) => i === 0 || v > d.x[i - 1])).toBe(true);
  });

  it('leaves short series alone', () => {
    expect(downsampleMinMax([1, 2], [3, 4], 100)).toEqual({ x: [1, 2], y: [3, 4] });
  });
});

describe('groups over seeds', () => {
  it('gives mean, sample std and range per group, numeric values in order, missing last', () => {
    expect(stats([1, 2, 3, null, NaN])).toEqual({ count: 3, mean: 2, std: 1, min: 1, max: 3 });
    expect(stats([5])).toEqual({ count: 1, mean: 5, std: 0, min: 5, max: 5 });
    const runs = [
      run('a', { lr: '0.1', seed: '1' }, { acc: 0.8 }),
      run('b', { lr: '0.1', seed: '2' }, { acc: 0.9 }),
      run('c', { lr: '0.01', seed: '1' }, { acc: 0.5 }),
      run('d', { seed: '1' }, { acc: 'NaN' }),
    ];
    const groups = groupByParam(runs, 'lr', ['acc']);
    expect(groups.map((g) => g.value)).toEqual(['0.01', '0.1', null]);
    expect(groups[1].runIds).toHaveLength(2);
    expect(groups[1].metrics.acc.mean).toBeCloseTo(0.85);
    expect(groups[1].metrics.acc.min).toBe(0.8);
    expect(groups[1].metrics.acc.max).toBe(0.9);
    expect(groups[2].metrics.acc.count).toBe(0);
  });
});

describe('defaults of the group view', () => {
  it('groups by the differing param with the fewest values, never a seed', () => {
    const runs = [
      run('a', { lr: '0.1', seed: '1', depth: '3' }, {}),
      run('b', { lr: '0.1', seed: '2', depth: '4' }, {}),
      run('c', { lr: '0.01', seed: '1', depth: '5' }, {}),
      run('d', { lr: '0.01', seed: '2', depth: '6' }, {}),
    ];
    expect(defaultGroupParam(runs, ['depth', 'lr', 'seed'])).toBe('lr');
    expect(defaultGroupParam(runs, ['seed'])).toBe('seed');
    const partly = [
      ...runs,
      run('e', { lr: '0.1', seed: '3', depth: '3' }, {}),
      run('f', { lr: '0.01', seed: '1' }, {}),
    ];
    partly[0].params.tag = 'x';
    expect(defaultGroupParam(partly, ['tag', 'lr'])).toBe('lr');
    expect(defaultGroupParam(runs, [])).toBeNull();
  });

  it('bands the metric logged over the most steps', () => {
    const a = run('a', {}, { fit_seconds: 1, loss: 0.2 });
    a.metrics.loss.step = 40;
    a.metrics.fit_seconds.step = 0;
    expect(longestMetric([a], ['fit_seconds', 'loss'])).toBe('loss');
    expect(longestMetric([a], [])).toBeNull();
  });
});

describe('chart options', () => {
  const series = (runId: string, y: MetricSeries['y']): MetricSeries => ({
    runId,
    key: 'loss',
    count: y.length,
    downsampled: false,
    x: y.map((_, i) => i),
    y,
    steps: y.map((_, i) => i),
    min: null,
    max: null,
    last: null,
  });
  const legend = [
    { runId: 'r1', name: 'one', color: '#111' },
    { runId: 'r2', name: 'two', color: '#222' },
  ];

  it('overlays one line per run on the same axes, in the run colors', () => {
    const opt = metricLineOption(
      'loss',
      [series('r1', [3, 2, 1]), series('r2', [4, 3])],
      legend,
      { xAxis: 'step', logY: false, smoothing: 0, showPoints: false },
      style,
    ) as { series: { id: string; lineStyle: { color: string }; data: unknown[] }[] };
    expect(opt.series.map((s) => s.id)).toEqual(['r1', 'r2']);
    expect(opt.series[1].lineStyle.color).toBe('#222');
    expect(opt.series[0].data).toEqual([
      [0, 3],
      [1, 2],
      [2, 1],
    ]);
  });

  it('a metric logged once per run is drawn as one bar per run', () => {
    const opt = metricLineOption(
      'acc',
      [
        { ...series('r1', [0.8]), key: 'acc' },
        { ...series('r2', [0.7]), key: 'acc' },
      ],
      legend,
      { xAxis: 'step', logY: false, smoothing: 0, showPoints: false },
      style,
    ) as {
      xAxis: { type: string; data: string[] };
      series: { id: string; type: string; data: (number | null)[] }[];
    };
    expect(opt.xAxis.type).toBe('category');
    expect(opt.xAxis.data).toEqual(['one', 'two']);
    expect(opt.series.map((s) => [s.id, s.type, s.data])).toEqual([
      ['r1', 'bar', [0.8, null]],
      ['r2', 'bar', [null, 0.7]],
    ]);
  });

  it('with smoothing, keeps the raw line faint under the smoothed one', () => {
    const opt = metricLineOption(
      'loss',
      [series('r1', [3, 2, 1])],
      legend,
      { xAxis: 'step', logY: false, smoothing: 0.6, showPoints: false },
      style,
    ) as { series: { id: string }[] };
    expect(opt.series.map((s) => s.id)).toEqual(['_raw-r1', 'r1']);
  });

  it('on a log axis, values at or below zero and NaN become gaps', () => {
    expect(seriesPoints(series('r1', [1, 0, -1, 'NaN', 'Infinity', 10]), 0, true)).toEqual([
      [0, 1],
      [1, null],
      [2, null],
      [3, null],
      [4, null],
      [5, 10],
    ]);
  });

  it('parallel coordinates: numeric axes for numbers, category axes for text', () => {
    const runs = [
      run('a', { lr: '0.1', opt: 'adam' }, { acc: 0.8 }),
      run('b', { lr: '0.2', opt: 'sgd' }, { acc: 0.7 }),
    ];
    const opt = parallelOption(
      runs,
      legend,
      [
        { kind: 'param', key: 'lr' },
        { kind: 'param', key: 'opt' },
        { kind: 'metric', key: 'acc' },
      ],
      style,
    ) as {
      parallelAxis: { type: string; data?: string[] }[];
      series: { data: { value: unknown[] }[] }[];
    };
    expect(opt.parallelAxis.map((a) => a.type)).toEqual(['value', 'category', 'value']);
    expect(opt.parallelAxis[1].data).toEqual(['adam', 'sgd']);
    expect(opt.series[0].data[1].value).toEqual([0.2, 'sgd', 0.7]);
  });

  it('scatter: one point per run that has both values', () => {
    const runs = [run('a', { lr: '0.1' }, { acc: 0.8 }), run('b', {}, { acc: 0.7 })];
    const opt = scatterOption(
      runs,
      legend,
      { kind: 'param', key: 'lr' },
      { kind: 'metric', key: 'acc' },
      style,
    ) as { series: { data: unknown[] }[] };
    expect(opt.series).toHaveLength(1);
    expect(opt.series[0].data).toEqual([[0.1, 0.8]]);
  });
});

describe('formats and CSV previews', () => {
  it('writes durations and numbers compactly', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4m 05s');
    expect(formatDuration(2 * 3600_000 + 3 * 60_000)).toBe('2h 03m');
    expect(formatNumber(0.123456789)).toBe('0.123457');
    expect(formatNumber(1e-7)).toBe('1.0000e-7');
    expect(formatNumber(NaN)).toBe('NaN');
    expect(formatNumber(-Infinity)).toBe('-Infinity');
  });

  it('quotes keys that are not plain words', () => {
    expect(keyRef('metrics', 'rmse')).toBe('metrics.rmse');
    expect(keyRef('tags', 'mlflow.source.name')).toBe('tags.mlflow.source.name');
    expect(keyRef('params', 'learning rate')).toBe('params.`learning rate`');
  });

  it('reads quoted CSV fields with commas, quotes and CRLF', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\n1,2', 10)).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['1', '2'],
    ]);
    expect(parseCsv('a\n1\n2\n3\n', 2)).toEqual([['a'], ['1']]);
  });
});
