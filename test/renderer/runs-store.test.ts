import { beforeEach, describe, expect, it } from 'vitest';
import { createMemoryClient } from '../../shared/api/memory-client';
import type { Run } from '../../shared/tracker/model';
import { setApiClient } from '../../renderer/api';

/** A tracker that pages over `all` as the store does, answering when the test says so. */
const calls: { method: string; args: Record<string, unknown>; resolve(v: unknown): void }[] = [];
/** Holds a call until the test answers it; the host has validated its arguments against the contract. */
function pending<T>(method: string, args: object): Promise<T> {
  return new Promise<T>((resolve) =>
    calls.push({ method, args: args as Record<string, unknown>, resolve: (v) => resolve(v as T) }),
  );
}
setApiClient(
  createMemoryClient({ 'tracker.searchRuns': (args) => pending('tracker.searchRuns', args) }).client,
);

const { useRuns, loadedRuns, runAt, PAGE_SIZE } = await import('../../renderer/runs/store');

function fakeRun(i: number): Run {
  return {
    info: {
      runId: i.toString(16).padStart(32, '0'),
      experimentId: '1',
      runName: `run-${i}`,
      userId: 'me',
      status: 'FINISHED',
      startTime: i,
      endTime: i + 1,
      artifactUri: '',
      lifecycleStage: 'active',
      parentRunId: null,
      description: '',
      source: {
        kind: 'unknown',
        name: null,
        notebook: null,
        cell: null,
        pipeline: null,
        task: null,
        pipelineRun: null,
        version: null,
      },
    },
    params: {},
    metrics: {},
    tags: {},
    inputs: [],
  };
}

const all = Array.from({ length: PAGE_SIZE * 2 + 10 }, (_, i) => fakeRun(i));

/** Answers the oldest pending searchRuns call like the store would. */
function answer(runs: Run[] = all) {
  const c = calls.shift();
  if (!c) throw new Error('no pending call');
  const start = c.args.pageToken ? Number(c.args.pageToken) : 0;
  const size = c.args.maxResults as number;
  const page = runs.slice(start, start + size);
  const next = start + size < runs.length ? String(start + size) : null;
  c.resolve({ runs: page, nextPageToken: next, totalCount: runs.length });
  return c;
}

const settle = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  calls.length = 0;
  useRuns.setState({ filter: '', orderBy: [], experimentIds: [], selected: [], searchError: null });
});

describe('the runs table store', () => {
  it('keeps one page of rows outside React state and reports the total', async () => {
    const done = useRuns.getState().search();
    const c = answer();
    await done;
    expect(c.args.maxResults).toBe(PAGE_SIZE);
    expect(useRuns.getState().total).toBe(all.length);
    expect(useRuns.getState().loaded).toBe(PAGE_SIZE);
    expect(runAt(3)?.info.runName).toBe('run-3');
    expect(runAt(PAGE_SIZE)).toBeUndefined();
  });

  it('loads the pages up to a far row one after another, asking once per page', async () => {
    const first = useRuns.getState().search();
    answer();
    await first;
    const far = useRuns.getState().ensureLoaded(PAGE_SIZE * 2 + 5);
    // A second scroll while a page is on its way does not ask for it again.
    const again = useRuns.getState().ensureLoaded(PAGE_SIZE * 2 + 5);
    await settle();
    expect(calls).toHaveLength(1);
    answer();
    await settle();
    answer();
    await Promise.all([far, again]);
    expect(calls).toHaveLength(0);
    expect(loadedRuns()).toHaveLength(all.length);
    expect(new Set(loadedRuns().map((r) => r.info.runId)).size).toBe(all.length);
  });

  it('drops the answer of a search overtaken by a newer one', async () => {
    const old = useRuns.getState().search();
    useRuns.getState().setFilter("params.a = '1'");
    const [stale, fresh] = [calls[0], calls[1]];
    expect(fresh.args.filter).toBe("params.a = '1'");
    fresh.resolve({ runs: [all[7]], nextPageToken: null, totalCount: 1 });
    await settle();
    stale.resolve({ runs: all.slice(0, PAGE_SIZE), nextPageToken: '500', totalCount: all.length });
    await old;
    calls.length = 0;
    expect(useRuns.getState().total).toBe(1);
    expect(loadedRuns().map((r) => r.info.runName)).toEqual(['run-7']);
  });

  it('shows a refused filter as the search error and no rows', async () => {
    const done = useRuns.getState().search();
    const c = calls.shift();
    c?.resolve(Promise.reject(new Error('Invalid filter at column 3: expected a comparison')));
    await done;
    expect(useRuns.getState().searchError).toMatch(/column 3/);
    expect(useRuns.getState().loaded).toBe(0);
  });

  it('choosing experiments: one alone, or several with the modifier; again toggles it off', async () => {
    const s = useRuns.getState();
    s.selectExperiment('1', false);
    s.selectExperiment('2', true);
    expect(useRuns.getState().experimentIds).toEqual(['1', '2']);
    s.selectExperiment('1', true);
    expect(useRuns.getState().experimentIds).toEqual(['2']);
    s.selectExperiment(null, false);
    expect(useRuns.getState().experimentIds).toEqual([]);
    calls.length = 0;
  });
});
