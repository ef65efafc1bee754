import {
  constants,
  existsSync,
  lstatSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  watch,
  type FSWatcher,
} from 'node:fs';
import {
  access,
  chmod,
  lstat,
  mkdir,
  readFile,
  readdir,
  realpath,
  rename,
  stat,
  unlink,
  writeFile,
  open as openFile,
} from 'node:fs/promises';
import path from 'node:path';
import type { FileEntry, WorkspaceInfo } from '../../../shared/api/contract';
import { LakebenchError, errorMessage, storageError } from '../../../shared/errors';
import { DEFAULT_SETTINGS_YAML, parseSettings, type WorkspaceSettings } from './settings';

export { processStartMs, readLiveServerJson, serverJsonIsLive } from './server-json';

export const SETTINGS_FILE = 'lakebench.yaml';
export const ENGINE_DIR = '.lakebench';
/** Where the workspace's Delta Lake tables live. */
export const TABLES_DIR = 'tables';
const LAYOUT_DIRS = ['notebooks', 'pipelines', 'landing'];
const HIDDEN = new Set([ENGINE_DIR, '.git', 'node_modules', '.ipynb_checkpoints', '__pycache__']);
const MAX_FILES = 20_000;
const ENGINE_DIR_MODE = 0o700;
const ENGINE_FILE_MODE = 0o600;

/** Writes a file so that a crash leaves either the old content or the new, never half of either. */
export async function writeFileAtomic(
  file: string,
  content: string | Uint8Array,
  mode?: number,
): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const handle = await openFile(tmp, 'w', mode);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    // A full disk fails the write half-way: the partial temporary file goes, the old content stays.
    await unlink(tmp).catch((cleanup: NodeJS.ErrnoException) => {
      if (cleanup.code !== 'ENOENT') console.warn(`Lakebench: could not remove ${tmp}: ${cleanup.message}`);
    });
    throw storageError(err) ?? err;
  }
}

/**
 * For a promise of a file's stat or content: a missing file (or a path through a file, which names nothing) is
 * null; any other failure is thrown.
 */
export function missingAsNull(err: unknown): null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return null;
  throw err;
}

async function checkWritable(dir: string): Promise<void> {
  try {
    await access(dir, constants.W_OK);
    // access() can say yes on read-only mounts; a real write is the only proof.
    const probe = path.join(dir, `.lakebench-write-probe-${process.pid}`);
    await writeFile(probe, '');
    await unlink(probe);
  } catch (err) {
    throw new LakebenchError(
      'WORKSPACE_NOT_WRITABLE',
      `Lakebench cannot write to ${dir} (${errorMessage(err)}). Choose a folder you can write to, or change its permissions.`,
      { file: dir },
    );
  }
}

/**
 * Every store in `.lakebench/` can be written. A read-only `tracker.db` would otherwise open without a word
 * and fail on the first run logged; the workspace is refused at once instead, naming the file, because every
 * service writes its store in normal use and a half-working workspace is worse than a clear message.
 */
async function checkStoresWritable(engineDir: string): Promise<void> {
  for (const entry of await readdir(engineDir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(engineDir, entry.name);
    try {
      // Opening for writing, without writing, is the proof: permission bits, immutable files, read-only mounts.
      const handle = await openFile(file, 'r+');
      await handle.close();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue; // removed since the listing (a temporary file)
      throw new LakebenchError(
        'WORKSPACE_NOT_WRITABLE',
        `Lakebench cannot write to ${path.join(ENGINE_DIR, entry.name)} (${code ?? errorMessage(err)}). Make it writable again (for example chmod u+w), or open a copy of the workspace.`,
        { file },
      );
    }
  }
}

/** An open workspace folder: its layout, settings and files. */
export class Workspace {
  private watcher: FSWatcher | undefined;
  private readonly subscribers = new Set<(paths: string[]) => void>();
  private readonly folderWatchers = new Map<string, { watcher: FSWatcher; identity: string }>();

  /** The folder with every symbolic link resolved: what a path must stay inside. */
  private readonly realRoot: string;

  private constructor(
    readonly root: string,
    readonly settings: WorkspaceSettings,
    readonly isSample: boolean,
  ) {
    this.realRoot = realpathSync(root);
  }

  /**
   * Checks a folder can be a workspace without changing anything: it exists (or can be created), is
   * writable, and its lakebench.yaml (if any) parses. Only then is the layout created.
   */
  static async open(folder: string, options: { create?: boolean } = {}): Promise<Workspace> {
    const root = path.resolve(folder);
    let rootStat = await stat(root).catch(missingAsNull);
    if (rootStat && !rootStat.isDirectory()) {
      throw new LakebenchError('INVALID_REQUEST', `${root} is a file, not a folder`, { file: root });
    }
    if (!rootStat) {
      if (options.create === false) {
        throw new LakebenchError('NOT_FOUND', `There is no folder ${root}`, { file: root });
      }
      const parent = path.dirname(root);
      if (existsSync(parent)) await checkWritable(parent);
      await mkdir(root, { recursive: true }).catch((err: unknown) => {
        throw new LakebenchError(
          'WORKSPACE_NOT_WRITABLE',
          `Lakebench cannot create the folder ${root} (${errorMessage(err)})`,
          { file: root },
        );
      });
      rootStat = await stat(root);
    }
    await checkWritable(root);
    const settingsFile = path.join(root, SETTINGS_FILE);
    const settingsText = await readFile(settingsFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw new LakebenchError('WORKSPACE_INVALID_SETTINGS', `Cannot read ${settingsFile}: ${err.message}`, {
        file: settingsFile,
      });
    });
    const settings = parseSettings(settingsText ?? DEFAULT_SETTINGS_YAML, settingsFile);
    const engineDir = path.join(root, ENGINE_DIR);
    if (existsSync(engineDir)) {
      await checkWritable(engineDir);
      await checkStoresWritable(engineDir);
    }
    await mkdir(engineDir, { recursive: true, mode: ENGINE_DIR_MODE });
    const workspace = new Workspace(root, settings, settings.sample === true);
    // Workspaces made before engine state was private: their stores and token become the owner's only.
    const engineMode = (await stat(engineDir)).mode & 0o777;
    await workspace.protectEngineState({ everything: engineMode !== ENGINE_DIR_MODE });
    return workspace;
  }

  /**
   * Makes engine state readable by its owner only: `.lakebench/` and its folders 0700, its files 0600. The
   * stores hold the user's data and server.json the token; other local users must not read them. Only what
   * is directly in `.lakebench/` is checked, unless `everything`: a workspace from before this rule (its folder
   * was not 0700) is tightened all the way down once; below a 0700 folder nobody else can reach anything.
   */
  async protectEngineState(options: { everything?: boolean } = {}): Promise<void> {
    const maxDepth = options.everything ? 16 : 0;
    // A file renamed or removed while the walk runs (an atomic write's temporary file) is simply skipped.
    const unlessGone = (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    };
    const walk = async (dir: string, depth: number): Promise<void> => {
      const info = await lstat(dir);
      if ((info.mode & 0o777) !== ENGINE_DIR_MODE) await chmod(dir, ENGINE_DIR_MODE);
      if (depth > maxDepth) return;
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full, depth + 1).catch(unlessGone);
        else if (entry.isFile()) {
          const file = await lstat(full).catch(unlessGone);
          if (file && (file.mode & 0o777) !== ENGINE_FILE_MODE)
            await chmod(full, ENGINE_FILE_MODE).catch(unlessGone);
        }
      }
    };
    await walk(this.engineDir, 0);
  }

  /** Creates what is missing of the layout; never overwrites what the user has. */
  async ensureLayout(): Promise<void> {
    for (const dir of LAYOUT_DIRS) await mkdir(path.join(this.root, dir), { recursive: true });
    const settingsFile = path.join(this.root, SETTINGS_FILE);
    if (!existsSync(settingsFile)) await writeFileAtomic(settingsFile, DEFAULT_SETTINGS_YAML);
    const gitignore = path.join(this.root, '.gitignore');
    const current = (await readFile(gitignore, 'utf8').catch(missingAsNull)) ?? '';
    const lines = current.split(/\r?\n/).map((l) => l.trim());
    const ignored = (dir: string) => [dir, `${dir}/`, `/${dir}`, `/${dir}/`].some((l) => lines.includes(l));
    let added = '';
    if (!ignored(ENGINE_DIR)) added += `# Lakebench engine state (derived, local)\n${ENGINE_DIR}/\n`;
    // Delta tables are data, kept out of git (and read by other engines from the folder itself).
    if (!ignored(TABLES_DIR)) added += `# Lakebench tables (Delta Lake data)\n${TABLES_DIR}/\n`;
    if (added) {
      const sep = current === '' || current.endsWith('\n') ? '' : '\n';
      await writeFileAtomic(gitignore, `${current}${sep}${added}`);
    }
  }

  get name(): string {
    return this.settings.name ?? path.basename(this.root);
  }

  get engineDir(): string {
    return path.join(this.root, ENGINE_DIR);
  }

  info(): WorkspaceInfo {
    return { root: this.root, name: this.name, isSample: this.isSample, settings: { ...this.settings } };
  }

  /** Resolves a workspace-relative path, refusing anything outside the folder or inside engine state. */
  resolve(relative: string): string {
    const normalized = relative.replace(/\\/g, '/');
    const full = path.resolve(this.root, normalized);
    const rel = path.relative(this.root, full);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new LakebenchError('PATH_OUTSIDE_WORKSPACE', `${relative} is outside the workspace`, {
        file: relative,
      });
    }
    if (rel.split(path.sep)[0] === ENGINE_DIR) {
      throw new LakebenchError(
        'PATH_OUTSIDE_WORKSPACE',
        `${relative} is Lakebench's engine state, not a workspace file`,
        {
          file: relative,
        },
      );
    }
    this.checkReal(full, relative);
    return full;
  }

  /**
   * The path text stays inside; the file it names must too. A symbolic link (to a file, a folder, or nothing
   * yet) that leads outside the workspace or into engine state is refused; one that stays inside is followed.
   */
  private checkReal(full: string, relative: string, depth = 0): void {
    const refuse = (why: string): never => {
      throw new LakebenchError('PATH_OUTSIDE_WORKSPACE', `${relative} ${why}`, { file: relative });
    };
    if (depth > 32) refuse('is a chain of symbolic links too long to follow');
    const inRoot = path.relative(this.root, full);
    if (!inRoot.startsWith('..') && !path.isAbsolute(inRoot)) {
      // Down from the root, one lstat per part, stopping at the first part that does not exist.
      const parts = inRoot === '' ? [] : inRoot.split(path.sep);
      let existing = this.root;
      let i = 0;
      for (; i < parts.length; i++) {
        const next = path.join(existing, parts[i]);
        let info;
        try {
          info = lstatSync(next, { throwIfNoEntry: false });
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ELOOP') refuse('is a loop of symbolic links');
          if (code !== 'ENOTDIR') throw err;
          // A file where a folder should be: nothing below it exists.
        }
        if (!info) break;
        if (info.isSymbolicLink() && !existsSync(next)) {
          // A link to nothing: writing through it would create its target, so the target must be inside.
          const target = path.resolve(path.dirname(next), readlinkSync(next));
          this.checkReal(path.join(target, ...parts.slice(i + 1)), relative, depth + 1);
          return;
        }
        existing = next;
      }
      this.checkInside(path.join(realpathSync.native(existing), ...parts.slice(i)), refuse);
      return;
    }
    // Outside the folder's text (a dangling link's target): the deepest part that exists, resolved.
    const missing: string[] = [];
    let probe = full;
    let real: string | null = null;
    for (;;) {
      try {
        // The native call is one system call; the JavaScript one stats every component of the path.
        real = realpathSync.native(probe);
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ELOOP') refuse('is a loop of symbolic links');
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      }
      const link = lstatSync(probe, { throwIfNoEntry: false });
      if (link?.isSymbolicLink()) {
        // A link to nothing: writing through it would create its target, so the target must be inside.
        const target = path.resolve(path.dirname(probe), readlinkSync(probe));
        this.checkReal(path.join(target, ...missing), relative, depth + 1);
        return;
      }
      const parent = path.dirname(probe);
      if (parent === probe) break;
      missing.unshift(path.basename(probe));
      probe = parent;
    }
    this.checkInside(real === null ? full : path.join(real, ...missing), refuse);
  }

  private checkInside(realFull: string, refuse: (why: string) => never): void {
    const rel = path.relative(this.realRoot, realFull);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
      refuse('leads outside the workspace (through a symbolic link)');
    }
    if (rel.split(path.sep)[0] === ENGINE_DIR) refuse("leads into Lakebench's engine state");
  }

  relative(full: string): string {
    return path.relative(this.root, full).split(path.sep).join('/');
  }

  async listFiles(): Promise<FileEntry[]> {
    const out: FileEntry[] = [];
    // The real folders from the root down to here: a link back to one of them is named, not walked forever.
    const walk = async (dir: string, ancestors: ReadonlySet<string>): Promise<void> => {
      // A folder that cannot be listed (no permission) or vanished since is left out of the explorer.
      const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
        if (dir === this.root) throw err;
        return [];
      });
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const entry of entries) {
        if (out.length >= MAX_FILES) return;
        if (HIDDEN.has(entry.name) || entry.name.endsWith('.tmp')) continue;
        // Delta tables are shown by the Data area, not as Parquet and log files.
        if (dir === this.root && entry.name === TABLES_DIR) continue;
        const full = path.join(dir, entry.name);
        const rel = this.relative(full);
        let isDirectory = entry.isDirectory();
        let isFile = entry.isFile();
        if (entry.isSymbolicLink()) {
          // A link is shown only when it stays inside the workspace, as the requests on it allow.
          try {
            this.resolve(rel);
          } catch {
            continue;
          }
          const target = await stat(full).catch(missingAsNull);
          isDirectory = target?.isDirectory() ?? false;
          isFile = target?.isFile() ?? false;
        }
        if (isDirectory) {
          // Removed while listing: it is still named, without a time.
          const s = await stat(full).catch(missingAsNull);
          out.push({ path: rel, kind: 'directory', size: 0, mtimeMs: s?.mtimeMs ?? 0 });
          const real = await realpath(full).catch(missingAsNull);
          if (real && !ancestors.has(real)) await walk(full, new Set([...ancestors, real]));
        } else if (isFile) {
          const s = await stat(full).catch(missingAsNull);
          if (s) out.push({ path: rel, kind: 'file', size: s.size, mtimeMs: s.mtimeMs });
        }
      }
    };
    await walk(this.root, new Set([this.realRoot]));
    return out;
  }

  /**
   * Watches the folder and reports changed paths, batched, ignoring engine state. Engine state is not watched
   * at all (the top level, and each other top-level folder recursively): on Linux, Node's recursive watch
   * stats files and lists folders on every write beneath it, and SQLite writes its logs there many times a
   * second. Any number of subscribers share one watcher; each call returns what unsubscribes it.
   */
  watch(onChange: (paths: string[]) => void): () => void {
    this.subscribers.add(onChange);
    const unsubscribe = () => {
      this.subscribers.delete(onChange);
    };
    if (this.watcher) return unsubscribe;
    let pending = new Set<string>();
    let timer: NodeJS.Timeout | undefined;
    const report = (file: string | null) => {
      if (!file) return;
      const rel = file.split(path.sep).join('/');
      const top = rel.split('/')[0];
      if (
        HIDDEN.has(top) ||
        top === TABLES_DIR ||
        rel.endsWith('.tmp') ||
        rel.includes('/.') ||
        rel.startsWith('.lakebench-write-probe')
      ) {
        return;
      }
      pending.add(rel);
      clearTimeout(timer);
      timer = setTimeout(() => {
        const paths = [...pending];
        pending = new Set();
        for (const subscriber of [...this.subscribers]) {
          try {
            subscriber(paths);
          } catch (err) {
            // One failing subscriber must not keep the others from hearing of the change.
            console.warn(`Lakebench: a workspace watcher failed: ${errorMessage(err)}`);
          }
        }
      }, 150);
    };
    const watchFolder = (name: string, appeared: boolean) => {
      if (HIDDEN.has(name)) return;
      try {
        const full = path.join(this.root, name);
        const info = lstatSync(full, { throwIfNoEntry: false });
        // Inode and birth time: the same folder, not a new one that reused the inode.
        const identity = `${info?.ino}:${info?.birthtimeMs}`;
        const known = this.folderWatchers.get(name);
        if (known && info?.isDirectory() && identity === known.identity) return;
        known?.watcher.close();
        this.folderWatchers.delete(name);
        if (!info?.isDirectory()) return;
        const watcher = watch(full, { recursive: true }, (_event, file) =>
          report(file ? path.join(name, file) : name),
        );
        // A watched folder that is removed ends its watcher with an error; the top level sees the removal.
        watcher.on('error', () => this.folderWatchers.delete(name));
        this.folderWatchers.set(name, { watcher, identity });
        // A folder that appeared while watching: what it already holds is new too.
        if (appeared)
          for (const file of readdirSync(full, { recursive: true })) report(path.join(name, String(file)));
      } catch {
        // Gone again, unreadable, or recursive watching is missing here; the top level still helps.
      }
    };
    this.watcher = watch(this.root, (_event, file) => {
      report(file);
      // A top-level folder made, removed or replaced: watch what is there now.
      if (file) watchFolder(file, true);
    });
    this.watcher.on('error', (err) =>
      console.warn(`Lakebench: watching ${this.root} stopped: ${errorMessage(err)}`),
    );
    for (const entry of readdirSync(this.root, { withFileTypes: true }))
      if (entry.isDirectory()) watchFolder(entry.name, false);
    return unsubscribe;
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.subscribers.clear();
    for (const { watcher } of this.folderWatchers.values()) watcher.close();
    this.folderWatchers.clear();
  }
}
