import type { ClientTransport, ResponseEnvelope } from '../../shared/api/client';
import {
  decodeMessage,
  encodeMessage,
  hasBlobRefs,
  MAX_MESSAGE_BYTES,
  resolveBlobRefs,
  type WireMessage,
} from '../../shared/api/wire';
import { errorMessage } from '../../shared/errors';
import type { ConnectionReporter, ConnectionStatus } from './connection';

/** Browser mode: the same API over one WebSocket to `lakebench serve`, with automatic reconnection. */

/** The part of the browser's WebSocket this transport uses (tests pass a stand-in). */
export interface SocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

const OPEN = 1;

export interface WsTransportOptions {
  url: string;
  /** Delays between reconnection attempts grow from min to max. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  createSocket?: (url: string) => SocketLike;
  /** Fetches a large binary part the host left for HTTP (default: fetch `/api/blobs/<id>` beside the socket). */
  fetchBlob?: (id: string) => Promise<Uint8Array>;
}

/** The HTTP address of a blob, beside the WebSocket's address and with its token. */
export function blobUrl(socketUrl: string, id: string): string {
  const url = new URL(socketUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = `/api/blobs/${encodeURIComponent(id)}`;
  return url.toString();
}

async function fetchBlobOverHttp(url: string): Promise<Uint8Array> {
  const res = await fetch(url, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`HTTP ${res.status} for a result part`);
  return new Uint8Array(await res.arrayBuffer());
}

interface PendingCall {
  resolve: (reply: ResponseEnvelope) => void;
  frame: Uint8Array;
  sent: boolean;
}

function browserSocket(url: string): SocketLike {
  const Ctor = (globalThis as unknown as { WebSocket?: new (url: string) => SocketLike }).WebSocket;
  if (!Ctor) throw new Error('this environment has no WebSocket');
  return new Ctor(url);
}

export function createWsTransport(
  options: WsTransportOptions,
): ClientTransport & ConnectionReporter & { close(): void } {
  const minBackoff = options.minBackoffMs ?? 250;
  const maxBackoff = options.maxBackoffMs ?? 8000;
  const create = options.createSocket ?? browserSocket;
  const listeners = new Set<(name: string, payload: unknown) => void>();
  const statusListeners = new Set<(s: ConnectionStatus) => void>();
  const pending = new Map<number, PendingCall>();
  let status: ConnectionStatus = { mode: 'browser', state: 'connecting' };
  let socket: SocketLike | null = null;
  let nextId = 1;
  let attempt = 0;
  let stopped = false;
  const fetchBlob = options.fetchBlob ?? ((id: string) => fetchBlobOverHttp(blobUrl(options.url, id)));
  // Messages are handled in the order they came, even when an earlier one still waits for its bytes.
  let delivery: Promise<void> = Promise.resolve();

  function deliver(message: WireMessage) {
    if (message.t === 'reply') {
      const call = pending.get(message.id);
      if (!call) return;
      pending.delete(message.id);
      call.resolve(message.ok ? { ok: true, value: message.value } : { ok: false, error: message.error });
    } else if (message.t === 'event') {
      for (const l of [...listeners]) l(message.name, message.payload);
    }
  }

  function setStatus(next: ConnectionStatus) {
    status = next;
    for (const l of [...statusListeners]) l(next);
  }

  function failPending(message: string) {
    const calls = [...pending.values()];
    pending.clear();
    for (const call of calls) call.resolve({ ok: false, error: { code: 'TRANSPORT_CLOSED', message } });
  }

  function connect() {
    let ws: SocketLike;
    try {
      ws = create(options.url);
    } catch (err) {
      scheduleReconnect(errorMessage(err));
      return;
    }
    ws.binaryType = 'arraybuffer';
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      setStatus({ mode: 'browser', state: 'connected' });
      for (const call of pending.values()) {
        if (!call.sent) {
          ws.send(call.frame);
          call.sent = true;
        }
      }
    };
    ws.onmessage = (ev) => {
      if (!(ev.data instanceof ArrayBuffer)) {
        console.warn('Lakebench: a text frame from the host was ignored (the host sends binary frames only)');
        return;
      }
      let message;
      try {
        message = decodeMessage(new Uint8Array(ev.data));
      } catch (err) {
        console.error('Lakebench: a malformed frame from the host was dropped', err);
        return;
      }
      const decoded = message;
      if (!hasBlobRefs(decoded)) {
        delivery = delivery.then(() => deliver(decoded));
        return;
      }
      // Start fetching at once; deliver when every earlier message has been delivered.
      const ready = resolveBlobRefs(decoded, fetchBlob);
      delivery = delivery.then(() =>
        ready.then(deliver, (err: unknown) =>
          console.error('Lakebench: a result part could not be fetched', err),
        ),
      );
    };
    ws.onclose = (ev) => {
      if (socket !== ws) return;
      socket = null;
      const why =
        ev.reason ||
        (ev.code === 1000 ? 'the connection was closed' : `the connection was lost (${ev.code})`);
      failPending(`Lakebench host unreachable: ${why}`);
      scheduleReconnect(why);
    };
    // An error is always followed by close, which does the work.
    ws.onerror = () => {};
  }

  function scheduleReconnect(detail: string) {
    if (stopped) return;
    setStatus({ mode: 'browser', state: 'reconnecting', detail });
    const delay = Math.min(maxBackoff, minBackoff * 2 ** attempt);
    attempt = Math.min(attempt + 1, 16);
    setTimeout(connect, delay * (0.75 + Math.random() * 0.5));
  }

  connect();

  return {
    /** Closes the connection for good: no reconnection, pending calls fail. */
    close() {
      stopped = true;
      socket?.close(1000, 'closed by the client');
      socket = null;
      failPending('the connection was closed');
    },
    request(method, args) {
      return new Promise<ResponseEnvelope>((resolve) => {
        const id = nextId++;
        let frame: Uint8Array;
        try {
          frame = encodeMessage({ t: 'call', id, method, args });
        } catch (err) {
          resolve({ ok: false, error: { code: 'INVALID_REQUEST', message: errorMessage(err) } });
          return;
        }
        if (frame.byteLength > MAX_MESSAGE_BYTES) {
          const mb = (n: number) => `${Math.ceil(n / (1024 * 1024))} MB`;
          resolve({
            ok: false,
            error: {
              code: 'REQUEST_TOO_LARGE',
              message: `This request (${method}) is ${mb(frame.byteLength)}; at most ${mb(MAX_MESSAGE_BYTES)} travel in one message. For a notebook, clear large outputs and save again.`,
            },
          });
          return;
        }
        const call: PendingCall = { resolve, frame, sent: false };
        pending.set(id, call);
        if (socket && socket.readyState === OPEN) {
          socket.send(frame);
          call.sent = true;
        } else if (status.state === 'reconnecting') {
          // Asking while the host is away fails at once rather than hanging; the caller shows the message.
          pending.delete(id);
          resolve({
            ok: false,
            error: { code: 'TRANSPORT_CLOSED', message: 'not connected to the Lakebench host' },
          });
        }
        // While the first connection opens, the call waits and is sent on open.
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getStatus: () => status,
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
  };
}
