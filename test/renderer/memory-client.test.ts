import { describe, expect, it } from 'vitest';
import { createMemoryClient } from '../../shared/api/memory-client';
import { LakebenchError } from '../../shared/errors';

describe('the in-memory API client the renderer tests use', () => {
  it('hands a handler the arguments as the host parses them, defaults filled in', async () => {
    const seen: unknown[] = [];
    const { client } = createMemoryClient({
      'tracker.listRunKeys': async (args) => {
        seen.push(args);
        return { params: ['alpha'], metrics: [], tags: [], datasets: [] };
      },
    });
    const keys = await client.call('tracker.listRunKeys', {});
    expect(seen).toEqual([{ experimentIds: [] }]);
    expect(keys.params).toEqual(['alpha']);
  });

  it('refuses arguments the contract refuses, before any handler runs', async () => {
    let ran = false;
    const { client } = createMemoryClient({
      'tracker.getRun': async () => {
        ran = true;
        throw new Error('not reached');
      },
    });
    const err = await client.call('tracker.getRun', { runId: 'not an id' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LakebenchError);
    expect(err).toMatchObject({ code: 'INVALID_REQUEST' });
    expect((err as Error).message).toMatch(/invalid arguments to tracker\.getRun: runId/);
    expect(ran).toBe(false);
  });

  it("returns a handler's error with its code, and names a request no handler was given for", async () => {
    const { client } = createMemoryClient({
      'tracker.listExperiments': async () => {
        throw new LakebenchError('WORKSPACE_NOT_OPEN', 'no workspace is open');
      },
    });
    await expect(client.call('tracker.listExperiments', {})).rejects.toMatchObject({
      code: 'WORKSPACE_NOT_OPEN',
      message: 'no workspace is open',
    });
    await expect(client.call('tracker.listRunKeys', {})).rejects.toMatchObject({
      code: 'UNKNOWN_METHOD',
      message: expect.stringMatching(/tracker\.listRunKeys has no handler/),
    });
  });

  it('copies results as a transport does, unless told not to', async () => {
    const keys = { params: ['a'], metrics: [], tags: [], datasets: [] };
    const copied = createMemoryClient({ 'tracker.listRunKeys': async () => keys });
    const shared = createMemoryClient({ 'tracker.listRunKeys': async () => keys }, { cloneResults: false });
    expect(await copied.client.call('tracker.listRunKeys', {})).not.toBe(keys);
    expect(await shared.client.call('tracker.listRunKeys', {})).toBe(keys);
  });

  it('checks results against the contract when asked', async () => {
    const { client } = createMemoryClient(
      // A result the contract does not allow, as a broken service might give.
      { 'tracker.listRunKeys': async () => ({ params: 'alpha' }) as never },
      { validateResults: true },
    );
    await expect(client.call('tracker.listRunKeys', {})).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('delivers server events to listeners, those for this client or for all, and refuses a foreign payload', () => {
    const api = createMemoryClient({}, { clientId: 'me' });
    const heard: string[][] = [];
    const off = api.client.on('tracker.onRunsChanged', (e) => heard.push(e.runIds));
    api.emit('tracker.onRunsChanged', { experimentId: '1', runIds: ['a'] });
    api.emit('tracker.onRunsChanged', { experimentId: '1', runIds: ['b'] }, 'me');
    api.emit('tracker.onRunsChanged', { experimentId: '1', runIds: ['c'] }, 'someone-else');
    expect(() => api.emit('tracker.onRunsChanged', { experimentId: 1 } as never)).toThrow(
      /server event the contract refuses: .*tracker\.onRunsChanged: experimentId/,
    );
    off();
    api.emit('tracker.onRunsChanged', { experimentId: '1', runIds: ['d'] });
    expect(heard).toEqual([['a'], ['b']]);
  });

  it('records each valid request and answers with the handlers given later', async () => {
    const api = createMemoryClient({});
    await expect(api.client.call('tracker.listRunKeys', { experimentIds: ['1'] })).rejects.toMatchObject({
      code: 'UNKNOWN_METHOD',
    });
    api.handle({
      'tracker.listRunKeys': async () => ({ params: [], metrics: ['m'], tags: [], datasets: [] }),
    });
    expect((await api.client.call('tracker.listRunKeys', {})).metrics).toEqual(['m']);
    api.handle({ 'tracker.listRunKeys': null });
    await expect(api.client.call('tracker.listRunKeys', {})).rejects.toMatchObject({
      code: 'UNKNOWN_METHOD',
    });
    // A refused request never reaches a handler, so it is not recorded.
    await expect(api.client.call('tracker.getRun', { runId: 'x' })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    });
    expect(api.calls).toEqual([
      { method: 'tracker.listRunKeys', args: { experimentIds: ['1'] } },
      { method: 'tracker.listRunKeys', args: { experimentIds: [] } },
      { method: 'tracker.listRunKeys', args: { experimentIds: [] } },
    ]);
  });
});
