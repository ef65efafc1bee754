import { describe, expect, it } from 'vitest';
import { startServer } from '../../electron/server';
import { useCore } from '../support/core';

const t = useCore('logs-server');

describe("the server's requests in the logs", () => {
  it('records method, path without query or token, status and duration of each request', async () => {
    const server = await startServer({ core: t.core, port: 0, token: 'tok-s3cret-value' });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      expect((await fetch(`${base}/api/health?token=tok-s3cret-value&x=1`)).status).toBe(200);
      expect((await fetch(`${base}/api/health`)).status).toBe(401);
      const missing = await fetch(`${base}/nothing/here`, {
        headers: { authorization: 'Bearer tok-s3cret-value' },
      });
      expect(missing.status).toBe(404);
      await missing.text();
    } finally {
      await server.close();
    }
    await t.core.logs.flush();
    const res = await t.call('logs.search', { kql: 'source:server', sort: 'oldest' });
    const records = res.hits.map((h) => h.record);
    expect(records.map((r) => [r.requestMethod, r.requestPath, r.requestStatus, r.level])).toEqual([
      ['GET', '/api/health', 200, 'info'],
      ['GET', '/api/health', 401, 'warn'],
      ['GET', '/nothing/here', 404, 'warn'],
    ]);
    for (const r of records) {
      expect(r.durationMs).toBeGreaterThanOrEqual(0);
      expect(JSON.stringify(r)).not.toContain('s3cret');
    }
    const slowOrFailed = await t.call('logs.search', { kql: 'source:server AND requestStatus >= 400' });
    expect(slowOrFailed.total.value).toBe(2);
  });
});
