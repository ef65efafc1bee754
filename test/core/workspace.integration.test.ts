import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LakebenchCore } from '../../electron/core/app';
import { Workspace } from '../../electron/core/workspace';
import { tempDir } from '../support/temp';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => cleanup());

describe('workspace', () => {
  it('lays out a new folder: settings, folders, .gitignore for engine state', async () => {
    const root = path.join(dir, 'new-ws');
    const ws = await Workspace.open(root);
    await ws.ensureLayout();
    const entries = (await readdir(root)).sort();
    expect(entries).toEqual([
      '.gitignore',
      '.lakebench',
      'lakebench.yaml',
      'landing',
      'notebooks',
      'pipelines',
    ]);
    expect(await readFile(path.join(root, '.gitignore'), 'utf8')).toContain('.lakebench/');
    expect(ws.name).toBe('new-ws');
  });

  it('keeps an existing .gitignore and adds the engine folder once', async () => {
    await writeFile(path.join(dir, '.gitignore'), 'node_modules');
    const ws = await Workspace.open(dir);
    await ws.ensureLayout();
    await ws.ensureLayout();
    const text = await readFile(path.join(dir, '.gitignore'), 'utf8');
    expect(text.startsWith('node_modules\n')).toBe(true);
    expect(text.match(/\.lakebench\//g)).toHaveLength(1);
    expect(text.match(/^tables\/$/gm)).toHaveLength(1);
  });

  it('keeps Delta table folders out of the explorer: the Data area shows tables', async () => {
    const ws = await Workspace.open(dir);
    await ws.ensureLayout();
    await mkdir(path.join(dir, 'tables', 'main', 'trips', '_delta_log'), { recursive: true });
    await writeFile(
      path.join(dir, 'tables', 'main', 'trips', '_delta_log', '00000000000000000000.json'),
      '{}',
    );
    await mkdir(path.join(dir, 'notebooks', 'tables'), { recursive: true });
    const files = (await ws.listFiles()).map((f) => f.path);
    expect(files.some((f) => f.startsWith('tables'))).toBe(false);
    // Only the workspace's own tables/ folder: one of that name elsewhere is the user's.
    expect(files).toContain('notebooks/tables');
  });

  it('refuses a lakebench.yaml that does not parse, naming line and column, and changes nothing', async () => {
    const settings = 'version: 1\nwarehouse:\n  threads: [4\n';
    await writeFile(path.join(dir, 'lakebench.yaml'), settings);
    await expect(Workspace.open(dir)).rejects.toMatchObject({
      code: 'WORKSPACE_INVALID_SETTINGS',
      message: expect.stringMatching(/lakebench\.yaml:\d+:\d+: /),
      location: { line: expect.any(Number), column: expect.any(Number) },
    });
    expect(await readdir(dir)).toEqual(['lakebench.yaml']);
    expect(await readFile(path.join(dir, 'lakebench.yaml'), 'utf8')).toBe(settings);
  });

  it('refuses settings of the wrong shape with the key and its position', async () => {
    await writeFile(path.join(dir, 'lakebench.yaml'), 'version: 1\nwarehouse:\n  threads: many\n');
    await expect(Workspace.open(dir)).rejects.toMatchObject({
      code: 'WORKSPACE_INVALID_SETTINGS',
      message: expect.stringMatching(/lakebench\.yaml:3:12: warehouse\.threads: /),
    });
  });

  it('refuses a folder it cannot write to (read-only mount simulated by a file in the way)', async () => {
    // As root every folder is writable; a path under a regular file cannot be created by anyone.
    await writeFile(path.join(dir, 'file'), 'x');
    await expect(Workspace.open(path.join(dir, 'file', 'ws'))).rejects.toMatchObject({
      code: 'WORKSPACE_NOT_WRITABLE',
    });
    await expect(Workspace.open(path.join(dir, 'file'))).rejects.toThrow(/is a file, not a folder/);
  });

  it('reports changed files, in folders made while watching too, and never engine state', async () => {
    const ws = await Workspace.open(dir);
    await ws.ensureLayout();
    const seen = new Set<string>();
    ws.watch((paths) => paths.forEach((p) => seen.add(p)));
    const until = async (what: string) => {
      for (let i = 0; i < 200 && !seen.has(what); i++) await new Promise((r) => setTimeout(r, 25));
      expect([...seen]).toContain(what);
    };
    try {
      await mkdir(path.join(dir, 'notebooks', 'deep'), { recursive: true });
      await writeFile(path.join(dir, 'notebooks', 'deep', 'a.ipynb'), '{}');
      await until('notebooks/deep/a.ipynb');
      // A top-level folder made while watching: what it holds at once and what is written later.
      await mkdir(path.join(dir, 'reports', 'q1'), { recursive: true });
      await writeFile(path.join(dir, 'reports', 'q1', 'first.csv'), 'a\n');
      await until('reports/q1/first.csv');
      await writeFile(path.join(dir, 'reports', 'q1', 'later.csv'), 'b\n');
      await until('reports/q1/later.csv');
      // Engine state is the app's own business: never reported.
      await writeFile(path.join(dir, '.lakebench', 'noise.db-wal'), 'x');
      await writeFile(path.join(dir, 'lakebench.yaml.tmp'), 'x');
      await writeFile(path.join(dir, 'landing', 'marker.csv'), 'c\n');
      await until('landing/marker.csv');
      expect([...seen].filter((p) => p.startsWith('.lakebench') || p.endsWith('.tmp'))).toEqual([]);
    } finally {
      ws.close();
    }
  });

  it('tells every watcher of the folder, and stops telling one that unsubscribed', async () => {
    const ws = await Workspace.open(dir);
    await ws.ensureLayout();
    const first: string[] = [];
    const second: string[] = [];
    const stopFirst = ws.watch((paths) => first.push(...paths));
    ws.watch((paths) => second.push(...paths));
    const until = async (list: string[], what: string) => {
      for (let i = 0; i < 200 && !list.includes(what); i++) await new Promise((r) => setTimeout(r, 25));
      expect(list).toContain(what);
    };
    try {
      await writeFile(path.join(dir, 'notebooks', 'one.ipynb'), '{}');
      await until(first, 'notebooks/one.ipynb');
      await until(second, 'notebooks/one.ipynb');
      stopFirst();
      await writeFile(path.join(dir, 'notebooks', 'two.ipynb'), '{}');
      await until(second, 'notebooks/two.ipynb');
      expect(first).not.toContain('notebooks/two.ipynb');
    } finally {
      ws.close();
    }
  });

  it('lists files without engine state and refuses paths outside the folder', async () => {
    const ws = await Workspace.open(dir);
    await ws.ensureLayout();
    await writeFile(path.join(dir, 'notebooks', 'a.ipynb'), '{}');
    await writeFile(path.join(dir, '.lakebench', 'x.db'), '');
    const files = await ws.listFiles();
    expect(files.map((f) => f.path)).toContain('notebooks/a.ipynb');
    expect(files.some((f) => f.path.startsWith('.lakebench'))).toBe(false);
    expect(() => ws.resolve('../outside.txt')).toThrow(/outside the workspace/);
    expect(() => ws.resolve('.lakebench/warehouse.duckdb')).toThrow(/engine state/);
    expect(() => ws.resolve('/etc/passwd')).toThrow(/outside the workspace/);
  });
});

describe('core workspace switching', () => {
  it('keeps the open workspace when another cannot be opened', async () => {
    const good = path.join(dir, 'good');
    const bad = path.join(dir, 'bad');
    await mkdir(bad);
    await writeFile(path.join(bad, 'lakebench.yaml'), 'version: [');
    const core = await LakebenchCore.open({ workspacePath: good, version: '0.1.0' });
    try {
      await expect(core.openWorkspace(bad)).rejects.toMatchObject({ code: 'WORKSPACE_INVALID_SETTINGS' });
      expect(core.workspace.root).toBe(good);
      expect(existsSync(path.join(bad, '.lakebench'))).toBe(false);
      const other = await core.openWorkspace(path.join(dir, 'other'));
      expect(other.root).toBe(path.join(dir, 'other'));
      const info = await core.host.dispatch('app.getInfo', {}, { clientId: 't' });
      expect(info).toMatchObject({ ok: true, value: { workspace: { root: path.join(dir, 'other') } } });
    } finally {
      await core.close();
    }
  });

  it('generates the sample data when the sample workspace opens', async () => {
    const root = path.join(dir, 'sample');
    await mkdir(root);
    await writeFile(path.join(root, 'lakebench.yaml'), 'version: 1\nsample: true\n');
    const core = await LakebenchCore.open({ workspacePath: root, version: '0.1.0', sampleRows: 20_000 });
    try {
      const rows = await core.warehouse.queryRows(
        'SELECT count(*) AS n, count(DISTINCT pickup_zone_id) AS zones, min(fare) > 0 AS positive FROM trips',
      );
      expect(rows[0]).toEqual({ n: 20_000n, zones: 16n, positive: true });
      expect(core.workspace.info().isSample).toBe(true);
    } finally {
      await core.close();
    }
  });
});

describe('a store that cannot be written', () => {
  it('refuses the workspace at once, naming the file, instead of failing on the first write', async () => {
    const { dir: root, cleanup: done } = await tempDir('lakebench-readonly-');
    const ws = path.join(root, 'ws');
    const core = await LakebenchCore.open({ workspacePath: ws, version: '0' });
    await core.close();
    const db = path.join(ws, '.lakebench', 'tracker.db');
    // Root writes through permission bits; an immutable file is read-only even for root.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) execFileSync('chattr', ['+i', db]);
    else await chmod(db, 0o444);
    try {
      await expect(LakebenchCore.open({ workspacePath: ws, version: '0' })).rejects.toMatchObject({
        code: 'WORKSPACE_NOT_WRITABLE',
        message: expect.stringContaining(path.join('.lakebench', 'tracker.db')),
      });
    } finally {
      if (asRoot) execFileSync('chattr', ['-i', db]);
      else await chmod(db, 0o600);
    }
    const again = await LakebenchCore.open({ workspacePath: ws, version: '0' });
    await again.close();
    await done();
  }, 60_000);
});
