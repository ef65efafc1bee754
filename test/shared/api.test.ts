import { describe, expect, it } from 'vitest';
import { requestNames, eventNames, requests } from '../../shared/api/contract';
import {
  EventBus,
  checkEvent,
  createApiHost,
  createClient,
  type RequestHandlers,
} from '../../shared/api/client';
import { decodeMessage, encodeMessage } from '../../shared/api/wire';
import { writeFile } from 'node:fs/promises';
import { ERROR_CODES, LakebenchError, formatLocation, isErrorCode, toErrorData } from '../../shared/errors';

describe('wire format', () => {
  it('carries binary values as bytes beside the JSON', () => {
    const arrow = new Uint8Array([1, 2, 3, 250]);
    const frame = encodeMessage({
      t: 'event',
      name: 'warehouse.onQueryBatch',
      payload: { queryId: 'q', arrow, list: [arrow] },
    });
    // The bytes are not turned into JSON numbers.
    expect(new TextDecoder().decode(frame)).not.toContain('250');
    const back = decodeMessage(frame);
    expect(back).toEqual({
      t: 'event',
      name: 'warehouse.onQueryBatch',
      payload: { queryId: 'q', arrow, list: [arrow] },
    });
    expect((back as { payload: { arrow: Uint8Array } }).payload.arrow).toBeInstanceOf(Uint8Array);
  });

  it('refuses truncated or foreign frames', () => {
    const frame = encodeMessage({ t: 'call', id: 1, method: 'x', args: { b: new Uint8Array(10) } });
    expect(() => decodeMessage(frame.subarray(0, frame.length - 3))).toThrow(/truncated/);
    expect(() => decodeMessage(new Uint8Array([1]))).toThrow(/too short/);
    const notOurs = new TextEncoder().encode('xx{"a":1}');
    const f = new Uint8Array(4 + notOurs.length);
    new DataView(f.buffer).setUint32(0, notOurs.length, true);
    f.set(notOurs, 4);
    expect(() => decodeMessage(f)).toThrow();
  });
});

describe('errors', () => {
  it('survive serialization with code, message and location', () => {
    const e = new LakebenchError('SQL_ERROR', 'bad', { line: 2, column: 3 });
    expect(LakebenchError.from(JSON.parse(JSON.stringify(e)))).toMatchObject({
      code: 'SQL_ERROR',
      message: 'bad',
      location: { line: 2, column: 3 },
    });
    expect(toErrorData(new Error('plain'))).toEqual({ code: 'INTERNAL', message: 'plain' });
    expect(formatLocation({ file: 'a.yaml', line: 3, column: 4 })).toBe('a.yaml:3:4');
    expect(formatLocation({ cellId: 'c1', task: 'load' })).toBe('cell c1, task load');
  });
});

describe('error codes', () => {
  it('let only the known codes cross a boundary', () => {
    expect(ERROR_CODES).toContain('NOT_FOUND');
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    expect(isErrorCode('NOT_FOUND')).toBe(true);
    expect(isErrorCode('ENOENT')).toBe(false);
    expect(toErrorData({ code: 'NOT_FOUND', message: 'gone' })).toEqual({
      code: 'NOT_FOUND',
      message: 'gone',
    });
    // Upper-case codes of libraries are not Lakebench's: they become INTERNAL with their message.
    expect(toErrorData(Object.assign(new Error('no such file'), { code: 'ENOENT' }))).toEqual({
      code: 'INTERNAL',
      message: 'no such file',
    });
    expect(toErrorData({ code: 'MADE_UP_CODE', message: 'x' })).toEqual({ code: 'INTERNAL', message: 'x' });
  });

  it('say plainly that the disk is full or the storage read-only', async () => {
    // /dev/full answers every write with ENOSPC, as a full disk does.
    const enospc = await writeFile('/dev/full', 'x').then(
      () => null,
      (err: unknown) => err,
    );
    expect(toErrorData(enospc)).toMatchObject({
      code: 'DISK_FULL',
      message: expect.stringMatching(/^The disk is full: /),
    });
    const sqliteFull = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    expect(toErrorData(sqliteFull).code).toBe('DISK_FULL');
    const duckdbFull = new Error('IO Error: Could not write file "x.duckdb.wal": No space left on device');
    expect(toErrorData(duckdbFull).code).toBe('DISK_FULL');
    const erofs = Object.assign(new Error("EROFS: read-only file system, open 'a'"), { code: 'EROFS' });
    expect(toErrorData(erofs)).toMatchObject({ code: 'STORAGE_READ_ONLY' });
    const readonlyDb = Object.assign(new Error('attempt to write a readonly database'), {
      code: 'SQLITE_READONLY',
    });
    expect(toErrorData(readonlyDb).code).toBe('STORAGE_READ_ONLY');
  });
});

describe('the contract and its host', () => {
  it('names requests as service.verb and events as service.onSomething', () => {
    for (const name of requestNames) expect(name).toMatch(/^[a-z]+\.[a-z][A-Za-z]+$/);
    for (const name of eventNames) expect(name).toMatch(/^[a-z]+\.on[A-Z][A-Za-z]+$/);
    for (const name of requestNames) expect(requests[name].summary.length).toBeGreaterThan(5);
  });

  function hostWith(partial: Partial<RequestHandlers>, validateResults = true) {
    const bus = new EventBus();
    const host = createApiHost(partial as RequestHandlers, bus, { validateResults });
    const client = createClient({
      request: (method, args) => host.dispatch(method, args, { clientId: 't' }),
      subscribe: (listener) => host.subscribe(listener),
    });
    return { bus, client };
  }

  it('applies defaults before the handler runs', async () => {
    let seen: unknown;
    const { client } = hostWith({
      'workspace.open': async (args) => {
        seen = args;
        return { root: '/x', name: 'x', isSample: false, settings: {} };
      },
    });
    await client.call('workspace.open', { path: '/x' });
    expect(seen).toEqual({ path: '/x', create: true });
  });

  it('turns a thrown LakebenchError into the same error on the client', async () => {
    const { client } = hostWith({
      'notebooks.open': async () => {
        throw new LakebenchError('NOTEBOOK_INVALID', 'broken', { file: 'a.ipynb', line: 1, column: 2 });
      },
    });
    await expect(client.call('notebooks.open', { path: 'a.ipynb' })).rejects.toMatchObject({
      code: 'NOTEBOOK_INVALID',
      location: { file: 'a.ipynb', line: 1, column: 2 },
    });
  });

  it('catches a result that breaks the contract', async () => {
    const { client } = hostWith({ 'notebooks.create': async () => ({ path: 42 }) as never });
    await expect(client.call('notebooks.create', { name: 'x' })).rejects.toMatchObject({
      code: 'INTERNAL',
      message: /path/,
    });
  });

  it('delivers events to every listener, even when one fails', () => {
    const { bus, client } = hostWith({});
    const got: string[] = [];
    client.on('workspace.onFilesChanged', () => {
      throw new Error('listener bug');
    });
    client.on('workspace.onFilesChanged', (p) => got.push(...p.paths));
    const err = console.error;
    console.error = () => undefined;
    bus.emit('workspace.onFilesChanged', { paths: ['a'] });
    console.error = err;
    expect(got).toEqual(['a']);
  });

  it('checks event payloads against the contract', () => {
    expect(checkEvent('workspace.onFilesChanged', { paths: ['a'] })).toBeNull();
    expect(checkEvent('workspace.onFilesChanged', { paths: 'a' })).toMatch(/paths/);
    expect(checkEvent('nope', {})).toMatch(/unknown event/);
  });
});
