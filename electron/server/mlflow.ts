import type http from 'node:http';
import type { LakebenchCore } from '../core/app';
import { handleArtifactRequest } from './mlflow/artifacts';
import { Fields, MlflowError, requestMessage, sendError, sendJson, toMlflowError } from './mlflow/protocol';
import { ROUTES } from './mlflow/routes';

const API = /^\/(?:ajax-)?api\/2\.0\/mlflow\/(.+?)\/?$/;
const ARTIFACTS = /^\/(?:ajax-)?api\/2\.0\/mlflow-artifacts\//;

/**
 * The MLflow-compatible REST API (`/api/2.0/mlflow/...`, `/ajax-api/2.0/mlflow/...`,
 * `/api/2.0/mlflow-artifacts/...`), served on the same port and behind the same token as the app.
 * Answers true when it handled the request.
 */
export async function handleMlflowRequest(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  core: LakebenchCore,
): Promise<boolean> {
  const api = API.exec(url.pathname);
  const isArtifacts = ARTIFACTS.test(url.pathname) || ARTIFACTS.test(`${url.pathname}/`);
  if (!api && !isArtifacts) return false;
  try {
    try {
      decodeURIComponent(url.pathname);
    } catch {
      throw new MlflowError(
        'INVALID_PARAMETER_VALUE',
        `Malformed percent-encoding in the path ${url.pathname}`,
      );
    }
    const tracker = core.tracker;
    if (isArtifacts) {
      if (await handleArtifactRequest(req, res, url, tracker)) return true;
      throw new MlflowError('ENDPOINT_NOT_FOUND', `No MLflow endpoint at ${url.pathname}`);
    }
    const route = ROUTES[api![1]];
    if (!route) throw new MlflowError('ENDPOINT_NOT_FOUND', `No MLflow endpoint at ${url.pathname}`);
    const method = (req.method ?? 'GET') as keyof typeof route;
    const handler = route[method];
    if (!handler) {
      res.setHeader('allow', Object.keys(route).join(', '));
      sendJson(res, 405, {
        error_code: 'BAD_REQUEST',
        message: `${req.method} is not allowed on ${url.pathname}; use ${Object.keys(route).join(' or ')}`,
      });
      return true;
    }
    const fields = new Fields(await requestMessage(req, url));
    const body = await handler(fields, tracker);
    sendJson(res, 200, body ?? {});
  } catch (err) {
    if (res.headersSent) res.destroy();
    else sendError(res, toMlflowError(err));
  }
  return true;
}
