import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventNames, requestNames, type EventPayload } from '../../shared/api/contract';
import { appEvents } from '../../shared/api/contract';
import { operationEvents } from '../../shared/api/operations';
import { CORE_REQUESTS, LakebenchCore, SERVICES } from '../../electron/core/app';
import { dependencyOrder, type ServiceDefinition } from '../../electron/core/service';
import { useCore } from '../support/core';
import { RecordingSink } from '../support/events';
import { tempDir } from '../support/temp';

type Def = ServiceDefinition<never, object>;

function fakeService(name: string, dependsOn: Def[] = []): Def {
  return {
    name,
    dependsOn,
    requests: {},
    events: {},
    open: () => undefined as never,
    close: () => undefined,
    handlers: () => ({}),
  };
}

describe('the service list', () => {
  it('opens each service after what it depends on, and refuses a cycle', () => {
    const a = fakeService('a');
    const b = fakeService('b', [a]);
    const c = fakeService('c', [b, a]);
    expect(dependencyOrder([c, b, a]).map((s) => s.name)).toEqual(['a', 'b', 'c']);
    (a.dependsOn as Def[]).push(c);
    expect(() => dependencyOrder([a, b, c])).toThrow(/a -> c -> b -> a/);
    expect(() => dependencyOrder([b])).toThrow(/depends on a, which is not registered/);
  });

  it('gives every request of the contract exactly one owner, and every event too', () => {
    const owners = new Map<string, string[]>();
    const own = (names: string[], owner: string) => {
      for (const n of names) owners.set(n, [...(owners.get(n) ?? []), owner]);
    };
    own(Object.keys(CORE_REQUESTS), 'core');
    for (const s of SERVICES) own(Object.keys(s.requests), s.name);
    expect([...owners.keys()].sort()).toEqual([...requestNames].sort());
    expect([...owners.values()].filter((o) => o.length > 1)).toEqual([]);

    const eventOwners = [
      ...Object.keys(appEvents),
      ...Object.keys(operationEvents),
      ...SERVICES.flatMap((s) => Object.keys(s.events)),
    ];
    expect(eventOwners.sort()).toEqual([...eventNames].sort());
  });

  it('declares the order the services open in', () => {
    expect(dependencyOrder(SERVICES).map((s) => s.name)).toEqual([
      'workspace',
      'warehouse',
      'notebooks',
      'tracker',
      'logs',
      'pipelines',
      'kernels',
      'tables',
    ]);
  });
});

describe('opening and closing a workspace', () => {
  it('closes what it opened when a later service fails, and keeps the open workspace', async () => {
    const { dir, cleanup } = await tempDir('lakebench-services-');
    const core = await LakebenchCore.open({ version: '0', workspacePath: path.join(dir, 'a') });
    try {
      // A folder where tracker.db should be: the tracker fails after the warehouse opened.
      await mkdir(path.join(dir, 'b', '.lakebench', 'tracker.db'), { recursive: true });
      await expect(core.openWorkspace(path.join(dir, 'b'))).rejects.toThrow();
      expect(core.workspace.root).toBe(path.join(dir, 'a'));
      const sink = new RecordingSink();
      const unsubscribe = core.bus.subscribe((name, payload) => sink.emit(name, payload as never));
      const reply = await core.host.dispatch(
        'warehouse.runQuery',
        { sql: 'SELECT 42 AS n' },
        { clientId: 'c' },
      );
      expect(reply.ok).toBe(true);
      const done = await sink.waitFor('warehouse.onQueryFinished');
      expect(done.status).toBe('succeeded');
      unsubscribe();
      // b's warehouse was closed again: opened afresh once the tracker can open, it works.
      await import('node:fs/promises').then((fs) =>
        fs.rm(path.join(dir, 'b', '.lakebench', 'tracker.db'), { recursive: true }),
      );
      const info = await core.openWorkspace(path.join(dir, 'b'));
      expect(info.root).toBe(path.join(dir, 'b'));
      expect(await core.warehouse.listTables()).toEqual([]);
    } finally {
      await core.close();
      await cleanup();
    }
  }, 60_000);
});

describe('long operations', () => {
  const fx = useCore('operations');

  it('cancels a query by its operation id and reports its progress and end', async () => {
    const sink = new RecordingSink();
    const unsubscribe = fx.core.bus.subscribe((name, payload) => sink.emit(name, payload as never));
    try {
      const { queryId } = await fx.call('warehouse.runQuery', {
        sql: 'SELECT count(*) FROM range(100000000000) a(i) WHERE i % 7 = 3',
        maxRows: 1000,
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(fx.core.operations.list()).toContainEqual({ operationId: queryId, kind: 'query' });
      expect(await fx.call('operations.cancel', { operationId: queryId })).toEqual({ cancelled: true });
      const finished = await sink.waitFor('warehouse.onQueryFinished', (p) => p.queryId === queryId);
      expect(finished.status).toBe('cancelled');
      const last = await sink.waitFor(
        'operations.onProgress',
        (p: EventPayload<'operations.onProgress'>) => p.operationId === queryId && p.finished === true,
      );
      expect(last).toMatchObject({ kind: 'query', message: 'cancelled' });
      expect(fx.core.operations.isRunning(queryId)).toBe(false);
      expect(await fx.call('operations.cancel', { operationId: queryId })).toEqual({ cancelled: false });
      expect(await fx.call('operations.cancel', { operationId: 'no-such-operation' })).toEqual({
        cancelled: false,
      });
      // The older request still cancels a query, through the same service.
      const second = await fx.call('warehouse.runQuery', {
        sql: 'SELECT count(*) FROM range(100000000000) a(i) WHERE i % 7 = 3',
        maxRows: 1000,
      });
      expect(await fx.call('warehouse.cancelQuery', { queryId: second.queryId })).toEqual({
        cancelled: true,
      });
      await sink.waitFor(
        'operations.onProgress',
        (p) => p.operationId === second.queryId && p.finished === true,
      );
    } finally {
      unsubscribe();
    }
  }, 60_000);

  it('cancels a pipeline run by its run id, however it was started', async () => {
    const yaml = [
      'id: slow',
      'tasks:',
      '  - { id: wait, type: shell, command: "sleep 30" }',
      '  - { id: after, type: shell, command: "echo after", depends_on: [wait] }',
      '',
    ].join('\n');
    await fx.call('pipelines.create', { id: 'slow', yaml });
    const sink = new RecordingSink();
    const unsubscribe = fx.core.bus.subscribe((name, payload) => sink.emit(name, payload as never));
    try {
      const { runId } = await fx.call('pipelines.trigger', { id: 'slow', logicalDate: '2026-05-01' });
      for (let i = 0; i < 200 && !fx.core.operations.isRunning(runId); i++)
        await new Promise((r) => setTimeout(r, 25));
      expect(fx.core.operations.list()).toContainEqual({ operationId: runId, kind: 'pipeline.run' });
      const started = Date.now();
      expect(await fx.call('operations.cancel', { operationId: runId })).toEqual({ cancelled: true });
      expect(await fx.core.pipelines.waitForRun(runId)).toBe('failed');
      expect(Date.now() - started).toBeLessThan(20_000);
      await sink.waitFor('operations.onProgress', (p) => p.operationId === runId && p.finished === true);
      expect(fx.core.operations.isRunning(runId)).toBe(false);
    } finally {
      unsubscribe();
    }
  }, 60_000);

  it('cancels a kernel execution by its execution id', async () => {
    const previous = process.env.LAKEBENCH_PYTHON;
    process.env.LAKEBENCH_PYTHON = '/usr/bin/python3';
    const sink = new RecordingSink();
    const unsubscribe = fx.core.bus.subscribe((name, payload) => sink.emit(name, payload as never));
    try {
      const notebook = 'notebooks/sleepy.ipynb';
      await fx.call('notebooks.save', {
        path: notebook,
        notebook: { metadata: {}, nbformatMinor: 5, cells: [] },
      });
      const executionId = 'exec-sleep';
      await fx.call('kernels.execute', {
        notebook,
        cellId: 'c1',
        code: 'import time\nprint("sleeping", flush=True)\ntime.sleep(60)',
        executionId,
      });
      expect(fx.core.operations.list()).toContainEqual({
        operationId: executionId,
        kind: 'kernel.execution',
      });
      await sink.waitFor('kernels.onOutput', (p) => p.executionId === executionId, 90_000);
      expect(await fx.call('operations.cancel', { operationId: executionId })).toEqual({ cancelled: true });
      const end = await sink.waitFor(
        'kernels.onExecutionFinished',
        (p) => p.executionId === executionId,
        30_000,
      );
      expect(end.status).toBe('error');
      const last = await sink.waitFor(
        'operations.onProgress',
        (p) => p.operationId === executionId && p.finished === true,
      );
      expect(last).toMatchObject({ kind: 'kernel.execution', message: 'error' });
      await fx.call('kernels.shutdown', { notebook });
    } finally {
      unsubscribe();
      if (previous === undefined) delete process.env.LAKEBENCH_PYTHON;
      else process.env.LAKEBENCH_PYTHON = previous;
    }
  }, 120_000);

  it('refuses a malformed operation id', async () => {
    expect((await fx.fails('operations.cancel', { operationId: '' })).code).toBe('INVALID_REQUEST');
    expect((await fx.fails('operations.cancel', { operationId: 'a b' })).code).toBe('INVALID_REQUEST');
  });
});
