import http from 'node:http';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LakebenchCore } from '../../electron/core/app';
import { startServer, type RunningServer } from '../../electron/server';
import { contractCases, nextEvent, runQuery } from '../support/contract-cases';
import { tempDir } from '../support/temp';
import { connectWs, probeWs } from '../support/ws-client';

let core: LakebenchCore;
let server: RunningServer;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const rendererDir = path.join(dir, 'renderer');
  await mkdir(path.join(rendererDir, 'assets'), { recursive: true });
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Lakebench</title>');
  await writeFile(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(path.join(dir, 'secret.txt'), 'do not serve');
  core = await LakebenchCore.open({
    workspacePath: path.join(dir, 'ws'),
    version: '0.1.0',
    validateResults: true,
  });
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

describe('the server', () => {
  it('prints a URL on 127.0.0.1 with the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(24);
  });

  it('refuses requests without the token with 401', async () => {
    expect((await get('/')).status).toBe(401);
    expect((await get('/?token=wrong')).status).toBe(401);
    expect((await get('/api/health', { authorization: 'Bearer nope' })).status).toBe(401);
  });

  it('serves the app with the token and sets a cookie for its assets', async () => {
    const page = await get(`/?token=${server.token}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Lakebench</title>');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const cookie = String(page.headers['set-cookie']).split(';')[0];
    const asset = await get('/assets/app.js', { cookie });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect((await get('/api/health', { authorization: `Bearer ${server.token}` })).status).toBe(200);
  });

  it('never serves files outside the renderer', async () => {
    const r = await get(`/..%2Fsecret.txt?token=${server.token}`);
    expect(r.status).toBe(404);
    expect(r.body).not.toContain('do not serve');
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin', async () => {
    expect((await get(`/?token=${server.token}`, { host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await get(`/?token=${server.token}`, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await get(`/?token=${server.token}`, { origin: `http://localhost:${server.port}` })).status).toBe(
      200,
    );
  });

  it('refuses a WebSocket without the token, with a foreign Origin or Host', async () => {
    const base = `ws://127.0.0.1:${server.port}/api/ws`;
    await expect(probeWs(base)).rejects.toThrow(/401/);
    await expect(probeWs(`${base}?token=${server.token}`, { origin: 'http://evil.example' })).rejects.toThrow(
      /403/,
    );
    await expect(probeWs(`${base}?token=${server.token}`, { host: 'evil.example' })).rejects.toThrow(/403/);
    await expect(probeWs(`ws://127.0.0.1:${server.port}/elsewhere?token=${server.token}`)).rejects.toThrow(
      /404/,
    );
  });

  it('writes server.json with port and token, readable by its owner only', async () => {
    const file = path.join(core.workspace.engineDir, 'server.json');
    const json = JSON.parse(await readFile(file, 'utf8'));
    expect(json).toMatchObject({ port: server.port, token: server.token });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});

describe('the API over WebSocket', () => {
  for (const [name, run] of Object.entries(contractCases)) {
    it(name, async () => {
      const { client, close } = await connectWs(`ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`);
      try {
        await run(client);
      } finally {
        close();
      }
    });
  }

  it('sends large result parts over HTTP, once, to the client they belong to', async () => {
    const { client, close } = await connectWs(`ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`);
    const { end, batches, tables } = await runQuery(
      client,
      'SELECT i, md5(i::VARCHAR) AS h FROM range(200000) t(i)',
    );
    close();
    expect(end.rowCount).toBe(200_000);
    // Later batches exceed the spill size, so they came over HTTP; the rows arrived complete and in order.
    expect(batches.some((b) => b.arrow.byteLength >= 64 * 1024)).toBe(true);
    expect(tables.reduce((n, t) => n + t.numRows, 0)).toBe(200_000);
    const last = tables[tables.length - 1];
    expect(last.getChild('i')?.get(last.numRows - 1)).toBe(199_999n);
    // A blob is served once: asking again gets 404.
    const again = await get(`/api/blobs/ws-1.nope?token=${server.token}`);
    expect(again.status).toBe(404);
  });

  it("sends a query's batches only to the client that asked", async () => {
    const a = await connectWs(`ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`);
    const b = await connectWs(`ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`);
    let seenByB = 0;
    b.client.on('warehouse.onQueryBatch', () => seenByB++);
    const { end } = await runQuery(a.client, 'SELECT * FROM range(10000)');
    expect(end.rowCount).toBe(10_000);
    expect(seenByB).toBe(0);
    a.close();
    b.close();
  });

  it('tells every client about file changes in the workspace', async () => {
    const { client, close } = await connectWs(`ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`);
    const changed = nextEvent(client, 'workspace.onFilesChanged', (p) =>
      p.paths.some((x) => x.includes('dropped.ipynb')),
    );
    await writeFile(path.join(core.workspace.root, 'notebooks', 'dropped.ipynb'), '{}');
    await changed;
    close();
  });
});
