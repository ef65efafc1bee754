import { beforeEach, describe, expect, it } from 'vitest';
import { setApiClient } from '../../renderer/api';
import { createMemoryClient } from '../../shared/api/memory-client';
import { TAG, runSourceFromTags, type Run } from '../../shared/tracker/model';

/** A tracker whose answers the test gives, one pending call at a time. */
const calls: { method: string; args: Record<string, unknown>; resolve(v: unknown): void }[] = [];
/** Holds a call until the test answers it; the host has validated its arguments against the contract. */
function pending<T>(method: string, args: object): Promise<T> {
  return new Promise<T>((resolve) =>
    calls.push({ method, args: args as Record<string, unknown>, resolve: (v) => resolve(v as T) }),
  );
}
setApiClient(
  createMemoryClient({
    'tracker.searchRuns': (args) => pending('tracker.searchRuns', args),
    'tracker.listRunKeys': (args) => pending('tracker.listRunKeys', args),
  }).client,
);

const { useRuns, COMPARE_MAX_RUNS, compareView, selectForColumns } =
  await import('../../renderer/runs/store');
const { describePipelineProvenance, pipelineProvenance, shortVersion } =
  await import('../../renderer/runs/provenance');

const settle = () => new Promise((r) => setTimeout(r, 0));
const id = (i: number) => i.toString(16).padStart(32, '0');

function next(method: string) {
  const c = calls.shift();
  if (!c) throw new Error(`no pending call; expected ${method}`);
  expect(c.method).toBe(method);
  return c;
}

function run(tags: Record<string, string>): Run {
  return {
    info: {
      runId: id(1),
      experimentId: '1',
      runName: 'r',
      userId: 'me',
      status: 'FINISHED',
      startTime: 0,
      endTime: 1,
      artifactUri: '',
      lifecycleStage: 'active',
      parentRunId: null,
      description: '',
      source: runSourceFromTags(tags),
    },
    params: {},
    metrics: {},
    tags,
    inputs: [],
  };
}

beforeEach(() => {
  calls.length = 0;
  useRuns.setState({
    filter: '',
    orderBy: [],
    experimentIds: [],
    selected: [],
    allMatching: null,
    selectingAll: false,
    columns: [],
    columnsChosen: false,
  });
});

describe('the runs table asks only for its columns', () => {
  it('turns the shown columns into the search select', () => {
    expect(selectForColumns(['metrics.rmse', 'params.alpha', 'tags.team', 'metrics.a.b', 'status'])).toEqual({
      params: ['alpha'],
      metrics: ['rmse', 'a.b'],
      tags: ['team'],
      inputs: false,
    });
  });

  it('searches with the select of its columns and reads the rows again when a column is added', async () => {
    useRuns.setState({ columns: ['metrics.loss'], columnsChosen: true });
    const done = useRuns.getState().search();
    const search = next('tracker.searchRuns');
    expect(search.args.select).toEqual({ params: [], metrics: ['loss'], tags: [], inputs: false });
    search.resolve({ runs: [], nextPageToken: null, totalCount: 0 });
    await done;
    useRuns.getState().setColumns(['metrics.loss', 'params.alpha']);
    const refresh = next('tracker.searchRuns');
    expect(refresh.args.select).toMatchObject({ params: ['alpha'], metrics: ['loss'] });
    refresh.resolve({ runs: [], nextPageToken: null, totalCount: 0 });
    await settle();
    // Removing a column needs nothing new.
    useRuns.getState().setColumns(['params.alpha']);
    expect(calls).toHaveLength(0);
  });

  it('reads the rows again when the first keys arrive and become the default columns', async () => {
    const done = useRuns.getState().loadKeys();
    next('tracker.listRunKeys').resolve({ params: ['alpha'], metrics: ['rmse'], tags: [], datasets: [] });
    await done;
    expect(useRuns.getState().columns).toEqual(['metrics.rmse', 'params.alpha']);
    expect(next('tracker.searchRuns').args.select).toMatchObject({ params: ['alpha'], metrics: ['rmse'] });
  });
});

describe('select all matching runs', () => {
  it('selects every matching id page by page, in the order of the search', async () => {
    useRuns.setState({ filter: "params.a = '1'", experimentIds: ['3'], orderBy: ['metrics.m ASC'] });
    const done = useRuns.getState().selectAllMatching();
    expect(useRuns.getState().selectingAll).toBe(true);
    const first = next('tracker.searchRuns');
    expect(first.args).toMatchObject({
      filter: "params.a = '1'",
      experimentIds: ['3'],
      orderBy: ['metrics.m ASC'],
      idsOnly: true,
      pageToken: null,
    });
    first.resolve({ runs: [], runIds: [id(3), id(1)], nextPageToken: 'p2', totalCount: 3 });
    await settle();
    const second = next('tracker.searchRuns');
    expect(second.args.pageToken).toBe('p2');
    second.resolve({ runs: [], runIds: [id(2)], nextPageToken: null, totalCount: 3 });
    await done;
    expect(useRuns.getState()).toMatchObject({
      selected: [id(3), id(1), id(2)],
      allMatching: 3,
      selectingAll: false,
    });
    // Unchecking one run leaves an ordinary selection of the others.
    useRuns.getState().setSelected([id(3), id(2)]);
    expect(useRuns.getState().allMatching).toBeNull();
  });

  it('drops the ids when the filter changed while they were on their way, and forgets "all" on a new filter', async () => {
    const done = useRuns.getState().selectAllMatching();
    const c = next('tracker.searchRuns');
    useRuns.getState().setFilter("tags.team = 'x'");
    next('tracker.searchRuns').resolve({ runs: [], nextPageToken: null, totalCount: 0 });
    c.resolve({ runs: [], runIds: [id(1), id(2)], nextPageToken: null, totalCount: 2 });
    await done;
    expect(useRuns.getState()).toMatchObject({ selected: [], allMatching: null, selectingAll: false });

    useRuns.setState({ selected: [id(1), id(2)], allMatching: 2 });
    useRuns.getState().setFilter("tags.team = 'y'");
    next('tracker.searchRuns').resolve({ runs: [], nextPageToken: null, totalCount: 5 });
    await settle();
    expect(useRuns.getState()).toMatchObject({ selected: [id(1), id(2)], allMatching: null });
  });

  it('opens compare with at most COMPARE_MAX_RUNS runs and remembers how many were selected', () => {
    const many = Array.from({ length: COMPARE_MAX_RUNS + 50 }, (_, i) => id(i));
    expect(compareView(many)).toEqual({
      kind: 'compare',
      runIds: many.slice(0, COMPARE_MAX_RUNS),
      selectedCount: COMPARE_MAX_RUNS + 50,
    });
    expect(compareView(many.slice(0, 3))).toEqual({ kind: 'compare', runIds: many.slice(0, 3) });
  });
});

describe('what produced a run', () => {
  it('names the pipeline, task and try of a task run, and the pipeline run', () => {
    const p = pipelineProvenance(
      run({
        [TAG.sourceKind]: 'pipeline',
        [TAG.sourcePipeline]: 'daily',
        [TAG.sourceTask]: 'train',
        [TAG.sourceTry]: '2',
        [TAG.sourcePipelineRun]: 'daily__manual__2026-03-01T00:00:00.000Z',
        [TAG.sourceVersion]: 'sha256:0123456789abcdef',
      }),
    );
    expect(p).toEqual({
      pipeline: 'daily',
      pipelineRun: 'daily__manual__2026-03-01T00:00:00.000Z',
      task: 'train',
      tryNumber: 2,
      version: 'sha256:0123456789abcdef',
    });
    expect(describePipelineProvenance(p!)).toBe('pipeline daily, task train, try 2');
  });

  it('reads runs recorded before the source tags from their older pipeline tags', () => {
    const p = pipelineProvenance(
      run({
        [TAG.sourceKind]: 'pipeline',
        [TAG.sourceName]: 'pipelines/daily.yml',
        'lakebench.pipeline.run_id': 'r1',
        'lakebench.pipeline.task_id': 'load',
        'lakebench.pipeline.try_number': '1',
      }),
    );
    expect(p).toMatchObject({
      pipeline: 'daily',
      pipelineRun: 'r1',
      task: 'load',
      tryNumber: 1,
      version: null,
    });
    const parent = pipelineProvenance(run({ [TAG.sourceKind]: 'pipeline', [TAG.sourcePipeline]: 'daily' }));
    expect(describePipelineProvenance(parent!)).toBe('pipeline daily');
    expect(pipelineProvenance(run({ [TAG.sourceKind]: 'notebook' }))).toBeNull();
    expect(pipelineProvenance(run({ [TAG.sourceKind]: 'pipeline' }))).toBeNull();
  });

  it('shortens a git commit and keeps a content hash as recorded', () => {
    expect(shortVersion('0123456789abcdef0123456789abcdef01234567')).toBe('0123456789ab');
    expect(shortVersion('sha256:0123456789abcdef')).toBe('sha256:0123456789abcdef');
  });
});
