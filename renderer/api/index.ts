import { createClient, type LakebenchClient } from '../../shared/api/client';
import type { ConnectionReporter } from './connection';
import { createIpcTransport, type LakebenchBridge } from './ipc-transport';
import { createWsTransport, defaultSocketUrl } from './ws-transport';

declare global {
  interface Window {
    /** Exposed by the Electron preload; absent in browser mode. */
    lakebench?: LakebenchBridge;
  }
}

const transport = window.lakebench
  ? createIpcTransport(window.lakebench)
  : createWsTransport({ url: defaultSocketUrl() });

/** The renderer's one client: desktop IPC or the browser-mode WebSocket, chosen once at start. */
export const client: LakebenchClient = createClient(transport);
export const connection: ConnectionReporter = transport;
export type { LakebenchClient };
