import { Buffer } from 'node:buffer';
import { describe, expect, it, vi } from 'vitest';
import {
  createApiHost,
  createClient,
  EventBus,
  type ApiHost,
  type RequestHandlers,
  type ResponseEnvelope,
} from '../../shared/api/client';
import { LakebenchError } from '../../shared/errors';
import { createIpcTransport } from '../../renderer/api/ipc-transport';
import { CALL_CHANNEL, EVENT_CHANNEL, eventMessage, serveApiOverIpc } from '../../electron/main/ipc-host';
import { isAppUrl } from '../../electron/main/renderer-protocol';
import { createBridge, type IpcRendererLike } from '../../electron/preload/bridge';
import { FakeIpcMain, FakeWindow } from '../support/fake-ipc';

const workspace = { root: '/tmp/ws', name: 'ws', isSample: false, settings: {} };

function fakeHandlers() {
  const handlers = {
    'app.getInfo': vi.fn(async () => ({ version: '0.1.0', platform: 'linux', workspace })),
    'workspace.open': vi.fn(async (args: { path: string; create: boolean }) => ({
      ...workspace,
      root: args.path,
    })),
    'notebooks.create': vi.fn(async (args: { name: string }) => ({ path: `notebooks/${args.name}.ipynb` })),
    'notebooks.open': vi.fn(async (args: { path: string }) => {
      throw new LakebenchError('NOTEBOOK_INVALID', `${args.path}: cell 2 has no source`, {
        file: args.path,
        line: 12,
        column: 3,
        cellId: 'c2',
      });
    }),
    'warehouse.listTables': vi.fn(async () => {
      throw new Error('disk on fire');
    }),
  };
  return handlers;
}

function setup(options: { host?: ApiHost } = {}) {
  const bus = new EventBus();
  const handlers = fakeHandlers();
  const host =
    options.host ?? createApiHost(handlers as unknown as RequestHandlers, bus, { validateResults: true });
  const ipcMain = new FakeIpcMain();
  const win = new FakeWindow(ipcMain, 1);
  const windows = [win];
  const stop = serveApiOverIpc(
    ipcMain,
    host,
    (name, payload) => {
      for (const w of windows) w.send(EVENT_CHANNEL, eventMessage(name, payload));
    },
    { isOurWebContents: (id) => windows.some((w) => w.id === id), isTrustedUrl: isAppUrl },
  );
  const bridge = createBridge(win.ipcRenderer);
  const client = createClient(createIpcTransport(bridge));
  return { bus, handlers, ipcMain, win, bridge, client, stop };
}

describe('the API over Electron IPC', () => {
  it('answers requests with the handler results, validated and with defaults applied', async () => {
    const { client, handlers } = setup();
    await expect(client.call('app.getInfo', {})).resolves.toEqual({
      version: '0.1.0',
      platform: 'linux',
      workspace,
    });
    await expect(client.call('workspace.open', { path: '/data/ws2' })).resolves.toMatchObject({
      root: '/data/ws2',
    });
    // The host parsed the arguments: `create` got its default, and the caller is named after its webContents.
    expect(handlers['workspace.open']).toHaveBeenCalledWith(
      { path: '/data/ws2', create: true },
      { clientId: 'ipc:1' },
    );
  });

  it('brings typed errors across with code, message and location intact', async () => {
    const { client } = setup();
    const err = await client.call('notebooks.open', { path: 'notebooks/a.ipynb' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LakebenchError);
    expect(err).toMatchObject({
      code: 'NOTEBOOK_INVALID',
      message: 'notebooks/a.ipynb: cell 2 has no source',
      location: { file: 'notebooks/a.ipynb', line: 12, column: 3, cellId: 'c2' },
    });
  });

  it('turns an unexpected failure into an INTERNAL error instead of a mangled rejection', async () => {
    const { client } = setup();
    await expect(client.call('warehouse.listTables', {})).rejects.toMatchObject({
      code: 'INTERNAL',
      message: 'disk on fire',
    });
  });

  it('refuses bad arguments with INVALID_REQUEST before any handler runs', async () => {
    const { client, bridge, handlers } = setup();
    const err = await client.call('notebooks.create', { name: '' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_REQUEST' });
    expect((err as Error).message).toMatch(/name/);
    await expect(bridge.call('notebooks.create', 'not an object')).resolves.toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST' },
    });
    expect(handlers['notebooks.create']).not.toHaveBeenCalled();
  });

  it('answers an unknown method with UNKNOWN_METHOD', async () => {
    const { bridge, client } = setup();
    await expect(bridge.call('app.deleteEverything', {})).resolves.toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_METHOD' },
    });
    await expect(
      (client.call as (m: string, a: unknown) => Promise<unknown>)('__proto__', {}),
    ).rejects.toMatchObject({ code: 'UNKNOWN_METHOD' });
  });

  it('checks in the preload that a method is a string, without calling the main process', async () => {
    const { bridge, win } = setup();
    const invoke = vi.spyOn(win.ipcRenderer, 'invoke');
    for (const method of [42, null, { toString: () => 'app.getInfo' }, '']) {
      await expect(bridge.call(method as unknown as string, {})).resolves.toMatchObject({
        ok: false,
        error: { code: 'INVALID_REQUEST' },
      });
    }
    expect(invoke).not.toHaveBeenCalled();
  });

  it('delivers events, with Uint8Array payloads intact', async () => {
    const { bus, client } = setup();
    const arrow = new Uint8Array(70_000);
    for (let i = 0; i < arrow.length; i++) arrow[i] = (i * 31) % 256;
    const batches: unknown[] = [];
    const commands: unknown[] = [];
    client.on('warehouse.onQueryBatch', (p) => batches.push(p));
    client.on('app.onCommand', (p) => commands.push(p));
    bus.emit('warehouse.onQueryBatch', { queryId: 'q1', batchIndex: 0, arrow, rowCount: 10, rowsSoFar: 10 });
    bus.emit('app.onCommand', { command: 'save' });

    expect(commands).toEqual([{ command: 'save' }]);
    expect(batches).toHaveLength(1);
    const got = (batches[0] as { arrow: unknown }).arrow;
    expect(got).toBeInstanceOf(Uint8Array);
    expect(got).not.toBe(arrow); // it crossed a process boundary: a copy
    expect(Buffer.from(got as Uint8Array).equals(Buffer.from(arrow))).toBe(true);
  });

  it('hands listeners only the event name and payload, never the IPC event or ipcRenderer', () => {
    const { bus, win } = setup();
    // A second bridge on the same window (the client's bridge is already listening).
    const bridge = createBridge(win.ipcRenderer);
    expect(Object.keys(bridge).sort()).toEqual(['call', 'onEvent']);
    const before = win.listenerCount(EVENT_CHANNEL);
    const calls: unknown[][] = [];
    const off = bridge.onEvent((...args: unknown[]) => calls.push(args));
    const off2 = bridge.onEvent(() => {});
    bus.emit('workspace.onFilesChanged', { paths: ['a.csv'] });
    expect(calls).toEqual([['workspace.onFilesChanged', { paths: ['a.csv'] }]]);
    // One ipcRenderer listener per bridge, however many subscribers; removed with the last of them.
    expect(win.listenerCount(EVENT_CHANNEL)).toBe(before + 1);
    off();
    expect(win.listenerCount(EVENT_CHANNEL)).toBe(before + 1);
    off2();
    expect(win.listenerCount(EVENT_CHANNEL)).toBe(before);
  });

  it('ignores malformed messages on the event channel', () => {
    const { bridge, win } = setup();
    const listener = vi.fn();
    bridge.onEvent(listener);
    win.send(EVENT_CHANNEL, 'nonsense');
    win.send(EVENT_CHANNEL, { payload: 1 });
    expect(listener).not.toHaveBeenCalled();
  });

  describe('refuses calls from a foreign sender', () => {
    const foreignCases: [string, (ctx: ReturnType<typeof setup>) => IpcRendererLike][] = [
      ['another webContents', ({ ipcMain }) => new FakeWindow(ipcMain, 99).ipcRenderer],
      [
        'our window showing a web page',
        ({ win }) => {
          win.frame = { url: 'https://evil.example/', parent: null };
          return win.ipcRenderer;
        },
      ],
      [
        'our window showing a file:// page',
        ({ win }) => {
          win.frame = { url: 'file:///tmp/evil.html', parent: null };
          return win.ipcRenderer;
        },
      ],
      [
        'a sub-frame of our window',
        ({ win }) => {
          win.frame = { url: 'app://lakebench/index.html', parent: { url: 'app://lakebench/index.html' } };
          return win.ipcRenderer;
        },
      ],
      [
        'a frame that is gone',
        ({ win }) => {
          win.frame = null;
          return win.ipcRenderer;
        },
      ],
    ];
    it.each(foreignCases)('%s', async (_label, makeSender) => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const ctx = setup();
      const foreign = createBridge(makeSender(ctx));
      const reply = await foreign.call('app.getInfo', {});
      expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
      expect(ctx.handlers['app.getInfo']).not.toHaveBeenCalled();
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/refused an API call/));
      warn.mockRestore();
    });
  });

  it('reports a main process that stopped serving as TRANSPORT_CLOSED, not as a rejection', async () => {
    const { client, stop, bus } = setup();
    const listener = vi.fn();
    client.on('app.onCommand', listener);
    stop();
    await expect(client.call('app.getInfo', {})).rejects.toMatchObject({ code: 'TRANSPORT_CLOSED' });
    bus.emit('app.onCommand', { command: 'save' });
    expect(listener).not.toHaveBeenCalled();
  });

  it('answers with an envelope even if the host itself throws', async () => {
    const host: ApiHost = {
      dispatch: () => Promise.reject(new Error('host bug')),
      subscribe: () => () => {},
    };
    const { bridge } = setup({ host });
    const reply: ResponseEnvelope = await bridge.call('app.getInfo', {});
    expect(reply).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'host bug' } });
  });

  it('registers exactly one handler, on the call channel', () => {
    const { ipcMain } = setup();
    expect([...ipcMain.handlers.keys()]).toEqual([CALL_CHANNEL]);
  });
});
