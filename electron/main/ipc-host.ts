import type { ApiHost, ResponseEnvelope } from '../../shared/api/client';
import { toErrorData } from '../../shared/errors';
import { CALL_CHANNEL, EVENT_CHANNEL, type IpcEventMessage } from '../preload/bridge';

export { CALL_CHANNEL, EVENT_CHANNEL };

/** The parts of Electron's IpcMainInvokeEvent the host looks at (structural, so tests need no Electron). */
export interface IpcInvokeEventLike {
  sender: { id: number };
  senderFrame: { url: string; parent?: unknown } | null;
}

/** The parts of Electron's ipcMain the host uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

/** Who may call: our own window's webContents, from its top frame, showing our own pages. */
export interface SenderPolicy {
  isOurWebContents(id: number): boolean;
  isTrustedUrl(url: string): boolean;
}

function refused(message: string): ResponseEnvelope {
  return { ok: false, error: { code: 'INVALID_REQUEST', message } };
}

/** Why a sender is refused, or null when it may call. */
export function checkSender(event: IpcInvokeEventLike, policy: SenderPolicy): string | null {
  if (!event || !event.sender || !policy.isOurWebContents(event.sender.id)) {
    return 'calls are only accepted from the Lakebench window';
  }
  const frame = event.senderFrame;
  // A null frame means it navigated away or was destroyed while the call was in flight.
  if (!frame) return 'the calling page is gone';
  if (frame.parent) return 'calls are only accepted from the top frame of the Lakebench window';
  if (!policy.isTrustedUrl(frame.url)) return 'calls are only accepted from Lakebench pages';
  return null;
}

/**
 * Serves the whole API contract over Electron IPC: one handler on the call channel dispatches every request
 * through the host (which validates it against the contract), and every host event is forwarded on the event
 * channel. Nothing here is per method. Errors always come back as `{ok:false, error}` envelopes, never as
 * rejections, because ipcMain.handle reduces a thrown error to a bare message string.
 * Returns a function that stops serving.
 */
export function serveApiOverIpc(
  ipcMain: IpcMainLike,
  host: ApiHost,
  sendEvent: (name: string, payload: unknown) => void,
  policy: SenderPolicy,
): () => void {
  ipcMain.handle(CALL_CHANNEL, async (event, message): Promise<ResponseEnvelope> => {
    const why = checkSender(event, policy);
    if (why) {
      console.warn(`Lakebench: refused an API call: ${why} (${event?.senderFrame?.url ?? 'unknown page'})`);
      return refused(why);
    }
    if (
      !message ||
      typeof message !== 'object' ||
      typeof (message as { method?: unknown }).method !== 'string'
    ) {
      return refused('a call needs a request name');
    }
    const { method, args } = message as { method: string; args?: unknown };
    try {
      return await host.dispatch(method, args, { clientId: `ipc:${event.sender.id}` });
    } catch (err) {
      // The host answers with envelopes itself; this only guards against a bug in it.
      return { ok: false, error: toErrorData(err) };
    }
  });

  const unsubscribe = host.subscribe((name, payload) => {
    try {
      sendEvent(name, payload);
    } catch (err) {
      console.error(`Lakebench: could not send the event ${name} to the window`, err);
    }
  });

  return () => {
    unsubscribe();
    ipcMain.removeHandler(CALL_CHANNEL);
  };
}

/** The message put on the event channel for one host event. */
export function eventMessage(name: string, payload: unknown): IpcEventMessage {
  return { name, payload };
}
