import { createReadStream } from 'node:fs';
import type http from 'node:http';
import { mimeTypeOf, type TrackerService } from '../../core/tracker';
import { MlflowError, sendJson } from './protocol';

/**
 * MLflow's artifact proxy (`/api/2.0/mlflow-artifacts/artifacts/<experiment>/<run>/artifacts/...`): upload,
 * download, list and delete. Paths are read from the raw request line, because URL parsing would already
 * have folded `..` away; any path that is not inside an existing run's folder is refused.
 */

const PREFIX = /^\/(?:ajax-)?api\/2\.0\/mlflow-artifacts\/artifacts(?=\/|\?|$)/;

function invalidPath(p: string): MlflowError {
  return new MlflowError('INVALID_PARAMETER_VALUE', `Invalid path: '${p}'`);
}

/** Splits `<experiment>/<run>/artifacts/<rest>` and checks it names a run of that experiment. */
function runPath(tracker: TrackerService, rel: string): { runId: string; rest: string } {
  if (rel.includes('\0') || rel.includes('\\')) throw invalidPath(rel);
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..') || rel.startsWith('/')) throw invalidPath(rel);
  const [experimentId, runId, artifacts, ...rest] = parts;
  if (!experimentId || !runId || !/^\d+$/.test(experimentId) || !/^[0-9a-f]{32}$/.test(runId))
    throw invalidPath(rel);
  if (artifacts !== undefined && artifacts !== 'artifacts') throw invalidPath(rel);
  if (!tracker.runExists(runId) || tracker.runInfoRow(runId).experimentId !== experimentId)
    throw new MlflowError(
      'RESOURCE_DOES_NOT_EXIST',
      `Run with id=${runId} not found in experiment ${experimentId}`,
    );
  return { runId, rest: rest.join('/') };
}

export async function handleArtifactRequest(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  tracker: TrackerService,
): Promise<boolean> {
  const raw = (req.url ?? '/').split('?')[0];
  const m = PREFIX.exec(raw);
  if (!m) return false;
  let rel: string;
  try {
    rel = decodeURIComponent(raw.slice(m[0].length).replace(/^\//, ''));
  } catch {
    throw invalidPath(raw);
  }
  const method = req.method ?? 'GET';
  if (rel === '') {
    if (method !== 'GET') throw new MlflowError('ENDPOINT_NOT_FOUND', `${method} is not served on this path`);
    const dirParam = url.searchParams.get('path') ?? '';
    const { runId, rest } = runPath(tracker, dirParam);
    const files = await tracker.listArtifacts(runId, rest);
    const strip = rest ? `${rest}/` : '';
    sendJson(
      res,
      200,
      files.length
        ? {
            files: files.map((f) => ({
              path: f.path.slice(strip.length),
              is_dir: f.isDir,
              file_size: f.fileSize ?? undefined,
            })),
          }
        : {},
    );
    return true;
  }
  const { runId, rest } = runPath(tracker, rel);
  if (!rest) throw invalidPath(rel);
  if (method === 'PUT') {
    await tracker.writeArtifact(runId, rest, req);
    sendJson(res, 200, {});
    return true;
  }
  if (method === 'GET' || method === 'HEAD') {
    const info = await tracker.artifactFile(runId, rest);
    if (!info) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `No artifact at '${rel}'`);
    res.writeHead(200, {
      'content-type': mimeTypeOf(info.full),
      'content-length': String(info.size),
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cache-control': 'no-store',
    });
    if (method === 'HEAD') res.end();
    else createReadStream(info.full).pipe(res);
    return true;
  }
  if (method === 'DELETE') {
    if (!(await tracker.deleteArtifact(runId, rest)))
      throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `No artifact at '${rel}'`);
    sendJson(res, 200, {});
    return true;
  }
  throw new MlflowError('ENDPOINT_NOT_FOUND', `${method} is not served on this path`);
}
