import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Notebooks } from '../../electron/core/notebooks';
import { Workspace } from '../../electron/core/workspace';
import { serializeIpynb } from '../../shared/notebook/ipynb';
import { emptyNotebook } from '../../shared/notebook/model';
import { useCore } from '../support/core';
import { tempDir } from '../support/temp';

const NOTEBOOK = serializeIpynb(emptyNotebook());
const doc = () => ({ metadata: {}, nbformatMinor: 5, cells: [] });

/** Symbolic links inside the workspace must not lead the API to files outside it. */
describe('symbolic links', () => {
  let outside = '';
  const fx = useCore('symlinks', {
    prepare: async (ws) => {
      outside = path.join(path.dirname(ws), 'outside');
      await mkdir(outside, { recursive: true });
      await writeFile(path.join(outside, 'secret.ipynb'), NOTEBOOK);
      await mkdir(path.join(ws, 'notebooks'), { recursive: true });
      await mkdir(path.join(ws, 'shared-notebooks'), { recursive: true });
      await writeFile(path.join(ws, 'shared-notebooks', 'team.ipynb'), NOTEBOOK);
      await mkdir(path.join(ws, '.lakebench'), { recursive: true });
      await symlink(path.join(outside, 'secret.ipynb'), path.join(ws, 'notebooks', 'leak.ipynb'));
      await symlink(outside, path.join(ws, 'notebooks', 'outdir'));
      await symlink(path.join(outside, 'ghost.ipynb'), path.join(ws, 'notebooks', 'ghost.ipynb'));
      await symlink('../shared-notebooks', path.join(ws, 'notebooks', 'shared'));
      await symlink('../.lakebench', path.join(ws, 'notebooks', 'engine'));
      await symlink('..', path.join(ws, 'notebooks', 'loop'));
      await symlink('.', path.join(ws, 'shared-notebooks', 'again'));
    },
  });
  let before = '';
  beforeAll(async () => {
    before = await readFile(path.join(outside, 'secret.ipynb'), 'utf8');
  });

  const refused = async (method: Parameters<typeof fx.fails>[0], args: unknown) => {
    const error = await fx.fails(method, args);
    expect(error.code, `${method} ${JSON.stringify(args)}: ${error.message}`).toBe('PATH_OUTSIDE_WORKSPACE');
  };

  it('refuses a link to a file outside for every notebook request', async () => {
    await refused('notebooks.open', { path: 'notebooks/leak.ipynb' });
    await refused('notebooks.stat', { path: 'notebooks/leak.ipynb' });
    await refused('notebooks.save', { path: 'notebooks/leak.ipynb', notebook: doc(), force: true });
    await refused('notebooks.delete', { path: 'notebooks/leak.ipynb' });
    await refused('notebooks.rename', { from: 'notebooks/leak.ipynb', to: 'notebooks/mine.ipynb' });
    await refused('notebooks.rename', {
      from: 'shared-notebooks/team.ipynb',
      to: 'notebooks/outdir/x.ipynb',
    });
    expect(await readFile(path.join(outside, 'secret.ipynb'), 'utf8')).toBe(before);
  });

  it('refuses a link to a folder outside, for files in it that exist and that do not', async () => {
    await refused('notebooks.open', { path: 'notebooks/outdir/secret.ipynb' });
    await refused('notebooks.save', { path: 'notebooks/outdir/new.ipynb', notebook: doc(), force: true });
    await refused('notebooks.save', {
      path: 'notebooks/outdir/deeper/new.ipynb',
      notebook: doc(),
      force: true,
    });
    await refused('notebooks.delete', { path: 'notebooks/outdir/secret.ipynb' });
    expect(await readdir(outside)).toEqual(['secret.ipynb']);
  });

  it('refuses a dangling link whose target would be created outside', async () => {
    await refused('notebooks.save', { path: 'notebooks/ghost.ipynb', notebook: doc(), force: true });
    await refused('notebooks.open', { path: 'notebooks/ghost.ipynb' });
    expect(existsSync(path.join(outside, 'ghost.ipynb'))).toBe(false);
  });

  it("refuses a link into Lakebench's engine state", async () => {
    await refused('notebooks.save', { path: 'notebooks/engine/x.ipynb', notebook: doc(), force: true });
    expect(existsSync(path.join(fx.workspace, '.lakebench', 'x.ipynb'))).toBe(false);
  });

  it('lists the links that stay inside, once, and none that leave', async () => {
    const files = (await fx.call('workspace.listFiles', {})).map((f) => f.path);
    expect(files).toContain('notebooks/shared/team.ipynb');
    // A link to a folder it is in is named, not walked again; one to the workspace itself is not a file.
    expect(files).toContain('shared-notebooks/again');
    expect(files.filter((f) => f.startsWith('shared-notebooks/again/'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('notebooks/loop'))).toEqual([]);
    for (const gone of [
      'notebooks/leak.ipynb',
      'notebooks/outdir',
      'notebooks/ghost.ipynb',
      'notebooks/engine',
    ]) {
      expect(files.filter((f) => f === gone || f.startsWith(`${gone}/`))).toEqual([]);
    }
  });

  it('follows a folder linked on purpose within the workspace', async () => {
    const opened = await fx.call('notebooks.open', { path: 'notebooks/shared/team.ipynb' });
    expect(opened.path).toBe('notebooks/shared/team.ipynb');
    await fx.call('notebooks.save', {
      path: 'notebooks/shared/new.ipynb',
      notebook: doc(),
      baseMtimeMs: null,
    });
    expect(existsSync(path.join(fx.workspace, 'shared-notebooks', 'new.ipynb'))).toBe(true);
    await fx.call('notebooks.delete', { path: 'notebooks/shared/new.ipynb' });
    expect(existsSync(path.join(fx.workspace, 'shared-notebooks', 'new.ipynb'))).toBe(false);
  });
});

describe('a notebooks folder that is a link outside the workspace', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => undefined;
  afterAll(async () => cleanup());

  it('refuses to create a notebook through it', async () => {
    ({ dir, cleanup } = await tempDir('lakebench-symlink-create-'));
    const ws = path.join(dir, 'ws');
    await mkdir(path.join(dir, 'elsewhere'), { recursive: true });
    await mkdir(ws, { recursive: true });
    await symlink(path.join(dir, 'elsewhere'), path.join(ws, 'notebooks'));
    const workspace = await Workspace.open(ws);
    const notebooks = new Notebooks(workspace);
    await expect(notebooks.create('Analysis')).rejects.toMatchObject({ code: 'PATH_OUTSIDE_WORKSPACE' });
    expect(await readdir(path.join(dir, 'elsewhere'))).toEqual([]);
    workspace.close();
  });
});
