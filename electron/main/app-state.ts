import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What the shell remembers between starts, besides the window: the workspace last open. */
export interface AppState {
  lastWorkspace?: string;
}

export function parseAppState(raw: unknown): AppState {
  if (!raw || typeof raw !== 'object') return {};
  const last = (raw as { lastWorkspace?: unknown }).lastWorkspace;
  // Only an absolute path is trusted: a relative one would depend on where the app was started from.
  if (typeof last === 'string' && last.length > 0 && last.length < 4096 && path.isAbsolute(last)) {
    return { lastWorkspace: last };
  }
  return {};
}

/** Reads a JSON file, or undefined when it is missing or unreadable (state files are a convenience). */
export async function readJsonFile(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Writes a JSON file through a temporary file and a rename, so a crash never leaves half a file. */
export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, 'utf8');
  await rename(tmp, file);
}

/**
 * The workspace given as `--workspace DIR` or `--workspace=DIR`, resolved against the directory the command was
 * started in; undefined when absent. Chromium switches elsewhere in argv are ignored.
 */
export function workspaceFromArgv(argv: readonly string[], cwd: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let value: string | undefined;
    if (arg === '--workspace') value = argv[i + 1];
    else if (arg.startsWith('--workspace=')) value = arg.slice('--workspace='.length);
    else continue;
    if (value && !value.startsWith('--')) return path.resolve(cwd, value);
    return undefined;
  }
  return undefined;
}

/** The synchronous twin of writeJsonFile, for the window's `close` handler, which cannot wait. */
export function writeJsonFileSync(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, 'utf8');
  renameSync(tmp, file);
}
