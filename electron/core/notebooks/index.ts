import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { LakebenchError } from '../../../shared/errors';
import { parseIpynb, serializeIpynb } from '../../../shared/notebook/ipynb';
import { emptyNotebook, type NotebookDocument } from '../../../shared/notebook/model';
import { missingAsNull, writeFileAtomic, type Workspace } from '../workspace';

/** Modification times from different calls can differ by rounding; closer than this counts as the same. */
const MTIME_SLACK_MS = 1;

function notebookFileName(name: string): string {
  const trimmed = name.trim().replace(/\.ipynb$/i, '');
  if (!trimmed || /[\\/:*?"<>|\0]/.test(trimmed) || trimmed.startsWith('.')) {
    throw new LakebenchError(
      'INVALID_REQUEST',
      `"${name}" is not a usable notebook name: use letters, digits, spaces, - or _, without / \\ : * ? " < > |`,
    );
  }
  return `${trimmed}.ipynb`;
}

/** Notebook files in the workspace: nbformat 4 `.ipynb`, read and written whole and atomically. */
export class Notebooks {
  constructor(private readonly workspace: Workspace) {}

  private resolveNotebook(relative: string): string {
    if (!relative.toLowerCase().endsWith('.ipynb')) {
      throw new LakebenchError('INVALID_REQUEST', `${relative} is not a notebook (.ipynb) file`, {
        file: relative,
      });
    }
    return this.workspace.resolve(relative);
  }

  async create(name: string): Promise<{ path: string }> {
    const rel = `notebooks/${notebookFileName(name)}`;
    const full = this.resolveNotebook(rel);
    if (existsSync(full)) throw new LakebenchError('ALREADY_EXISTS', `${rel} already exists`, { file: rel });
    await mkdir(path.dirname(full), { recursive: true });
    await writeFileAtomic(full, serializeIpynb(emptyNotebook()));
    return { path: rel };
  }

  async open(relative: string): Promise<{ path: string; notebook: NotebookDocument; mtimeMs: number }> {
    const full = this.resolveNotebook(relative);
    const text = await readFile(full, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT')
        throw new LakebenchError('NOT_FOUND', `${relative} does not exist`, { file: relative });
      throw new LakebenchError('NOTEBOOK_INVALID', `${relative} cannot be read: ${err.message}`, {
        file: relative,
      });
    });
    const notebook = parseIpynb(text, relative);
    const { mtimeMs } = await stat(full);
    return { path: this.workspace.relative(full), notebook, mtimeMs };
  }

  async stat(relative: string): Promise<{ path: string; mtimeMs: number }> {
    const full = this.resolveNotebook(relative);
    const info = await stat(full).catch(missingAsNull);
    if (!info) throw new LakebenchError('NOT_FOUND', `${relative} does not exist`, { file: relative });
    return { path: this.workspace.relative(full), mtimeMs: info.mtimeMs };
  }

  async save(
    relative: string,
    notebook: NotebookDocument,
    baseMtimeMs: number | null,
    force: boolean,
  ): Promise<{ path: string; mtimeMs: number }> {
    const full = this.resolveNotebook(relative);
    const current = await stat(full).catch(missingAsNull);
    if (current && !force) {
      if (baseMtimeMs === null || current.mtimeMs > baseMtimeMs + MTIME_SLACK_MS) {
        throw new LakebenchError(
          'NOTEBOOK_CHANGED_ON_DISK',
          `${relative} changed on disk since it was opened. Reload it, or save again to overwrite it.`,
          { file: relative },
        );
      }
    }
    await mkdir(path.dirname(full), { recursive: true });
    await writeFileAtomic(full, serializeIpynb(notebook));
    const { mtimeMs } = await stat(full);
    return { path: this.workspace.relative(full), mtimeMs };
  }

  async rename(from: string, to: string): Promise<{ path: string }> {
    const src = this.resolveNotebook(from);
    const dst = this.resolveNotebook(to);
    if (!existsSync(src)) throw new LakebenchError('NOT_FOUND', `${from} does not exist`, { file: from });
    if (existsSync(dst)) throw new LakebenchError('ALREADY_EXISTS', `${to} already exists`, { file: to });
    await mkdir(path.dirname(dst), { recursive: true });
    await rename(src, dst);
    return { path: this.workspace.relative(dst) };
  }

  async delete(relative: string): Promise<Record<string, never>> {
    const full = this.resolveNotebook(relative);
    await unlink(full).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT')
        throw new LakebenchError('NOT_FOUND', `${relative} does not exist`, { file: relative });
      throw err;
    });
    return {};
  }
}
