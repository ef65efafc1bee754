import { spawn } from 'node:child_process';
import http from 'node:http';
import { chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LakebenchCore } from '../../electron/core/app';
import { readLiveServerJson } from '../../electron/core/workspace';
import { startServer, tokenCookieName, type RunningServer } from '../../electron/server';
import { tempDir } from '../support/temp';
import { probeWs } from '../support/ws-client';

let core: LakebenchCore;
let server: RunningServer;
let dir: string;
let workspace: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('lakebench-hardening-'));
  const rendererDir = path.join(dir, 'renderer');
  await mkdir(rendererDir, { recursive: true });
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Lakebench</title>');
  workspace = path.join(dir, 'ws');
  // A workspace from before engine state was private: a world-readable folder and store.
  await mkdir(path.join(workspace, '.lakebench', 'artifacts', 'run1'), { recursive: true, mode: 0o755 });
  await chmod(path.join(workspace, '.lakebench'), 0o755);
  await writeFile(path.join(workspace, '.lakebench', 'artifacts', 'run1', 'model.pkl'), 'x', { mode: 0o644 });
  core = await LakebenchCore.open({ workspacePath: workspace, version: '0.1.0', validateResults: true });
  server = await startServer({ core, port: 0, rendererDir });
});
afterAll(async () => {
  await server.close();
  await core.close();
  await cleanup();
});

function get(
  pathname: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: '127.0.0.1',
        port: server.port,
        path: pathname,
        headers: { host: `127.0.0.1:${server.port}`, ...headers },
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
  });
}

async function modes(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) {
        out[path.relative(root, full) + '/'] = ((await stat(full)).mode & 0o777).toString(8);
        await walk(full);
      } else if (e.isFile()) out[path.relative(root, full)] = ((await stat(full)).mode & 0o777).toString(8);
    }
  };
  await walk(root);
  return out;
}

describe('engine state', () => {
  it('is readable by its owner only: .lakebench/ and its folders 0700, its files 0600, old ones tightened', async () => {
    const engine = path.join(workspace, '.lakebench');
    let found: Record<string, string> = {};
    for (let i = 0; i < 100; i++) {
      found = await modes(engine);
      const loose = Object.entries(found).filter(([p, m]) => m !== (p.endsWith('/') ? '700' : '600'));
      if (loose.length === 0 && ((await stat(engine)).mode & 0o777) === 0o700) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(((await stat(engine)).mode & 0o777).toString(8)).toBe('700');
    expect(found).toMatchObject({
      'artifacts/': '700',
      'artifacts/run1/': '700',
      'artifacts/run1/model.pkl': '600',
      'tracker.db': '600',
      'warehouse.duckdb': '600',
      'server.json': '600',
    });
    expect(Object.entries(found).filter(([p, m]) => m !== (p.endsWith('/') ? '700' : '600'))).toEqual([]);
  });
});

describe('the token', () => {
  it('moves into an HttpOnly, SameSite=Strict cookie of this port that authenticates the page and the socket', async () => {
    const page = await get(`/?token=${server.token}`);
    expect(page.status).toBe(200);
    const setCookie = String(page.headers['set-cookie']);
    expect(setCookie).toContain(`${tokenCookieName(server.port)}=`);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(';')[0];
    // Later requests and the WebSocket carry the cookie, not the token in the address.
    expect((await get('/', { cookie })).status).toBe(200);
    expect((await get('/api/health', { cookie })).status).toBe(200);
    await expect(probeWs(`ws://127.0.0.1:${server.port}/api/ws`, { cookie })).resolves.toBeUndefined();
    await expect(probeWs(`ws://127.0.0.1:${server.port}/api/ws`)).rejects.toThrow(/401/);
    // Another port's cookie (another server on this host) does not open this one.
    const foreign = `${tokenCookieName(server.port + 1)}=${encodeURIComponent(server.token)}`;
    expect((await get('/', { cookie: foreign })).status).toBe(401);
  });
});

describe('addresses', () => {
  it('answer malformed percent-encoding with 400, and the server stays healthy', async () => {
    for (const bad of ['/%E0%A4%A', '/assets/%', '/api/blobs/%E0%A4%A', '/%FF%FE', '/notebooks/%C0']) {
      const r = await get(bad, { authorization: `Bearer ${server.token}` });
      expect(r.status, bad).toBe(400);
      expect(r.body).toMatch(/percent-encoding/);
    }
    expect((await get('/api/health', { authorization: `Bearer ${server.token}` })).status).toBe(200);
  });
});

describe('server.json', () => {
  async function serverIn(ws: string) {
    const c = await LakebenchCore.open({ workspacePath: ws, version: '0.1.0' });
    return c;
  }

  it('replaces one left by a server that was killed', async () => {
    const ws = path.join(dir, 'stale');
    const c = await serverIn(ws);
    try {
      const dead = spawn(process.execPath, ['-e', '']);
      const pid = dead.pid;
      await new Promise((r) => dead.once('exit', r));
      const file = path.join(ws, '.lakebench', 'server.json');
      await writeFile(file, JSON.stringify({ port: 1, token: 'old', pid, startedAt: 1 }), { mode: 0o600 });
      // Readers (Python tasks' MLflow variables) see no server behind it.
      expect(readLiveServerJson(path.join(ws, '.lakebench'))).toBeNull();
      const s = await startServer({ core: c, port: 0 });
      try {
        const json = JSON.parse(await readFile(file, 'utf8')) as { pid: number; token: string };
        expect(json.pid).toBe(process.pid);
        expect(json.token).toBe(s.token);
        expect(readLiveServerJson(path.join(ws, '.lakebench'))).toMatchObject({ token: s.token });
      } finally {
        await s.close();
      }
    } finally {
      await c.close();
    }
  });

  it('refuses to start beside a server that still runs, and says the workspace is open elsewhere', async () => {
    const ws = path.join(dir, 'live');
    const c = await serverIn(ws);
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const file = path.join(ws, '.lakebench', 'server.json');
      const json = JSON.stringify({ port: 4242, token: 'theirs', pid: other.pid });
      await writeFile(file, json, { mode: 0o600 });
      await expect(startServer({ core: c, port: 0 })).rejects.toMatchObject({
        code: 'WORKSPACE_LOCKED',
        message: expect.stringMatching(/open elsewhere.*4242/),
      });
      expect(await readFile(file, 'utf8')).toBe(json);
    } finally {
      other.kill('SIGKILL');
      await c.close();
    }
  });
});
