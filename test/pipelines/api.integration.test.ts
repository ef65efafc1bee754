import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RequestResult } from '../../shared/api/contract';
import { resourcesDir } from '../../electron/core/sample';
import { useCore } from '../support/core';

const t = useCore('api', {
  version: 'test',
  sampleRows: 20_000,
  prepare: (ws) => cp(path.join(resourcesDir(), 'sample-workspace'), ws, { recursive: true }),
});
const { call } = t;

describe('pipelines API on the sample workspace', () => {
  it('lists the sample pipeline with its schedule in words and its next run', async () => {
    const list = await call('pipelines.list', {});
    const item = list.find((p) => p.id === 'daily_trips');
    expect(item).toMatchObject({
      file: 'pipelines/daily_trips.yaml',
      schedule: '@daily',
      scheduleText: 'At 00:00',
      problems: 0,
      taskCount: 7,
      lastRun: null,
    });
    expect(Date.parse(item?.nextRunAt as string)).toBeGreaterThan(Date.now());
  });

  it('reads, validates, saves with a change check, and keeps node positions beside the YAML', async () => {
    const got = await call('pipelines.get', { id: 'daily_trips' });
    expect(got.problems).toEqual([]);
    expect(got.pipeline?.tasks.map((t) => t.id)).toContain('train');
    expect(got.sources.train.line).toBeGreaterThan(1);
    expect(got.positions).toEqual({});
    await call('pipelines.savePositions', { id: 'daily_trips', positions: { train: { x: 10.4, y: 20 } } });
    expect((await call('pipelines.get', { id: 'daily_trips' })).positions).toEqual({
      train: { x: 10, y: 20 },
    });
    expect(await readFile(path.join(t.workspace, 'pipelines', 'daily_trips.yaml'), 'utf8')).toBe(got.yaml);

    const bad = await call('pipelines.validate', {
      yaml: 'id: x\ntasks:\n  - { id: a, type: sql }\n',
      id: 'x',
    });
    expect(bad.problems[0]).toMatchObject({ file: 'pipelines/x.yaml', line: 3, task: 'a' });

    const saved = await call('pipelines.save', {
      id: 'daily_trips',
      yaml: got.yaml,
      baseMtimeMs: got.mtimeMs,
    });
    expect(saved.problems).toEqual([]);
    await expect(
      call('pipelines.save', { id: 'daily_trips', yaml: got.yaml, baseMtimeMs: got.mtimeMs - 60_000 }),
    ).rejects.toMatchObject({ code: 'PIPELINE_CHANGED_ON_DISK' });
    await call('pipelines.save', { id: 'daily_trips', yaml: got.yaml, baseMtimeMs: 0, force: true });
  });

  it('creates and deletes a pipeline, refusing an existing id', async () => {
    const created = await call('pipelines.create', { id: 'scratch', description: 'A try' });
    expect(created.file).toBe('pipelines/scratch.yaml');
    await expect(call('pipelines.create', { id: 'scratch' })).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
    });
    expect((await call('pipelines.get', { id: 'scratch' })).problems).toEqual([]);
    await call('pipelines.delete', { id: 'scratch' });
    await expect(call('pipelines.get', { id: 'scratch' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('runs the sample pipeline end to end, tracked as a parent run with nested tries', async () => {
    const finished = new Promise<string>((resolve) => {
      const stop = t.core.bus.subscribe((name, payload) => {
        const run = payload as { runId: string; state: string };
        if (name === 'pipelines.onRunChanged' && (run.state === 'success' || run.state === 'failed')) {
          stop();
          resolve(run.state);
        }
      });
    });
    const { runId } = await call('pipelines.trigger', { id: 'daily_trips', logicalDate: '2026-03-01' });
    expect(await finished).toBe('success');
    const detail = await call('pipelines.getRun', { runId });
    const states = Object.fromEntries(detail.taskInstances.map((t) => [t.taskId, t.state]));
    expect(states).toEqual({
      land_csv: 'success',
      load_raw: 'success',
      clean: 'success',
      features: 'success',
      quality_check: 'success',
      train: 'success',
      alert: 'skipped',
    });
    const train = detail.taskInstances.find((t) => t.taskId === 'train');
    expect((train?.output as { r2: number }).r2).toBeGreaterThan(0.3);
    expect(detail.run.trackerRunId).toMatch(/^[0-9a-f]{32}$/);
    const trackerTry = train?.tries[0].trackerRunId as string;
    const nested = t.core.tracker.getRun(trackerTry);
    expect(nested.info.parentRunId).toBe(detail.run.trackerRunId);
    expect(nested.info.status).toBe('FINISHED');
    expect(nested.metrics.r2.value).toBe((train?.output as { r2: number }).r2);
    expect(t.core.tracker.getRun(detail.run.trackerRunId as string).params.logical_date).toBe(
      detail.run.logicalDate,
    );

    const grid = await call('pipelines.listRuns', { id: 'daily_trips', limit: 10 });
    expect(grid.runs).toHaveLength(1);
    expect(grid.taskIds[0]).toBe('land_csv');
    expect(grid.runs[0].tasks).toHaveLength(7);

    const log = await call('pipelines.readLog', { runId, taskId: 'train', tryNumber: 1, offset: 0 });
    expect(log.text).toContain('trained on');
    const tail = await call('pipelines.readLog', {
      runId,
      taskId: 'train',
      tryNumber: 1,
      offset: log.nextOffset,
    });
    expect(tail).toMatchObject({ text: '', complete: true });
    const found = await call('pipelines.searchLog', {
      runId,
      taskId: 'land_csv',
      query: 'wrote 2000',
      context: 2,
    });
    expect(found.matches).toHaveLength(1);

    const plan = await call('pipelines.planBackfill', {
      id: 'daily_trips',
      from: '2026-02-28',
      to: '2026-03-02',
    });
    expect(plan.runs.map((r) => r.action)).toEqual(['create', 'skip', 'create']);
    const exported = await call('pipelines.exportAirflow', { id: 'daily_trips' });
    expect(exported.python).toContain('dag_id="daily_trips"');
  }, 120_000);

  it('tells the editor when a pipeline file changes on disk', async () => {
    const heard = new Promise<string[]>((resolve) => {
      const stop = t.core.bus.subscribe((name, payload) => {
        if (name !== 'pipelines.onDefinitionsChanged') return;
        stop();
        resolve((payload as { ids: string[] }).ids);
      });
    });
    await writeFile(path.join(t.workspace, 'pipelines', 'outside.yaml'), 'id: outside\ntasks: []\n');
    expect(await heard).toEqual(['outside']);
  });

  it('refuses bad input with a clear error', async () => {
    await expect(call('pipelines.get', { id: '../etc/passwd' })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    });
    await expect(call('pipelines.getRun', { runId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await writeFile(path.join(t.workspace, 'pipelines', 'broken.yaml'), 'id: broken\ntasks: [\n');
    await expect(call('pipelines.trigger', { id: 'broken' })).rejects.toMatchObject({
      code: 'PIPELINE_INVALID',
    });
  });
});

describe('backfill and log search through the API', () => {
  const states = async (runId: string) =>
    Object.fromEntries(
      (await call('pipelines.getRun', { runId })).taskInstances.map((t) => [
        t.taskId,
        [t.state, t.tryNumber],
      ]),
    );
  const plain = (runs: RequestResult<'pipelines.planBackfill'>['runs']) =>
    runs.map((r) => [r.logicalDate.slice(0, 10), r.action, r.taskIds]);

  it('a backfill limited to a task just added runs it in the runs that exist too, and only it', async () => {
    const v1 = `id: grow
schedule: "@daily"
start_date: 2026-04-01
tasks:
  - { id: a, type: shell, command: "echo a {{ ds }}" }
  - { id: b, type: shell, command: "echo b {{ ds }}", depends_on: [a] }
`;
    await call('pipelines.create', { id: 'grow', yaml: v1 });
    const { runId: existing } = await call('pipelines.trigger', { id: 'grow', logicalDate: '2026-04-02' });
    expect(await t.core.pipelines.waitForRun(existing)).toBe('success');

    // c is added; the run of 04-02 never had it.
    const got = await call('pipelines.get', { id: 'grow' });
    await call('pipelines.save', {
      id: 'grow',
      yaml: `${v1}  - { id: c, type: shell, command: "echo c {{ ds }}", depends_on: [b] }\n`,
      baseMtimeMs: got.mtimeMs,
    });
    const range = { id: 'grow', from: '2026-04-01', to: '2026-04-03' };
    expect(plain((await call('pipelines.planBackfill', { ...range, taskIds: ['c'] })).runs)).toEqual([
      ['2026-04-01', 'create', ['c']],
      ['2026-04-02', 'fill', ['c']],
      ['2026-04-03', 'create', ['c']],
    ]);
    expect(plain((await call('pipelines.planBackfill', range)).runs)).toEqual([
      ['2026-04-01', 'create', ['a', 'b', 'c']],
      ['2026-04-02', 'fill', ['c']],
      ['2026-04-03', 'create', ['a', 'b', 'c']],
    ]);

    const started = await call('pipelines.backfill', { ...range, taskIds: ['c'], maxActiveRuns: 1 });
    expect(started.runIds).toHaveLength(3);
    expect(started.runIds).toContain(existing);
    for (const id of started.runIds) expect(await t.core.pipelines.waitForRun(id)).toBe('success');
    // The existing run ran c with the outputs of a and b as they were; a and b did not run again.
    expect(await states(existing)).toEqual({ a: ['success', 1], b: ['success', 1], c: ['success', 1] });
    const created = started.runIds.filter((id) => id !== existing);
    for (const id of created) expect(await states(id)).toEqual({ c: ['success', 1] });
    expect((await call('pipelines.getRun', { runId: existing })).run.backfillId).toBe(started.backfillId);
    // With one run at a time, the backfill's runs did not overlap.
    const spans = (await Promise.all(started.runIds.map((runId) => call('pipelines.getRun', { runId }))))
      .map((r) => [Date.parse(r.run.startedAt as string), Date.parse(r.run.endedAt as string)])
      .sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);

    // Nothing is left to do for c; the runs limited to c get a and b when every task is asked for.
    expect(plain((await call('pipelines.planBackfill', { ...range, taskIds: ['c'] })).runs)).toEqual([
      ['2026-04-01', 'skip', []],
      ['2026-04-02', 'skip', []],
      ['2026-04-03', 'skip', []],
    ]);
    expect(plain((await call('pipelines.planBackfill', range)).runs)).toEqual([
      ['2026-04-01', 'fill', ['a', 'b']],
      ['2026-04-02', 'skip', []],
      ['2026-04-03', 'fill', ['a', 'b']],
    ]);

    // Clearing and rerunning every task also works in a run that was limited to c.
    const rerun = await call('pipelines.backfill', {
      ...range,
      from: '2026-04-01',
      to: '2026-04-01',
      rerunExisting: true,
    });
    expect(rerun.runIds).toEqual([created[0]]);
    expect(await t.core.pipelines.waitForRun(created[0])).toBe('success');
    expect(await states(created[0])).toEqual({
      a: ['success', 1],
      b: ['success', 1],
      c: ['success', 2],
    });
    expect((await call('pipelines.getRun', { runId: created[0] })).run.taskSubset).toBeNull();
  }, 60_000);

  it('searches a log with the lines around each match, and counts matches past the limit', async () => {
    await call('pipelines.create', {
      id: 'chatty',
      yaml: `id: chatty
tasks:
  - id: talk
    type: shell
    command: 'w=check; for i in $(seq 1 120); do if [ $((i % 20)) -eq 0 ]; then echo "line $i: \${w}point"; else echo "line $i"; fi; done'
`,
    });
    const { runId } = await call('pipelines.trigger', { id: 'chatty' });
    expect(await t.core.pipelines.waitForRun(runId)).toBe('success');
    const all = await call('pipelines.searchLog', { runId, taskId: 'talk', query: 'CHECKPOINT', context: 2 });
    expect(all.total).toBe(6);
    expect(all.truncated).toBe(false);
    const first = all.matches[0];
    expect(first.text).toBe('line 20: checkpoint');
    expect(first.before).toEqual(['line 18', 'line 19']);
    expect(first.after).toEqual(['line 21', 'line 22']);
    expect(all.matches[0].line + 20).toBe(all.matches[1].line);
    // The log starts with the runner's own lines and ends with one: the last match has one line after it.
    expect(first.line).toBe(22);
    expect(all.matches[5]).toMatchObject({
      line: 122,
      text: 'line 120: checkpoint',
      after: ['[lakebench] talk succeeded'],
    });
    const top = await call('pipelines.searchLog', { runId, taskId: 'talk', query: 'started at', context: 2 });
    expect(top.matches[0]).toMatchObject({
      line: 1,
      before: [],
      after: [expect.stringContaining('$ w=check'), 'line 1'],
    });

    const limited = await call('pipelines.searchLog', {
      runId,
      taskId: 'talk',
      query: 'checkpoint',
      limit: 2,
    });
    expect(limited).toMatchObject({ total: 6, truncated: true });
    expect(limited.matches.map((m) => m.text)).toEqual(['line 20: checkpoint', 'line 40: checkpoint']);
    const none = await call('pipelines.searchLog', {
      runId,
      taskId: 'talk',
      query: 'checkpoint',
      caseSensitive: true,
      regex: true,
      context: 0,
    });
    expect(none.matches.map((m) => [m.before, m.after])).toEqual(Array(6).fill([[], []]));
    await expect(
      call('pipelines.searchLog', { runId, taskId: 'talk', query: '(', regex: true }),
    ).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  }, 60_000);
});
