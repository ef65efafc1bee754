import type { ClientTransport, ResponseEnvelope } from '../../shared/api/client';
import { toErrorData } from '../../shared/errors';
import type { ConnectionReporter, ConnectionStatus } from './connection';

/**
 * The object the Electron preload exposes as `window.lakebench`. This file touches no DOM global at import time,
 * so a contract test can drive `createIpcTransport` with an in-memory stand-in.
 */
export interface LakebenchBridge {
  call(method: string, args: unknown): Promise<ResponseEnvelope>;
  onEvent(listener: (name: string, payload: unknown) => void): () => void;
}

function isEnvelope(value: unknown): value is ResponseEnvelope {
  if (!value || typeof value !== 'object') return false;
  const v = value as { ok?: unknown; error?: unknown };
  if (v.ok === true) return true;
  if (v.ok !== false || !v.error || typeof v.error !== 'object') return false;
  const e = v.error as { code?: unknown; message?: unknown };
  return typeof e.code === 'string' && typeof e.message === 'string';
}

export function createIpcTransport(bridge: LakebenchBridge): ClientTransport & ConnectionReporter {
  const status: ConnectionStatus = { mode: 'desktop', state: 'connected' };
  return {
    async request(method, args) {
      try {
        const reply: unknown = await bridge.call(method, args);
        if (isEnvelope(reply)) return reply;
        return {
          ok: false,
          error: { code: 'INTERNAL', message: `the desktop bridge gave a malformed reply to ${method}` },
        };
      } catch (err) {
        // The bridge itself failed (the main process is gone or refused the channel): report it as data.
        const data = toErrorData(err);
        return { ok: false, error: { code: 'TRANSPORT_CLOSED', message: data.message } };
      }
    },
    subscribe(listener) {
      return bridge.onEvent(listener);
    },
    getStatus: () => status,
    onStatus: () => () => {},
  };
}
