import { createClient, type LakebenchClient } from '../../shared/api/client';
import type { ConnectionReporter } from './connection';
import { createIpcTransport, type LakebenchBridge } from './ipc-transport';
import { createWsTransport } from './ws-transport';

declare global {
  interface Window {
    /** Exposed by the Electron preload; absent in browser mode. */
    lakebench?: LakebenchBridge;
  }
}

/** The WebSocket URL of the host that served this page, with the token the page was opened with. */
function defaultSocketUrl(): string {
  const params = new URLSearchParams(window.location.search);
  let token = params.get('token');
  try {
    // Kept for reloads of a URL without the token; the session's storage only, never written to disk.
    if (token) sessionStorage.setItem('lakebench.token', token);
    else token = sessionStorage.getItem('lakebench.token');
  } catch {
    // Storage may be disabled; the token from the URL is enough.
  }
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/api/ws?token=${encodeURIComponent(token ?? '')}`;
}

const transport = window.lakebench
  ? createIpcTransport(window.lakebench)
  : createWsTransport({ url: defaultSocketUrl() });

/** The renderer's one client: desktop IPC or the browser-mode WebSocket, chosen once at start. */
export const client: LakebenchClient = createClient(transport);
export const connection: ConnectionReporter = transport;
export type { LakebenchClient };
