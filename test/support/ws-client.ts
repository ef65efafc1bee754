import WebSocket from 'ws';
import { createClient, type LakebenchClient } from '../../shared/api/client';
import { blobUrl, createWsTransport, type SocketLike } from '../../renderer/api/ws-transport';

/** Opens a raw WebSocket to the server and closes it again: resolves if the server accepts it. */
export async function probeWs(url: string, headers: Record<string, string> = {}): Promise<void> {
  const ws = new WebSocket(url, { headers });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  ws.close();
}

/** A client of the server through the renderer's own WebSocket transport, on Node's WebSocket and fetch. */
export async function connectWs(url: string): Promise<{ client: LakebenchClient; close: () => void }> {
  await probeWs(url);
  const transport = createWsTransport({
    url,
    createSocket: (u) => new WebSocket(u) as unknown as SocketLike,
    fetchBlob: async (id) => {
      const res = await fetch(blobUrl(url, id));
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    },
  });
  await new Promise<void>((resolve) => {
    const off = transport.onStatus((s) => {
      if (s.state === 'connected') {
        off();
        resolve();
      }
    });
  });
  return {
    client: createClient(transport),
    close: () => transport.close(),
  };
}
