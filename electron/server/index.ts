import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { chmod, mkdir, readFile, stat, unlink } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES, decodeMessage, encodeMessage, type WireMessage } from '../../shared/api/wire';
import { LakebenchError, errorMessage, toErrorData } from '../../shared/errors';
import type { LakebenchCore } from '../core/app';
import { contentTypeOf } from '../core/web-content';
import { processStartMs, serverJsonIsLive, writeFileAtomic } from '../core/workspace';
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

/** The cookie of the server on one port: cookies are shared between the ports of a host, tokens are not. */
export function tokenCookieName(port: number): string {
  return `${TOKEN_COOKIE}_${port}`;
}

function cookieToken(header: string | undefined, port: number): string | null {
  if (!header) return null;
  const name = tokenCookieName(port);
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeOrNull(v.join('='));
  }
  return null;
}

/** decodeURIComponent, or null for malformed percent-encoding (`%E0%A4%A`) instead of a URIError. */
function decodeOrNull(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token a request carries: `?token=`, `Authorization: Bearer`, or the cookie set on the first page load. */
export function requestToken(req: http.IncomingMessage, url: URL, port: number): string | null {
  const q = url.searchParams.get('token');
  if (q) return q;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  return cookieToken(req.headers.cookie, port);
}

async function checkNoOtherServer(file: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  let json: { pid?: unknown; startedAt?: unknown; port?: unknown };
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    return; // A half-written or foreign file: nothing runs behind it, it is replaced.
  }
  if (serverJsonIsLive(json)) {
    throw new LakebenchError(
      'WORKSPACE_LOCKED',
      `This workspace is open elsewhere: lakebench serve (process ${String(json.pid)}, port ${String(json.port)}). Close it there first.`,
      { file },
    );
  }
}

/** A file's stat, or null when there is none to serve (missing, or unreadable: the answer is 404 either way). */
async function fileInfo(file: string): Promise<Stats | null> {
  try {
    return await stat(file);
  } catch {
    return null;
  }
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${text}\n`);
}

function rejectUpgrade(socket: Socket, status: number, reason: string): void {
  socket.write(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

/**
 * Writes one record of an answered request to the logs: method, path without its query (where a token may be)
 * and without a one-time blob id, status and duration. Only queued: the request is not kept waiting.
 */
function logRequest(core: LakebenchCore, req: http.IncomingMessage, status: number, ms: number): void {
  const raw = (req.url ?? '/').split(/[?#]/, 1)[0];
  const pathOnly = raw.startsWith('/api/blobs/') ? '/api/blobs/*' : raw.slice(0, 2000);
  const method = (req.method ?? 'GET').slice(0, 20);
  const durationMs = Math.round(ms * 1000) / 1000;
  let logs;
  try {
    logs = core.logs;
  } catch (err) {
    // Between two workspaces no logs service is open: the request is not logged.
    if (err instanceof LakebenchError && err.code === 'WORKSPACE_NOT_OPEN') return;
    console.warn(`Lakebench: a request could not be logged: ${errorMessage(err)}`);
    return;
  }
  logs.write({
    source: { kind: 'server', method, path: pathOnly, status, durationMs },
    level: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info',
    message: `${method} ${pathOnly} ${status} ${durationMs.toFixed(1)} ms`,
  });
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
    const started = performance.now();
    res.once('finish', () => logRequest(core, req, res.statusCode, performance.now() - started));
    void handleHttp(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendText(res, 500, `Lakebench: ${errorMessage(err)}`);
      else res.destroy();
    });
  });

  async function handleHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers.host, port))
      return sendText(res, 403, 'Lakebench: this server answers only on 127.0.0.1');
    if (!originAllowed(req.headers.origin, port))
      return sendText(res, 403, 'Lakebench: requests from other sites are refused');
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const given = requestToken(req, url, port);
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
    const pathname = decodeOrNull(url.pathname);
    if (pathname === null) return sendText(res, 400, 'Lakebench: the address has malformed percent-encoding');
    if (url.pathname.startsWith('/api/blobs/')) {
      const bytes = blobs.take(pathname.slice('/api/blobs/'.length));
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
    const rel = pathname.replace(/^\/+/, '') || 'index.html';
    const file = path.resolve(rendererDir, rel);
    if (file !== rendererDir && !file.startsWith(rendererDir + path.sep))
      return sendText(res, 404, 'Not found');
    let target = file;
    let info = await fileInfo(target);
    if (!info || !info.isFile()) {
      // An unknown path without an extension is a route of the app: serve the page.
      if (path.extname(rel)) return sendText(res, 404, 'Not found');
      target = path.join(rendererDir, 'index.html');
      info = await fileInfo(target);
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
      // The page drops ?token= from its address; this cookie authenticates its later requests and its socket.
      headers['set-cookie'] =
        `${tokenCookieName(port)}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    createReadStream(target).pipe(res);
  }

  // Frames a little over the limit are refused with a reason (below); far over it, the library closes at once.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 2 * MAX_MESSAGE_BYTES });
  server.on('upgrade', (req, socket: Socket, head) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'invalid'}`);
    if (!hostAllowed(req.headers.host, port)) return rejectUpgrade(socket, 403, 'Forbidden');
    if (!originAllowed(req.headers.origin, port)) return rejectUpgrade(socket, 403, 'Forbidden');
    if (url.pathname !== '/api/ws') return rejectUpgrade(socket, 404, 'Not Found');
    if (!sameToken(requestToken(req, url, port), token)) return rejectUpgrade(socket, 401, 'Unauthorized');
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
    /** Closes with a code and a reason; a reason is at most 123 bytes of UTF-8, so it is cut by bytes. */
    const refuse = (code: number, reason: string) => {
      const bytes = Buffer.from(reason.replace(/[\ud800-\udfff]/g, '?'));
      let cut = Math.min(bytes.length, 120);
      while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--;
      ws.close(code, bytes.subarray(0, cut).toString());
    };
    ws.on('message', (data, isBinary) => {
      const size = (data as Buffer).byteLength;
      if (size > MAX_MESSAGE_BYTES) {
        refuse(
          1009,
          `Lakebench: a message may be at most ${MAX_MESSAGE_BYTES / (1024 * 1024)} MB; this one is larger`,
        );
        return;
      }
      let message: WireMessage;
      try {
        const bytes = isBinary ? new Uint8Array(data as Buffer) : new TextEncoder().encode(String(data));
        message = decodeMessage(bytes);
      } catch (err) {
        refuse(1003, `Lakebench: unreadable message (${errorMessage(err)})`);
        return;
      }
      const call = message as { t: unknown; id: unknown; method: unknown; args: unknown };
      if (call.t !== 'call' || typeof call.id !== 'number' || !Number.isSafeInteger(call.id)) {
        // Without a call id there is no one to answer: the peer is told why, by the close.
        refuse(1008, 'Lakebench: expected a call: {"t":"call","id":<integer>,"method":...,"args":...}');
        return;
      }
      const id = call.id;
      const answer = (reply: WireMessage) => {
        try {
          send(reply);
        } catch (err) {
          // A result that cannot be encoded still gets an answer, so the caller does not wait forever.
          send({
            t: 'reply',
            id,
            ok: false,
            error: { code: 'INTERNAL', message: `the answer could not be sent: ${errorMessage(err)}` },
          });
        }
      };
      void core.host.dispatch(call.method, call.args, { clientId }).then(
        (reply) =>
          answer(
            reply.ok
              ? { t: 'reply', id, ok: true, value: reply.value }
              : { t: 'reply', id, ok: false, error: reply.error },
          ),
        (err: unknown) => answer({ t: 'reply', id, ok: false, error: toErrorData(err) }),
      );
    });
    const closed = () => {
      unsubscribe();
      blobs.dropClient(clientId);
      // The page is gone: kernels only it used stop (after a grace period, for a reload).
      try {
        core.kernels.detachClient(clientId);
      } catch (err) {
        // No workspace open (it is closing): its kernels stop with it.
        if (!(err instanceof LakebenchError && err.code === 'WORKSPACE_NOT_OPEN')) throw err;
      }
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
  const startedAt = processStartMs(process.pid) ?? Date.now() - process.uptime() * 1000;
  const writeServerJson = async (engineDir: string) => {
    const file = path.join(engineDir, 'server.json');
    await mkdir(engineDir, { recursive: true, mode: 0o700 });
    // One left by a server that was killed (kill -9) is replaced; one of a server still running is not.
    await checkNoOtherServer(file);
    await writeFileAtomic(
      file,
      `${JSON.stringify({ port, token, pid: process.pid, startedAt, url }, null, 2)}\n`,
      0o600,
    );
    await chmod(file, 0o600);
    serverJsonFiles.add(file);
  };
  let unsubscribeOpened: () => void = () => undefined;
  if (options.writeServerJson !== false) {
    try {
      await writeServerJson(core.workspace.engineDir);
    } catch (err) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw err;
    }
    unsubscribeOpened = core.host.subscribe((name) => {
      if (name === 'workspace.onOpened') {
        const engineDir = core.workspace.engineDir;
        void writeServerJson(engineDir).catch((err: unknown) =>
          console.warn(`Lakebench: could not write ${engineDir}/server.json: ${errorMessage(err)}`),
        );
      }
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
      for (const file of serverJsonFiles) {
        await unlink(file).catch((err: NodeJS.ErrnoException) => {
          // Gone already (the workspace was removed): nothing to clean; anything else is worth a word.
          if (err.code !== 'ENOENT') console.warn(`Lakebench: could not remove ${file}: ${err.message}`);
        });
      }
    },
  };
}
