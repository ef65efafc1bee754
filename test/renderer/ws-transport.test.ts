import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeMessage, encodeMessage } from '../../shared/api/wire';
import { createWsTransport, type SocketLike, type WsTransportOptions } from '../../renderer/api/ws-transport';

class FakeSocket implements SocketLike {
  binaryType = 'blob';
  readyState = 0;
  sent: Uint8Array[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: Uint8Array) {
    this.sent.push(data);
  }
  close() {}
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(bytes: Uint8Array) {
    this.onmessage?.({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

describe('WebSocket transport', () => {
  let sockets: FakeSocket[];
  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
  });
  afterEach(() => vi.useRealTimers());

  const make = (extra: Partial<WsTransportOptions> = {}) =>
    createWsTransport({
      ...extra,
      url: 'ws://127.0.0.1:1/api/ws?token=t',
      minBackoffMs: 100,
      createSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
    });

  it('sends calls once open and resolves them with the reply', async () => {
    const t = make();
    expect(t.getStatus()).toEqual({ mode: 'browser', state: 'connecting' });
    const reply = t.request('app.getInfo', {});
    expect(sockets[0].sent).toHaveLength(0);
    sockets[0].open();
    expect(sockets[0].binaryType).toBe('arraybuffer');
    expect(t.getStatus().state).toBe('connected');
    const call = decodeMessage(sockets[0].sent[0]);
    expect(call).toMatchObject({ t: 'call', method: 'app.getInfo', args: {} });
    if (call.t !== 'call') throw new Error('not a call');
    sockets[0].receive(encodeMessage({ t: 'reply', id: call.id, ok: true, value: { version: '1' } }));
    await expect(reply).resolves.toEqual({ ok: true, value: { version: '1' } });
  });

  it('delivers events with binary parts intact', async () => {
    const t = make();
    sockets[0].open();
    const seen: unknown[] = [];
    t.subscribe((name, payload) => seen.push([name, payload]));
    sockets[0].receive(
      encodeMessage({
        t: 'event',
        name: 'warehouse.onQueryBatch',
        payload: { arrow: new Uint8Array([1, 2, 3]) },
      }),
    );
    await Promise.resolve();
    expect(seen).toHaveLength(1);
    const [name, payload] = seen[0] as [string, { arrow: Uint8Array }];
    expect(name).toBe('warehouse.onQueryBatch');
    expect([...payload.arrow]).toEqual([1, 2, 3]);
  });

  it('fetches parts left on the host and still delivers messages in the order they came', async () => {
    const fetched: string[] = [];
    let release: (bytes: Uint8Array) => void = () => undefined;
    const t = make({
      fetchBlob: (id: string) => {
        fetched.push(id);
        return new Promise<Uint8Array>((resolve) => (release = resolve));
      },
    });
    sockets[0].open();
    const seen: string[] = [];
    t.subscribe((name, payload) =>
      seen.push(`${name}:${(payload as { arrow?: Uint8Array }).arrow?.length ?? '-'}`),
    );
    const spill = (bytes: Uint8Array) => (bytes.length > 2 ? 'blob-1' : null);
    sockets[0].receive(
      encodeMessage(
        { t: 'event', name: 'warehouse.onQueryBatch', payload: { arrow: new Uint8Array([1, 2, 3, 4]) } },
        spill,
      ),
    );
    sockets[0].receive(encodeMessage({ t: 'event', name: 'warehouse.onQueryFinished', payload: {} }, spill));
    await vi.advanceTimersByTimeAsync(10);
    expect(fetched).toEqual(['blob-1']);
    expect(seen).toEqual([]);
    release(new Uint8Array([1, 2, 3, 4]));
    await vi.advanceTimersByTimeAsync(10);
    expect(seen).toEqual(['warehouse.onQueryBatch:4', 'warehouse.onQueryFinished:-']);
  });

  it('fails pending calls with TRANSPORT_CLOSED, then reconnects with backoff', async () => {
    const t = make();
    const states: string[] = [];
    t.onStatus((s) => states.push(s.state));
    sockets[0].open();
    const pending = t.request('workspace.listFiles', {});
    sockets[0].drop();
    await expect(pending).resolves.toMatchObject({ ok: false, error: { code: 'TRANSPORT_CLOSED' } });
    expect(t.getStatus().state).toBe('reconnecting');
    // While away, calls fail at once instead of hanging.
    await expect(t.request('app.getInfo', {})).resolves.toMatchObject({
      ok: false,
      error: { code: 'TRANSPORT_CLOSED' },
    });
    vi.advanceTimersByTime(200);
    expect(sockets).toHaveLength(2);
    sockets[1].drop();
    vi.advanceTimersByTime(140);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(200);
    expect(sockets).toHaveLength(3);
    sockets[2].open();
    expect(states).toEqual(['connected', 'reconnecting', 'reconnecting', 'connected']);
  });
});
