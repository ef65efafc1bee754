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
