import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resourcesDir } from '../sample';

/** What produced a run, passed to the Python it starts (read by resources/python/lakebench). */
export interface RunSourceEnv {
  kind: 'notebook' | 'pipeline' | 'script';
  notebook?: string;
  cell?: string;
  pipeline?: string;
  task?: string;
  pipelineRun?: string;
  /** A git commit or `sha256:<hex>` of the producing file. */
  version?: string;
}

/**
 * The environment for Python that Lakebench starts (notebook kernels, pipeline tasks): the tracking server of
 * the open workspace (from `.lakebench/server.json`), the experiment, where `import lakebench` is found, and
 * what produced the runs. Both `lakebench` and the official `mlflow` client work with it unchanged.
 */
export function trackingEnvironment(
  engineDir: string,
  options: { experimentName?: string; source?: RunSourceEnv } = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  const serverJson = path.join(engineDir, 'server.json');
  if (existsSync(serverJson)) {
    const info = JSON.parse(readFileSync(serverJson, 'utf8')) as { port?: number; token?: string };
    if (info.port) env.MLFLOW_TRACKING_URI = `http://127.0.0.1:${info.port}`;
    if (info.token) env.MLFLOW_TRACKING_TOKEN = info.token;
  }
  if (options.experimentName) env.MLFLOW_EXPERIMENT_NAME = options.experimentName;
  const pythonDir = path.join(resourcesDir(), 'python');
  env.PYTHONPATH = [pythonDir, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter);
  const s = options.source;
  if (s) {
    env.LAKEBENCH_SOURCE_KIND = s.kind;
    if (s.notebook) env.LAKEBENCH_SOURCE_NOTEBOOK = s.notebook;
    if (s.cell) env.LAKEBENCH_SOURCE_CELL = s.cell;
    if (s.pipeline) env.LAKEBENCH_SOURCE_PIPELINE = s.pipeline;
    if (s.task) env.LAKEBENCH_SOURCE_TASK = s.task;
    if (s.pipelineRun) env.LAKEBENCH_SOURCE_PIPELINE_RUN = s.pipelineRun;
    if (s.version) env.LAKEBENCH_SOURCE_VERSION = s.version;
  }
  return env;
}

/**
 * The version of a producing file as the run tracker records it: `sha256:` and the first 16 hex digits of the
 * SHA-256 of its bytes, as the Python module records a script's (resources/python/lakebench). Null when the file
 * cannot be read.
 */
export function fileVersion(file: string): string | null {
  try {
    return `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16)}`;
  } catch {
    return null;
  }
}

/** Who runs Lakebench, for `mlflow.user` of the runs it records itself (as MLflow's client takes it). */
export function localUser(): string {
  try {
    return os.userInfo().username || 'unknown';
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
