import { beforeEach, describe, expect, it } from 'vitest';
import { setApiClient } from '../../renderer/api';
import { useToasts } from '../../renderer/state/toasts';
import { createMemoryClient } from '../../shared/api/memory-client';
import { requestNames } from '../../shared/api/contract';
import { LakebenchError } from '../../shared/errors';
import { MAX_GET_RUNS } from '../../shared/tracker/contract';
import type { Run } from '../../shared/tracker/model';

/** A tracker whose handlers each test gives; every other request fails, naming itself. */
const api = createMemoryClient({});
setApiClient(api.client);

const actions = await import('../../renderer/runs/actions');
const { useRuns } = await import('../../renderer/runs/store');

const id = (i: number) => i.toString(16).padStart(32, '0');

function run(runId: string): Run {
  return {
    info: {
      runId,
      experimentId: '1',
      runName: runId.slice(-4),
      userId: 'me',
      status: 'FINISHED',
      startTime: 0,
      endTime: 1,
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

const settle = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  api.calls.length = 0;
  api.handle(Object.fromEntries(requestNames.map((n) => [n, null])));
  useToasts.setState({ toasts: [] });
  useRuns.setState({ selected: [], filter: '', experimentIds: [], orderBy: [] });
});

describe('the runs actions', () => {
  it('read compared runs in requests the contract allows, in the order asked', async () => {
    api.handle({ 'tracker.getRuns': async ({ runIds }) => ({ runs: runIds.map(run), missing: [] }) });
    const ids = Array.from({ length: MAX_GET_RUNS + 3 }, (_, i) => id(MAX_GET_RUNS + 3 - i));
    const runs = await actions.fetchRuns(ids);
    expect(api.calls.map((a) => (a.args as { runIds: string[] }).runIds.length)).toEqual([MAX_GET_RUNS, 3]);
    expect(runs.map((r) => r.info.runId)).toEqual(ids);
  });

  it('delete the selected runs 10,000 at a time, then clear the selection and search again', async () => {
    api.handle({ 'tracker.deleteRun': async () => ({}) });
    api.handle({ 'tracker.searchRuns': async () => ({ runs: [], nextPageToken: null, totalCount: 0 }) });
    const ids = Array.from({ length: 10_001 }, (_, i) => id(i + 1));
    useRuns.setState({ selected: ids });
    await actions.deleteSelectedRuns();
    await settle();
    expect(api.calls.map((a) => a.method)).toEqual([
      'tracker.deleteRun',
      'tracker.deleteRun',
      'tracker.searchRuns',
    ]);
    expect(useRuns.getState().selected).toEqual([]);
  });

  it('report a refused delete as a toast and keep the selection', async () => {
    api.handle({
      'tracker.deleteRun': async () => {
        throw new LakebenchError('WORKSPACE_NOT_WRITABLE', 'the workspace is read-only');
      },
    });
    useRuns.setState({ selected: [id(1), id(2)] });
    await actions.deleteSelectedRuns();
    expect(useRuns.getState().selected).toEqual([id(1), id(2)]);
    expect(useToasts.getState().toasts).toMatchObject([
      { kind: 'error', title: 'Could not delete 2 runs', message: 'the workspace is read-only' },
    ]);
  });

  it('reload a page only for changes to the runs it shows', () => {
    let reloads = 0;
    const off = actions.watchRuns([id(1), id(2)], () => reloads++);
    api.emit('tracker.onRunsChanged', { experimentId: '1', runIds: [id(3)] });
    api.emit('tracker.onRunsChanged', { experimentId: '1', runIds: [id(3), id(2)] });
    off();
    api.emit('tracker.onRunsChanged', { experimentId: '1', runIds: [id(1)] });
    expect(reloads).toBe(1);
  });

  it('ask for the children of a run by its parent tag, in its experiment', async () => {
    api.handle({
      'tracker.searchRuns': async () => ({ runs: [run(id(9))], nextPageToken: null, totalCount: 1 }),
    });
    const children = await actions.fetchChildRuns(run(id(1)));
    expect(children.map((r) => r.info.runId)).toEqual([id(9)]);
    expect(api.calls[0].args).toMatchObject({
      experimentIds: ['1'],
      filter: `tags.\`mlflow.parentRunId\` = '${id(1)}'`,
      maxResults: 200,
    });
  });
});
