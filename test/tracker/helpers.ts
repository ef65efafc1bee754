import path from 'node:path';
import { LakebenchCore } from '../../electron/core/app';
import { startServer, type RunningServer } from '../../electron/server';
import { tempDir } from '../support/temp';

export interface TrackerServer {
  core: LakebenchCore;
  server: RunningServer;
  dir: string;
  workspace: string;
  base: string;
  /** Calls an MLflow endpoint with the token: JSON body for POST/PATCH/DELETE, query string for GET. */
  call(
    method: string,
    endpoint: string,
    body?: Record<string, unknown> | string,
  ): Promise<{ status: number; json: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** A workspace with its core and server on a free port, as `lakebench serve` runs them. */
export async function startTrackerServer(): Promise<TrackerServer> {
  const { dir, cleanup } = await tempDir('lakebench-tracker-');
  const workspace = path.join(dir, 'ws');
  const core = await LakebenchCore.open({
    workspacePath: workspace,
    version: '0.1.0',
    validateResults: true,
  });
  const server = await startServer({ core, port: 0 });
  const base = `http://127.0.0.1:${server.port}`;
  return {
    core,
    server,
    dir,
    workspace,
    base,
    async call(method, endpoint, body) {
      let url = `${base}/api/2.0/mlflow/${endpoint}`;
      const init: RequestInit = { method, headers: { authorization: `Bearer ${server.token}` } };
      if (method === 'GET' && body && typeof body === 'object') {
        const q = new URLSearchParams();
        for (const [k, v] of Object.entries(body))
          for (const item of Array.isArray(v) ? v : [v]) q.append(k, String(item));
        url += `?${q}`;
      } else if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
      const res = await fetch(url, init);
      const text = await res.text();
      return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
    async close() {
      await server.close();
      await core.close();
      await cleanup();
    },
  };
}
