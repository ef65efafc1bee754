import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, mkdir, stat, unlink } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeMessage, encodeMessage, type WireMessage } from '../../shared/api/wire';
import type { LakebenchCore } from '../core/app';
import { contentTypeOf } from '../core/web-content';
import { writeFileAtomic } from '../core/workspace';
import { BlobStore, SPILL_BYTES } from './blobs';
import { handleMlflowRequest } from './mlflow';

export const TOKEN_COOKIE = 'lakebench_token';

/** The renderer's CSP; the same policy the desktop app's pages get. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

export interface ServerOptions {
  core: LakebenchCore;
  /** 0 picks a free port. */
  port?: number;
  /** A fixed token (tests); otherwise a random one. */
  token?: string;
  /** The built renderer (dist/renderer); without it only the API is served. */
  rendererDir?: string | null;
  /** Write .lakebench/server.json (port and token, mode 0600) into the open workspace. */
  writeServerJson?: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function hostAllowed(hostHeader: string | undefined, port: number): boolean {
  if (!hostHeader) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader.toLowerCase());
  if (!m) return false;
  return LOOPBACK_HOSTS.has(m[1]) && (m[2] === undefined ? port === 80 : Number(m[2]) === port);
}

function originAllowed(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true; // not a browser, or a same-origin GET
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' && hostAllowed(url.host, port);
  } catch {
    return false;
  }
}

function cookieToken(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === TOKEN_COOKIE) return decodeURIComponent(v.join('='));
  }
  return null;
}

function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token a request carries: `?token=`, `Authorization: Bearer`, or the cookie set on the first page load. */
export function requestToken(req: http.IncomingMessage, url: URL): string | null {
  const q = url.searchParams.get('token');
  if (q) return q;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  return cookieToken(req.headers.cookie);
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${text}\n`);
}

function rejectUpgrade(socket: Socket, status: number, reason: string): void {
  socket.write(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

/** Serves the API over a WebSocket and the built renderer over HTTP, on 127.0.0.1 only, behind a token. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { core } = options;
  const token = options.token ?? randomBytes(24).toString('base64url');
  const rendererDir = options.rendererDir ? path.resolve(options.rendererDir) : null;
  let port = options.port ?? 0;
  let clientCounter = 0;
  const blobs = new BlobStore();

  const server = http.createServer((req, res) => {
    void handleHttp(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        sendText(res, 500, `Lakebench: ${err instanceof Error ? err.message : String(err)}`);
      else res.destroy();
    });
  });

  async function handleHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers.host, port))
      return sendText(res, 403, 'Lakebench: this server answers only on 127.0.0.1');
    if (!originAllowed(req.headers.origin, port))
      return sendText(res, 403, 'Lakebench: requests from other sites are refused');
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const given = requestToken(req, url);
    if (!sameToken(given, token)) {
      res.setHeader('www-authenticate', 'Bearer realm="lakebench"');
      return sendText(
        res,
        401,
        'Lakebench: a valid token is required; open the URL that `lakebench serve` printed',
      );
    }
    if (await handleMlflowRequest(req, res, url, core)) return;
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendText(res, 405, 'Lakebench: method not allowed');
    if (url.pathname.startsWith('/api/blobs/')) {
      const bytes = blobs.take(decodeURIComponent(url.pathname.slice('/api/blobs/'.length)));
      if (!bytes) return sendText(res, 404, 'Lakebench: no such result part (already fetched or expired)');
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String(bytes.byteLength),
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      res.end(bytes);
      return;
    }
    if (url.pathname === '/api/health') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ ok: true, workspace: core.workspace.root }));
      return;
    }
    if (!rendererDir) return sendText(res, 404, 'Lakebench: this server was started without the renderer');
    let decoded: string;
    try {
      decoded = decodeURIComponent(url.pathname);
    } catch {
      return sendText(res, 400, 'Lakebench: malformed percent-encoding in the path');
    }
    const rel = decoded.replace(/^\/+/, '') || 'index.html';
    const file = path.resolve(rendererDir, rel);
    if (file !== rendererDir && !file.startsWith(rendererDir + path.sep))
      return sendText(res, 404, 'Not found');
    let target = file;
    let info = await stat(target).catch(() => null);
    if (!info || !info.isFile()) {
      // An unknown path without an extension is a route of the app: serve the page.
      if (path.extname(rel)) return sendText(res, 404, 'Not found');
      target = path.join(rendererDir, 'index.html');
      info = await stat(target).catch(() => null);
      if (!info) return sendText(res, 404, 'Lakebench: the renderer is not built; run `npm run build`');
    }
    const isPage = target.endsWith('.html');
    const headers: Record<string, string> = {
      'content-type': contentTypeOf(target),
      'content-length': String(info.size),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': isPage ? 'no-store' : 'private, max-age=3600',
    };
    if (isPage) {
      headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
      headers['x-frame-options'] = 'DENY';
      headers['set-cookie'] =
        `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    createReadStream(target).pipe(res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  server.on('upgrade', (req, socket: Socket, head) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'invalid'}`);
    if (!hostAllowed(req.headers.host, port)) return rejectUpgrade(socket, 403, 'Forbidden');
    if (!originAllowed(req.headers.origin, port)) return rejectUpgrade(socket, 403, 'Forbidden');
    if (url.pathname !== '/api/ws') return rejectUpgrade(socket, 404, 'Not Found');
    if (!sameToken(requestToken(req, url), token)) return rejectUpgrade(socket, 401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws));
  });

  function serveSocket(ws: WebSocket): void {
    const clientId = `ws-${++clientCounter}`;
    const spill = (bytes: Uint8Array) =>
      bytes.byteLength >= SPILL_BYTES ? blobs.put(clientId, bytes) : null;
    const send = (message: WireMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(encodeMessage(message, spill));
    };
    const unsubscribe = core.host.subscribe((name, payload, to) => {
      if (to === undefined || to === clientId) send({ t: 'event', name, payload });
    });
    ws.on('message', (data, isBinary) => {
      let message: WireMessage;
      try {
        const bytes = isBinary ? new Uint8Array(data as Buffer) : new TextEncoder().encode(String(data));
        message = decodeMessage(bytes);
      } catch (err) {
        ws.close(
          1003,
          `Lakebench: unreadable message (${err instanceof Error ? err.message : String(err)})`.slice(0, 120),
        );
        return;
      }
      if (message.t !== 'call' || typeof message.id !== 'number') return;
      const { id } = message;
      void core.host.dispatch(message.method, message.args, { clientId }).then((reply) => {
        send(
          reply.ok
            ? { t: 'reply', id, ok: true, value: reply.value }
            : { t: 'reply', id, ok: false, error: reply.error },
        );
      });
    });
    const closed = () => {
      unsubscribe();
      blobs.dropClient(clientId);
    };
    ws.on('close', closed);
    ws.on('error', closed);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/?token=${encodeURIComponent(token)}`;

  const serverJsonFiles = new Set<string>();
  const writeServerJson = async (engineDir: string) => {
    const file = path.join(engineDir, 'server.json');
    await mkdir(engineDir, { recursive: true });
    await writeFileAtomic(
      file,
      `${JSON.stringify({ port, token, pid: process.pid, url }, null, 2)}\n`,
      0o600,
    );
    await chmod(file, 0o600);
    serverJsonFiles.add(file);
  };
  let unsubscribeOpened: () => void = () => undefined;
  if (options.writeServerJson !== false) {
    await writeServerJson(core.workspace.engineDir);
    unsubscribeOpened = core.host.subscribe((name) => {
      if (name === 'workspace.onOpened')
        void writeServerJson(core.workspace.engineDir).catch(() => undefined);
    });
  }

  return {
    url,
    port,
    token,
    async close() {
      unsubscribeOpened();
      blobs.close();
      for (const client of wss.clients) client.terminate();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      for (const file of serverJsonFiles) if (existsSync(file)) await unlink(file).catch(() => undefined);
    },
  };
}
