import { tableFromIPC } from 'apache-arrow';
import { expect } from 'vitest';
import type { EventName, EventPayload } from '../../shared/api/contract';
import type { LakebenchClient } from '../../shared/api/client';
import { LakebenchError } from '../../shared/errors';
import { emptyNotebook, newCell } from '../../shared/notebook/model';

/** Waits for one event on a client. */
export function nextEvent<E extends EventName>(
  client: LakebenchClient,
  name: E,
  match: (p: EventPayload<E>) => boolean,
  timeoutMs = 20_000,
): Promise<EventPayload<E>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${name}`));
    }, timeoutMs);
    const off = client.on(name, (p) => {
      if (!match(p)) return;
      clearTimeout(timer);
      off();
      resolve(p);
    });
  });
}

/** Runs a query through a client and collects its batches until it finishes. */
export async function runQuery(client: LakebenchClient, sql: string) {
  const batches: EventPayload<'warehouse.onQueryBatch'>[] = [];
  const queryId = `q-${Math.random().toString(36).slice(2)}`;
  const off = client.on('warehouse.onQueryBatch', (b) => b.queryId === queryId && batches.push(b));
  const finished = nextEvent(client, 'warehouse.onQueryFinished', (p) => p.queryId === queryId, 60_000);
  const started = await client.call('warehouse.runQuery', { sql, queryId });
  expect(started.queryId).toBe(queryId);
  const end = await finished;
  off();
  return { end, batches, tables: batches.map((b) => tableFromIPC(b.arrow)) };
}

async function expectError(promise: Promise<unknown>, code: string, message?: RegExp) {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LakebenchError);
  expect((err as LakebenchError).code).toBe(code);
  if (message) expect((err as LakebenchError).message).toMatch(message);
  return err as LakebenchError;
}

/**
 * The contract's behaviour as every transport must deliver it. Each transport's test runs these same cases
 * against a real core, so the renderer cannot tell which one it talks to.
 */
export const contractCases: Record<string, (client: LakebenchClient) => Promise<void>> = {
  'answers app.getInfo with the open workspace': async (client) => {
    const info = await client.call('app.getInfo', {});
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.workspace?.root).toBeTruthy();
  },
  'refuses an unknown request': async (client) => {
    await expectError(
      (client.call as (m: string, a: unknown) => Promise<unknown>)('warehouse.dropEverything', {}),
      'UNKNOWN_METHOD',
    );
  },
  'refuses invalid arguments, naming the field': async (client) => {
    await expectError(
      client.call('notebooks.create', { name: 42 as unknown as string }),
      'INVALID_REQUEST',
      /name/,
    );
  },
  'creates, saves and reopens a notebook': async (client) => {
    const name = `contract-${Math.random().toString(36).slice(2, 8)}`;
    const { path } = await client.call('notebooks.create', { name });
    expect(path).toBe(`notebooks/${name}.ipynb`);
    const opened = await client.call('notebooks.open', { path });
    const doc = emptyNotebook();
    doc.cells = [newCell('markdown', '# Title'), newCell('sql', 'SELECT 42 AS answer')];
    const saved = await client.call('notebooks.save', { path, notebook: doc, baseMtimeMs: opened.mtimeMs });
    const again = await client.call('notebooks.open', { path });
    expect(again.mtimeMs).toBe(saved.mtimeMs);
    expect(await client.call('notebooks.stat', { path })).toEqual({ path, mtimeMs: saved.mtimeMs });
    await expectError(client.call('notebooks.stat', { path: 'notebooks/none.ipynb' }), 'NOT_FOUND');
    expect(again.notebook.cells.map((c) => [c.language, c.source])).toEqual([
      ['markdown', '# Title'],
      ['sql', 'SELECT 42 AS answer'],
    ]);
    const files = await client.call('workspace.listFiles', {});
    expect(files.map((f) => f.path)).toContain(path);
  },
  'refuses a path outside the workspace': async (client) => {
    await expectError(
      client.call('notebooks.open', { path: '../../etc/passwd.ipynb' }),
      'PATH_OUTSIDE_WORKSPACE',
    );
  },
  'streams a query result as Arrow bytes': async (client) => {
    const { end, tables } = await runQuery(client, 'SELECT 42 AS answer, [1, 2] AS list');
    expect(end.status).toBe('succeeded');
    expect(tables[0].getChild('answer')?.get(0)).toBe(42);
  },
  'delivers a SQL error with its location': async (client) => {
    const { end } = await runQuery(client, 'SELECT *\nFROM no_such_table');
    expect(end.status).toBe('failed');
    expect(end.error).toMatchObject({ code: 'SQL_ERROR', location: { line: 2, column: 6 } });
    expect(end.error?.message).toMatch(/no_such_table does not exist/);
  },
};
