import WebSocket from 'ws';
import {
  createClient,
  type ClientTransport,
  type LakebenchClient,
  type ResponseEnvelope,
} from '../../shared/api/client';
import { decodeMessage, encodeMessage } from '../../shared/api/wire';

/** A Node WebSocket client of the server, speaking the same wire format as the renderer. */
export async function connectWs(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ client: LakebenchClient; transport: ClientTransport; close: () => void }> {
  const ws = new WebSocket(url, { headers });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  let nextId = 1;
  const pending = new Map<number, (r: ResponseEnvelope) => void>();
  const listeners = new Set<(name: string, payload: unknown) => void>();
  ws.on('message', (data: Buffer) => {
    const msg = decodeMessage(new Uint8Array(data));
    if (msg.t === 'reply') {
      const resolve = pending.get(msg.id);
      pending.delete(msg.id);
      resolve?.(msg.ok ? { ok: true, value: msg.value } : { ok: false, error: msg.error });
    } else if (msg.t === 'event') {
      for (const l of listeners) l(msg.name, msg.payload);
    }
  });
  ws.on('close', () => {
    for (const resolve of pending.values()) {
      resolve({ ok: false, error: { code: 'TRANSPORT_CLOSED', message: 'the connection closed' } });
    }
    pending.clear();
  });
  const transport: ClientTransport = {
    request(method, args) {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        ws.send(encodeMessage({ t: 'call', id, method, args }));
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { client: createClient(transport), transport, close: () => ws.close() };
}
