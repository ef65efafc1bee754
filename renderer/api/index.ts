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

interface Link {
  client: LakebenchClient;
  connection: ConnectionReporter;
}

/** Always connected: what a client given by `setApiClient` (tests, in-memory) reports. */
const alwaysConnected: ConnectionReporter = {
  getStatus: () => ({ mode: 'desktop', state: 'connected' }),
  onStatus: () => () => {},
};

let link: Link | null = null;

/** Desktop IPC or the browser-mode WebSocket, chosen once, when the renderer first talks to the host. */
function current(): Link {
  if (!link) {
    const transport = window.lakebench
      ? createIpcTransport(window.lakebench)
      : createWsTransport({ url: defaultSocketUrl() });
    link = { client: createClient(transport), connection: transport };
  }
  return link;
}

/**
 * Points the renderer at another client, e.g. the in-memory one of shared/api/memory-client.ts in tests. Call it
 * before the code under test subscribes to events: listeners stay with the client they were added to.
 */
export function setApiClient(
  client: LakebenchClient,
  connection: ConnectionReporter = alwaysConnected,
): void {
  link = { client, connection };
}

/** The renderer's one client, whatever carries it. */
export const client: LakebenchClient = {
  call: (method, args) => current().client.call(method, args),
  on: (event, handler) => current().client.on(event, handler),
};
export const connection: ConnectionReporter = {
  getStatus: () => current().connection.getStatus(),
  onStatus: (listener) => current().connection.onStatus(listener),
};
export type { LakebenchClient };
