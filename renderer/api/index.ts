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

/**
 * The WebSocket URL of the host that served this page. The page was opened with `?token=`; the server set the
 * token as an HttpOnly cookie with the page, so the token leaves the address (and the browser's history) at
 * once. The socket carries the cookie; the token stays in memory only, for this page's own reconnections.
 */
function defaultSocketUrl(): string {
  const here = new URL(window.location.href);
  const token = here.searchParams.get('token');
  if (token !== null) {
    here.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', here.toString());
  }
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  const base = `${scheme}://${window.location.host}/api/ws`;
  return token ? `${base}?token=${encodeURIComponent(token)}` : base;
}

const transport = window.lakebench
  ? createIpcTransport(window.lakebench)
  : createWsTransport({ url: defaultSocketUrl() });

/** The renderer's one client: desktop IPC or the browser-mode WebSocket, chosen once at start. */
export const client: LakebenchClient = createClient(transport);
export const connection: ConnectionReporter = transport;
export type { LakebenchClient };
