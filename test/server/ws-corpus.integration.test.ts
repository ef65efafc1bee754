import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LakebenchCore } from '../../electron/core/app';
import { startServer, type RunningServer } from '../../electron/server';
import { MAX_MESSAGE_BYTES, decodeMessage, encodeMessage, type WireMessage } from '../../shared/api/wire';
import { ERROR_CODES } from '../../shared/errors';
import { tempDir } from '../support/temp';
import { connectWs } from '../support/ws-client';

/**
 * Bad input over the WebSocket API: every case gets a clear error (an error reply with a known code and a
 * message, or a close with a code and a reason), and the server answers a simple request afterwards.
 */

let core: LakebenchCore;
let server: RunningServer;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  let dir: string;
  ({ dir, cleanup } = await tempDir('lakebench-corpus-'));
  core = await LakebenchCore.open({
    workspacePath: path.join(dir, 'ws'),
    version: '0.1.0',
    validateResults: true,
  });
  server = await startServer({ core, port: 0 });
}, 60_000);
afterAll(async () => {
  await server.close();
  await core.close();
  await cleanup();
});

/** A raw socket that sends frames as they are and hears replies and the close. */
class RawSocket {
  private readonly replies = new Map<number, (m: WireMessage) => void>();
  readonly closed: Promise<{ code: number; reason: string }>;
  private nextId = 1;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    ws.on('message', (data: Buffer) => {
      const m = decodeMessage(new Uint8Array(data));
      if (m.t === 'reply') this.replies.get(m.id)?.(m);
    });
  }

  static async open(): Promise<RawSocket> {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`, {
      maxPayload: 2 * MAX_MESSAGE_BYTES,
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RawSocket(ws);
  }

  call(method: unknown, args: unknown): Promise<WireMessage> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${String(method).slice(0, 40)}`)), 10_000);
      this.replies.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.ws.send(encodeMessage({ t: 'call', id, method: method as string, args }));
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

function frame(json: string, ...parts: Uint8Array[]): Uint8Array {
  const body = new TextEncoder().encode(json);
  const out = new Uint8Array(4 + body.length + parts.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length, true);
  out.set(body, 4);
  let at = 4 + body.length;
  for (const p of parts) {
    view.setUint32(at, p.length, true);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  return out;
}

function rawFrame(jsonBytes: number[]): Uint8Array {
  const out = new Uint8Array(4 + jsonBytes.length);
  new DataView(out.buffer).setUint32(0, jsonBytes.length, true);
  out.set(jsonBytes, 4);
  return out;
}

const nb = (cells: unknown = []) => ({ metadata: {}, nbformatMinor: 5, cells });

type CallCase = { name: string; method: unknown; args: unknown; codes: string[] };

const callCases: CallCase[] = [];
const add = (name: string, method: unknown, args: unknown, ...codes: string[]) =>
  callCases.push({ name, method, args, codes: codes.length ? codes : ['INVALID_REQUEST'] });

// Unknown methods.
for (const method of [
  '',
  'x',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'app.getinfo',
  'app.getInfo ',
  'app.getInfo\0',
  'a'.repeat(100_000),
  '\ud800',
  42,
  null,
  {},
  ['app.getInfo'],
  true,
]) {
  add(`unknown method ${JSON.stringify(method)?.slice(0, 30)}`, method, {}, 'UNKNOWN_METHOD');
}

// Arguments that are not an object, or miss what is required, for requests that need arguments.
const needArgs = [
  'notebooks.open',
  'notebooks.stat',
  'notebooks.save',
  'notebooks.rename',
  'notebooks.delete',
  'notebooks.create',
  'workspace.open',
  'warehouse.runQuery',
  'warehouse.cancelQuery',
  'operations.cancel',
  'kernels.execute',
  'kernels.interrupt',
  'pipelines.get',
  'pipelines.trigger',
  'tracker.getRun',
];
for (const method of needArgs) {
  for (const args of ['text', 42, true, [], [1, 2], null, {}, { __proto__: { x: 1 } }]) {
    add(`${method} with ${JSON.stringify(args)}`, method, args);
  }
}

// Paths that leave the workspace, or are not paths at all.
for (const p of [
  '../x.ipynb',
  '/etc/passwd.ipynb',
  'notebooks/../../x.ipynb',
  '..\\..\\x.ipynb',
  '.lakebench/tracker.ipynb',
  'notebooks/../.lakebench/x.ipynb',
]) {
  for (const method of ['notebooks.open', 'notebooks.stat', 'notebooks.delete']) {
    add(`${method} ${p}`, method, { path: p }, 'PATH_OUTSIDE_WORKSPACE');
  }
  add(
    `notebooks.save ${p}`,
    'notebooks.save',
    { path: p, notebook: nb(), force: true },
    'PATH_OUTSIDE_WORKSPACE',
  );
  add(
    `notebooks.rename to ${p}`,
    'notebooks.rename',
    { from: 'notebooks/a.ipynb', to: p },
    'PATH_OUTSIDE_WORKSPACE',
  );
}
for (const p of [
  '',
  'a\0.ipynb',
  'notebooks/\ud800.ipynb',
  'notebooks/\udc00x.ipynb',
  `${'a'.repeat(2000)}.ipynb`,
]) {
  add(`notebooks.open ${JSON.stringify(p).slice(0, 30)}`, 'notebooks.open', { path: p });
  add(`notebooks.save ${JSON.stringify(p).slice(0, 30)}`, 'notebooks.save', { path: p, notebook: nb() });
}
add('notebooks.open a file that is not a notebook', 'notebooks.open', { path: 'lakebench.yaml' });
add('notebooks.open a missing notebook', 'notebooks.open', { path: 'notebooks/missing.ipynb' }, 'NOT_FOUND');
add(
  'notebooks.delete a missing notebook',
  'notebooks.delete',
  { path: 'notebooks/missing.ipynb' },
  'NOT_FOUND',
);

// Wrong types and values of single fields.
add('notebooks.create with a NUL', 'notebooks.create', { name: 'a\0b' });
add('notebooks.create with a lone surrogate', 'notebooks.create', { name: 'x\ud800' });
add('notebooks.create with a slash', 'notebooks.create', { name: 'a/b' });
add('notebooks.create with a huge name', 'notebooks.create', { name: 'a'.repeat(1_000_000) });
add('notebooks.create named .hidden', 'notebooks.create', { name: '.hidden' });
add('notebooks.save without cells', 'notebooks.save', { path: 'notebooks/a.ipynb', notebook: {} });
add('notebooks.save with cells as text', 'notebooks.save', { path: 'notebooks/a.ipynb', notebook: nb('x') });
add('notebooks.save with a bad cell id', 'notebooks.save', {
  path: 'notebooks/a.ipynb',
  notebook: nb([{ id: 'a b', language: 'sql', source: '', metadata: {}, outputs: [], executionCount: null }]),
});
add('notebooks.save with an unknown language', 'notebooks.save', {
  path: 'notebooks/a.ipynb',
  notebook: nb([{ id: 'a', language: 'cobol', source: '', metadata: {}, outputs: [], executionCount: null }]),
});
add('notebooks.save with baseMtimeMs as text', 'notebooks.save', {
  path: 'notebooks/a.ipynb',
  notebook: nb(),
  baseMtimeMs: 'yesterday',
});
add('notebooks.save with force as text', 'notebooks.save', {
  path: 'notebooks/a.ipynb',
  notebook: nb(),
  force: 'yes',
});
add('notebooks.rename without to', 'notebooks.rename', { from: 'notebooks/a.ipynb' });
add('workspace.open with a NUL', 'workspace.open', { path: '/tmp/a\0b' });
add('workspace.open with a huge path', 'workspace.open', { path: 'x'.repeat(5000) });
add('workspace.open with create as text', 'workspace.open', { path: '/tmp/x', create: 'no' });
add('runQuery with sql as a number', 'warehouse.runQuery', { sql: 1 });
add('runQuery with negative maxRows', 'warehouse.runQuery', { sql: 'SELECT 1', maxRows: -1 });
add('runQuery with fractional maxRows', 'warehouse.runQuery', { sql: 'SELECT 1', maxRows: 1.5 });
add('runQuery with maxRows as text', 'warehouse.runQuery', { sql: 'SELECT 1', maxRows: '10' });
add('runQuery with maxRows 1e20', 'warehouse.runQuery', { sql: 'SELECT 1', maxRows: 1e20 });
add('runQuery with a spaced query id', 'warehouse.runQuery', { sql: 'SELECT 1', queryId: 'a b' });
add('runQuery with a long query id', 'warehouse.runQuery', { sql: 'SELECT 1', queryId: 'q'.repeat(101) });
add('runQuery with origin as text', 'warehouse.runQuery', { sql: 'SELECT 1', origin: 'x' });
add('runQuery with 10 MB of SQL', 'warehouse.runQuery', { sql: 'x'.repeat(10_000_001) });
add('cancelQuery with a NUL id', 'warehouse.cancelQuery', { queryId: 'a\0' });
add('operations.cancel with a number', 'operations.cancel', { operationId: 5 });
add('operations.cancel with an empty id', 'operations.cancel', { operationId: '' });
add('operations.cancel with a spaced id', 'operations.cancel', { operationId: 'a b' });
add('operations.cancel with a huge id', 'operations.cancel', { operationId: 'o'.repeat(100_000) });
add('kernels.execute without code', 'kernels.execute', {
  notebook: 'notebooks/a.ipynb',
  cellId: 'c',
  executionId: 'e',
});
add(
  'kernels.execute outside the workspace',
  'kernels.execute',
  {
    notebook: '../a.ipynb',
    cellId: 'c',
    code: '1',
    executionId: 'e1',
  },
  'INVALID_REQUEST',
  'PATH_OUTSIDE_WORKSPACE',
);
add('pipelines.get with a path id', 'pipelines.get', { id: '../../etc/passwd' });
add(
  'pipelines.get a missing pipeline',
  'pipelines.get',
  { id: 'no_such_pipeline' },
  'NOT_FOUND',
  'PIPELINE_INVALID',
);
add('tracker.getRun with a number', 'tracker.getRun', { runId: 7 });
add(
  'tracker.getRun a missing run',
  'tracker.getRun',
  { runId: 'f'.repeat(32) },
  'NOT_FOUND',
  'INVALID_PARAMETER_VALUE',
);

type FrameCase = { name: string; data: () => Uint8Array | string; codes: number[] };
const frameCases: FrameCase[] = [
  { name: 'a text frame', data: () => 'hello', codes: [1003] },
  {
    name: 'a JSON text frame',
    data: () => '{"t":"call","id":1,"method":"app.getInfo","args":{}}',
    codes: [1003],
  },
  { name: 'an empty binary frame', data: () => new Uint8Array(0), codes: [1003] },
  { name: 'a one-byte frame', data: () => new Uint8Array([1]), codes: [1003] },
  { name: 'a three-byte frame', data: () => new Uint8Array([1, 2, 3]), codes: [1003] },
  {
    name: 'a header longer than the frame',
    data: () => new Uint8Array([255, 255, 0, 0, 123]),
    codes: [1003],
  },
  { name: 'invalid JSON', data: () => frame('{"t":'), codes: [1003] },
  { name: 'JSON with a trailing comma', data: () => frame('{"t":"call",}'), codes: [1003] },
  { name: 'invalid UTF-8', data: () => rawFrame([0x22, 0xff, 0xfe, 0x22]), codes: [1003] },
  { name: 'an encoded lone surrogate', data: () => rawFrame([0x22, 0xed, 0xa0, 0x80, 0x22]), codes: [1003] },
  { name: 'an overlong UTF-8 encoding', data: () => rawFrame([0x22, 0xc0, 0xaf, 0x22]), codes: [1003] },
  { name: 'JSON null', data: () => frame('null'), codes: [1003] },
  { name: 'a JSON number', data: () => frame('42'), codes: [1003] },
  { name: 'a JSON string', data: () => frame('"call"'), codes: [1003] },
  { name: 'a JSON array', data: () => frame('[]'), codes: [1003] },
  { name: 'an object without t', data: () => frame('{}'), codes: [1003] },
  { name: 't as a number', data: () => frame('{"t":5}'), codes: [1003] },
  {
    name: 'a reply from the client',
    data: () => frame('{"t":"reply","id":1,"ok":true,"value":1}'),
    codes: [1008],
  },
  {
    name: 'an event from the client',
    data: () => frame('{"t":"event","name":"x","payload":{}}'),
    codes: [1008],
  },
  {
    name: 'a call without an id',
    data: () => frame('{"t":"call","method":"app.getInfo","args":{}}'),
    codes: [1008],
  },
  {
    name: 'a call with a text id',
    data: () => frame('{"t":"call","id":"1","method":"app.getInfo"}'),
    codes: [1008],
  },
  {
    name: 'a call with a fractional id',
    data: () => frame('{"t":"call","id":1.5,"method":"app.getInfo"}'),
    codes: [1008],
  },
  {
    name: 'a call with a huge id',
    data: () => frame('{"t":"call","id":1e300,"method":"app.getInfo"}'),
    codes: [1008],
  },
  {
    name: 'a call with a null id',
    data: () => frame('{"t":"call","id":null,"method":"app.getInfo"}'),
    codes: [1008],
  },
  {
    name: 'a missing binary part',
    data: () => frame('{"t":"call","id":1,"method":"x","args":{"$bin":3}}'),
    codes: [1003],
  },
  {
    name: 'a truncated binary part',
    data: () => {
      const f = frame('{"t":"call","id":1,"method":"x","args":{"$bin":0}}', new Uint8Array(10));
      return f.subarray(0, f.length - 4);
    },
    codes: [1003],
  },
  { name: 'a frame over the size limit', data: () => new Uint8Array(MAX_MESSAGE_BYTES + 1), codes: [1009] },
];

describe('the WebSocket API under bad input', () => {
  let health: RawSocket;
  let caller: RawSocket;
  beforeAll(async () => {
    health = await RawSocket.open();
    caller = await RawSocket.open();
  });
  afterAll(() => {
    health.close();
    caller.close();
  });

  const healthy = async (socket = health) => {
    const reply = await socket.call('app.getInfo', {});
    expect(reply).toMatchObject({ t: 'reply', ok: true });
  };

  it('has a corpus of well over a hundred cases', () => {
    expect(callCases.length + frameCases.length).toBeGreaterThan(150);
  });

  it('answers every bad call with a clear error, on a connection that stays open', async () => {
    for (const c of callCases) {
      const reply = await caller.call(c.method, c.args);
      expect(reply.t, c.name).toBe('reply');
      if (reply.t !== 'reply') continue;
      expect(reply.ok, `${c.name} should fail`).toBe(false);
      if (reply.ok) continue;
      expect(c.codes, `${c.name}: ${reply.error.code} ${reply.error.message}`).toContain(reply.error.code);
      expect(ERROR_CODES as readonly string[]).toContain(reply.error.code);
      expect(reply.error.message.length, c.name).toBeGreaterThan(5);
      await healthy(caller);
    }
    // Nothing was written outside the workspace or into engine state by any of it.
    expect((await core.workspace.listFiles()).map((f) => f.path).filter((p) => p.endsWith('.ipynb'))).toEqual(
      [],
    );
  }, 120_000);

  it('closes a connection that sends what is not a call, with a code and a reason, and serves the others', async () => {
    for (const c of frameCases) {
      const socket = await RawSocket.open();
      socket.ws.send(c.data());
      const closed = await socket.closed;
      expect(c.codes, `${c.name}: closed ${closed.code} ${closed.reason}`).toContain(closed.code);
      expect(closed.reason.length, c.name).toBeGreaterThan(5);
      await healthy();
    }
  }, 120_000);

  it('refuses a notebook save over the message limit before sending it, with a clear error', async () => {
    const { client, close } = await connectWs(`ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`);
    try {
      const big = 'x'.repeat(MAX_MESSAGE_BYTES + 1024);
      const cell = { id: 'a', language: 'sql', source: big, metadata: {}, outputs: [], executionCount: null };
      await expect(
        client.call('notebooks.save', { path: 'notebooks/big.ipynb', notebook: nb([cell]) as never }),
      ).rejects.toMatchObject({ code: 'REQUEST_TOO_LARGE', message: expect.stringMatching(/at most 64 MB/) });
      // The same connection still works.
      expect((await client.call('app.getInfo', {})).version).toBe('0.1.0');
    } finally {
      close();
    }
  }, 60_000);

  it('does not let pathological requests on one connection delay a simple one on another', async () => {
    const busy = await RawSocket.open();
    try {
      const deep = `${'d/'.repeat(500)}x.ipynb`;
      const load: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i++) {
        load.push(busy.call('notebooks.open', { path: deep }));
        load.push(busy.call('notebooks.save', { path: `${'../'.repeat(300)}x.ipynb`, notebook: nb() }));
        load.push(busy.call('workspace.listFiles', {}));
      }
      load.push(
        busy.call('warehouse.runQuery', {
          sql: 'SELECT count(*) FROM range(100000000000) a(i) WHERE i % 7 = 3',
          queryId: 'slow-one',
        }),
      );
      const started = performance.now();
      await healthy();
      const waited = performance.now() - started;
      expect(waited).toBeLessThan(1000);
      await Promise.all(load);
      await busy.call('operations.cancel', { operationId: 'slow-one' });
    } finally {
      busy.close();
    }
  }, 60_000);
});
