import type { ResponseEnvelope } from '../../shared/api/client';
import { errorMessage } from '../../shared/errors';

/** The two fixed channels between the preload and the main process; nothing else is ever sent or heard. */
export const CALL_CHANNEL = 'lakebench:call';
export const EVENT_CHANNEL = 'lakebench:event';

/** What travels on CALL_CHANNEL. */
export interface IpcCallMessage {
  method: string;
  args: unknown;
}

/** What travels on EVENT_CHANNEL. */
export interface IpcEventMessage {
  name: string;
  payload: unknown;
}

/** The part of Electron's ipcRenderer the bridge uses, so tests can hand it an in-memory stand-in. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/** `window.lakebench`: exactly what renderer/api/ipc-transport.ts expects, and not one thing more. */
export interface LakebenchBridge {
  call(method: string, args: unknown): Promise<ResponseEnvelope>;
  onEvent(listener: (name: string, payload: unknown) => void): () => void;
}

const MAX_METHOD_LENGTH = 200;

function failure(code: 'INVALID_REQUEST' | 'TRANSPORT_CLOSED', message: string): ResponseEnvelope {
  return { ok: false, error: { code, message } };
}

function isEventMessage(value: unknown): value is IpcEventMessage {
  return !!value && typeof value === 'object' && typeof (value as { name?: unknown }).name === 'string';
}

/**
 * Builds the renderer's bridge over ipcRenderer. The renderer never gets ipcRenderer, an IPC event object or a
 * channel name of its own choosing: only `call` on the call channel and the payloads of the event channel.
 */
export function createBridge(ipc: IpcRendererLike): LakebenchBridge {
  const listeners = new Set<(name: string, payload: unknown) => void>();
  let attached = false;

  // One ipcRenderer listener fans out to every subscriber; the IPC event (which carries `sender`) stays here.
  const onIpcEvent = (_event: unknown, message: unknown): void => {
    if (!isEventMessage(message)) return;
    for (const listener of [...listeners]) {
      try {
        listener(message.name, message.payload);
      } catch (err) {
        console.error(`Lakebench: a listener of ${message.name} failed`, err);
      }
    }
  };

  return {
    async call(method, args) {
      if (typeof method !== 'string' || method.length === 0 || method.length > MAX_METHOD_LENGTH) {
        return failure('INVALID_REQUEST', 'a request name must be a non-empty string');
      }
      const message: IpcCallMessage = { method, args };
      try {
        return (await ipc.invoke(CALL_CHANNEL, message)) as ResponseEnvelope;
      } catch (err) {
        // invoke rejects when the main process is gone or a value could not be cloned: report it as data.
        const detail = errorMessage(err);
        return failure('TRANSPORT_CLOSED', `the desktop app did not answer ${method}: ${detail}`);
      }
    },
    onEvent(listener) {
      if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
      listeners.add(listener);
      if (!attached) {
        ipc.on(EVENT_CHANNEL, onIpcEvent);
        attached = true;
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && attached) {
          ipc.removeListener(EVENT_CHANNEL, onIpcEvent);
          attached = false;
        }
      };
    },
  };
}
