import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of Lakebench's shipped resources. The code runs from the source tree (tests), from dist/ (CLI,
 * server) or from a packaged app, so look upward from this module and in Electron's resources folder.
 */
export function resourcesDir(): string {
  if (process.env.LAKEBENCH_RESOURCES) return path.resolve(process.env.LAKEBENCH_RESOURCES);
  const candidates: string[] = [];
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    candidates.push(path.join(dir, 'resources'));
    dir = path.dirname(dir);
  }
  const electronResources = (process as { resourcesPath?: string }).resourcesPath;
  if (electronResources) candidates.push(path.join(electronResources, 'resources'));
  const found = candidates.find((c) => existsSync(path.join(c, 'sample-workspace')));
  if (!found)
    throw new Error(`Lakebench's resources folder was not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** The Python Lakebench runs: LAKEBENCH_PYTHON, then lakebench.yaml's `python`, then Debian's, then PATH's. */
export function pythonExecutable(settings: Record<string, unknown>): string {
  if (process.env.LAKEBENCH_PYTHON) return process.env.LAKEBENCH_PYTHON;
  const fromSettings = (settings.pipelines as { python?: unknown } | undefined)?.python ?? settings.python;
  if (typeof fromSettings === 'string' && fromSettings.trim()) return fromSettings;
  if (existsSync('/usr/bin/python3')) return '/usr/bin/python3';
  return 'python3';
}
