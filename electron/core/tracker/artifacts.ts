import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { LakebenchError, errorMessage } from '../../../shared/errors';
import type { ArtifactContent, ArtifactEntry } from '../../../shared/tracker/model';

/**
 * Run artifacts on disk under `.lakebench/artifacts/<experiment>/<run>/artifacts/`, the layout MLflow's
 * artifact proxy uses for `mlflow-artifacts:/<experiment>/<run>/artifacts`. Every path is resolved and checked
 * to stay inside its run's folder.
 */

const MIME: Record<string, string> = {
  '.txt': 'text/plain',
  '.log': 'text/plain',
  '.md': 'text/markdown',
  '.py': 'text/x-python',
  '.yaml': 'text/yaml',
  '.yml': 'text/yaml',
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.html': 'text/html',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.webp': 'image/webp',
};

export function mimeTypeOf(file: string): string {
  const base = path.basename(file);
  if (base === 'MLmodel' || base === 'requirements.txt') return 'text/plain';
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function refused(rel: string): LakebenchError {
  return new LakebenchError('INVALID_PARAMETER_VALUE', `Invalid artifact path: '${rel}'`);
}

/** Resolves `rel` under `base`, refusing absolute paths, `..` and anything that lands outside. */
export function resolveInside(base: string, rel: string): string {
  if (rel.includes('\0') || rel.includes('\\') || path.posix.isAbsolute(rel)) throw refused(rel);
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw refused(rel);
  const full = path.resolve(base, ...parts);
  if (full !== base && !full.startsWith(base + path.sep)) throw refused(rel);
  return full;
}

/**
 * The real path of `full`, following symbolic links: of the deepest part that exists, with the rest appended
 * (a file about to be written does not exist yet, but the folder it goes into may be a link).
 */
async function realPathOf(full: string): Promise<string> {
  const rest: string[] = [];
  let at = full;
  for (;;) {
    try {
      return path.join(await realpath(at), ...rest.reverse());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      const parent = path.dirname(at);
      if (parent === at) return full;
      rest.push(path.basename(at));
      at = parent;
    }
  }
}

function isInside(base: string, full: string): boolean {
  return full === base || full.startsWith(base + path.sep);
}

export class ArtifactStore {
  constructor(readonly root: string) {}

  /**
   * `rel` under `dir`, refused when it, or a symbolic link on its way, leads out of the run's folder (or the run's
   * folder itself out of the artifact root): a link planted in a run's artifacts must not expose or overwrite
   * files elsewhere.
   */
  private async inside(dir: string, rel: string): Promise<string> {
    const full = resolveInside(dir, rel);
    // Longer than the file system takes (PATH_MAX, NAME_MAX): no artifact can have that name.
    if (Buffer.byteLength(full) >= 4096 || full.split(path.sep).some((p) => Buffer.byteLength(p) > 255))
      throw refused(rel.length > 200 ? `${rel.slice(0, 200)}...` : rel);
    try {
      const realDir = await realPathOf(dir);
      if (!isInside(await realPathOf(this.root), realDir) || !isInside(realDir, await realPathOf(full)))
        throw refused(rel);
    } catch (err) {
      // A name too long for the file system, or links that loop, name no artifact: the path is refused.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENAMETOOLONG' || code === 'ELOOP') throw refused(rel);
      throw err;
    }
    return full;
  }

  /** The folder of a run's artifacts. */
  runDir(experimentId: string, runId: string): string {
    return path.join(this.root, experimentId, runId, 'artifacts');
  }

  async list(dir: string, rel: string): Promise<ArtifactEntry[]> {
    const full = await this.inside(dir, rel);
    const entries = await readdir(full, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [];
      throw err;
    });
    const prefix = rel
      .split('/')
      .filter((p) => p && p !== '.')
      .join('/');
    const out: ArtifactEntry[] = [];
    for (const e of entries) {
      if (e.name.startsWith('.lakebench-upload-')) continue;
      const p = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) out.push({ path: p, isDir: true, fileSize: null });
      else if (e.isFile())
        out.push({ path: p, isDir: false, fileSize: (await stat(path.join(full, e.name))).size });
    }
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  /** Writes a file atomically (temporary name, then rename), creating folders. */
  async write(dir: string, rel: string, body: Readable | Uint8Array): Promise<void> {
    const full = await this.inside(dir, rel);
    if (full === dir) throw refused(rel);
    await mkdir(path.dirname(full), { recursive: true });
    // Checked again now that the folders exist: one may have been replaced by a link meanwhile.
    await this.inside(dir, rel);
    const tmp = path.join(path.dirname(full), `.lakebench-upload-${randomBytes(6).toString('hex')}`);
    try {
      if (body instanceof Uint8Array) {
        const fh = await open(tmp, 'w');
        try {
          await fh.writeFile(body);
        } finally {
          await fh.close();
        }
      } else await pipeline(body, createWriteStream(tmp));
      await rename(tmp, full);
    } catch (err) {
      await unlink(tmp).catch((cleanup: NodeJS.ErrnoException) => {
        // The temporary file may never have been made; any other failure leaves a stray file worth a warning.
        if (cleanup.code !== 'ENOENT')
          console.warn(`Could not remove the partial upload ${tmp}: ${errorMessage(cleanup)}`);
      });
      throw err;
    }
  }

  async fileInfo(dir: string, rel: string): Promise<{ full: string; size: number } | null> {
    const full = await this.inside(dir, rel);
    const info = await stat(full).catch((err: NodeJS.ErrnoException) => {
      // No file there (or a file where a folder was expected): the caller answers "not found".
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
      throw err;
    });
    if (!info || !info.isFile()) return null;
    return { full, size: info.size };
  }

  /** Deletes a file; false when there is none at that path. */
  async delete(dir: string, rel: string): Promise<boolean> {
    const info = await this.fileInfo(dir, rel);
    if (!info) return false;
    await unlink(info.full);
    return true;
  }

  async preview(dir: string, rel: string, maxBytes: number): Promise<ArtifactContent> {
    const info = await this.fileInfo(dir, rel);
    if (!info) throw new LakebenchError('NOT_FOUND', `No artifact '${rel}' in this run`);
    const mimeType = mimeTypeOf(info.full);
    const base = { path: rel, size: info.size, mimeType };
    const isImage = mimeType.startsWith('image/');
    const isText =
      mimeType.startsWith('text/') || mimeType === 'application/json' || mimeType === 'image/svg+xml';
    if (isImage && mimeType !== 'image/svg+xml') {
      if (info.size > maxBytes) return { kind: 'binary', ...base };
      return { kind: 'image', ...base, bytes: new Uint8Array(await readHead(info.full, info.size)) };
    }
    const head = await readHead(info.full, Math.min(info.size, maxBytes));
    if (!isText && (mimeType !== 'application/octet-stream' || !looksLikeText(head)))
      return { kind: 'binary', ...base };
    const truncated = info.size > head.byteLength;
    // Cut at a character boundary, never inside a multi-byte sequence.
    const text = new TextDecoder('utf-8', { fatal: false }).decode(head).replace(/\uFFFD$/, '');
    const kind = mimeType === 'application/json' ? 'json' : mimeType === 'text/csv' ? 'csv' : 'text';
    return {
      kind,
      ...base,
      mimeType: mimeType === 'application/octet-stream' ? 'text/plain' : mimeType,
      text,
      truncated,
    };
  }
}

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function looksLikeText(buf: Buffer): boolean {
  const n = Math.min(buf.length, 4096);
  for (let i = 0; i < n; i++) if (buf[i] === 0) return false;
  return true;
}
