import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrackerServer, type TrackerServer } from './helpers';

/**
 * Symbolic links planted in a run's artifact folder, to a file and to a folder outside it: download, upload,
 * list and delete all refuse to follow them out, over MLflow's artifact proxy and the app's API.
 */

let s: TrackerServer;
let exp: string;
let runId: string;
let base: string;
let outside: string;

function raw(method: string, rawPath: string, body?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: s.server.port,
        method,
        path: rawPath,
        agent: false,
        headers: { authorization: `Bearer ${s.server.token}` },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function expectRefused(r: { status: number; body: string }, what: string): void {
  expect(r.status, what).toBe(400);
  expect(JSON.parse(r.body).error_code, what).toBe('INVALID_PARAMETER_VALUE');
}

beforeAll(async () => {
  s = await startTrackerServer();
  exp = (await s.call('POST', 'experiments/create', { name: 'links' })).json.experiment_id as string;
  const r = await s.call('POST', 'runs/create', { experiment_id: exp });
  runId = (r.json.run as { info: { run_id: string } }).info.run_id;
  base = `/api/2.0/mlflow-artifacts/artifacts/${exp}/${runId}/artifacts`;
  expect((await raw('PUT', `${base}/real.txt`, Buffer.from('mine'))).status).toBe(200);
  outside = path.join(s.dir, 'outside');
  await mkdir(path.join(outside, 'dir'), { recursive: true });
  await writeFile(path.join(outside, 'secret.txt'), 'secret');
  await writeFile(path.join(outside, 'dir', 'inner.txt'), 'inner');
  const runDir = path.join(s.workspace, '.lakebench', 'artifacts', exp, runId, 'artifacts');
  await symlink(path.join(outside, 'secret.txt'), path.join(runDir, 'link-file'));
  await symlink(path.join(outside, 'dir'), path.join(runDir, 'link-dir'));
});
afterAll(async () => {
  await s.close();
});

describe('symbolic links in a run artifact folder', () => {
  it('downloads nothing through them', async () => {
    expectRefused(await raw('GET', `${base}/link-file`), 'file link');
    expectRefused(await raw('GET', `${base}/link-dir/inner.txt`), 'folder link');
    expect((await raw('HEAD', `${base}/link-file`)).status).toBe(400);
    expect(await raw('GET', `${base}/real.txt`)).toEqual({ status: 200, body: 'mine' });
  });

  it('uploads nothing through them', async () => {
    expectRefused(await raw('PUT', `${base}/link-dir/new.txt`, Buffer.from('evil')), 'into folder link');
    expectRefused(
      await raw('PUT', `${base}/link-dir/deeper/new.txt`, Buffer.from('evil')),
      'below folder link',
    );
    expectRefused(await raw('PUT', `${base}/link-file`, Buffer.from('evil')), 'over file link');
    expect(existsSync(path.join(outside, 'dir', 'new.txt'))).toBe(false);
    expect(existsSync(path.join(outside, 'dir', 'deeper'))).toBe(false);
    expect(await readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('secret');
  });

  it('lists nothing through them, and the run listing does not show them as files', async () => {
    expectRefused(
      await raw(
        'GET',
        `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${exp}/${runId}/artifacts/link-dir`)}`,
      ),
      'proxy list',
    );
    const viaRuns = await s.call('GET', 'artifacts/list', { run_id: runId, path: 'link-dir' });
    expect(viaRuns.status).toBe(400);
    expect(viaRuns.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    const top = await s.call('GET', 'artifacts/list', { run_id: runId });
    expect(top.json.files).toEqual([{ path: 'real.txt', is_dir: false, file_size: 4 }]);
  });

  it('deletes nothing through them', async () => {
    expectRefused(await raw('DELETE', `${base}/link-file`), 'file link');
    expectRefused(await raw('DELETE', `${base}/link-dir/inner.txt`), 'folder link');
    expect(await readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('secret');
    expect(await readFile(path.join(outside, 'dir', 'inner.txt'), 'utf8')).toBe('inner');
  });

  it('previews and registers nothing through them in the app', async () => {
    await expect(s.core.tracker.previewArtifact(runId, 'link-file', 1000)).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
    });
    await expect(s.core.tracker.listArtifacts(runId, 'link-dir')).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
    });
  });
});
