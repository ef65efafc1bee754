import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Notebooks } from '../../electron/core/notebooks';
import { Workspace } from '../../electron/core/workspace';
import { parseIpynb } from '../../shared/notebook/ipynb';
import { newCell } from '../../shared/notebook/model';
import { resourcesDir } from '../../electron/core/sample';
import { tempDir } from '../support/temp';

let dir: string;
let cleanup: () => Promise<void>;
let notebooks: Notebooks;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  const ws = await Workspace.open(dir);
  await ws.ensureLayout();
  notebooks = new Notebooks(ws);
});
afterEach(async () => cleanup());

const PYTHON = '/usr/bin/python3';

/** Validates a notebook with Jupyter's own nbformat library, as Jupyter does when it opens one. */
function jupyterValidate(file: string): string {
  return execFileSync(
    PYTHON,
    [
      '-c',
      'import sys, nbformat; nb = nbformat.read(sys.argv[1], as_version=4); nbformat.validate(nb); print("valid")',
      file,
    ],
    { encoding: 'utf8' },
  ).trim();
}

describe('notebooks', () => {
  it('creates a notebook under notebooks/ that Jupyter validates', async () => {
    const { path: rel } = await notebooks.create('First steps');
    expect(rel).toBe('notebooks/First steps.ipynb');
    const opened = await notebooks.open(rel);
    expect(opened.notebook.cells).toHaveLength(1);
    expect(opened.notebook.cells[0].language).toBe('sql');
    expect(jupyterValidate(path.join(dir, rel))).toBe('valid');
  });

  it('saves cells with outputs so that Jupyter validates the file', async () => {
    const { path: rel } = await notebooks.create('saved');
    const opened = await notebooks.open(rel);
    const sql = newCell('sql', 'SELECT 42 AS answer');
    sql.executionCount = 1;
    sql.outputs = [
      {
        output_type: 'execute_result',
        execution_count: 1,
        data: { 'text/plain': 'answer\n42' },
        metadata: { lakebench: { rows: 1 } },
      },
    ];
    const md = newCell('markdown', '# Notes\nSome *text*.');
    const doc = { ...opened.notebook, cells: [md, sql] };
    await notebooks.save(rel, doc, opened.mtimeMs, false);
    expect(jupyterValidate(path.join(dir, rel))).toBe('valid');
    const again = await notebooks.open(rel);
    expect(again.notebook.cells.map((c) => c.source)).toEqual([
      '# Notes\nSome *text*.',
      'SELECT 42 AS answer',
    ]);
    expect(again.notebook.cells[1].outputs).toEqual(sql.outputs);
  });

  it('ships a sample notebook that Jupyter validates and Lakebench reads', async () => {
    const file = path.join(resourcesDir(), 'sample-workspace', 'notebooks', 'welcome.ipynb');
    expect(jupyterValidate(file)).toBe('valid');
    const doc = parseIpynb(await readFile(file, 'utf8'), 'welcome.ipynb');
    expect(doc.cells.filter((c) => c.language === 'sql').length).toBeGreaterThan(2);
  });

  it('reports a broken notebook and leaves the file untouched', async () => {
    const file = path.join(dir, 'notebooks', 'broken.ipynb');
    const content = '{"nbformat": 4, "cells": [ {"cell_type": "code", "source": "SELECT 1"} ';
    await writeFile(file, content);
    await expect(notebooks.open('notebooks/broken.ipynb')).rejects.toMatchObject({
      code: 'NOTEBOOK_INVALID',
      location: { file: 'notebooks/broken.ipynb', line: 1 },
    });
    expect(await readFile(file, 'utf8')).toBe(content);
  });

  it('never overwrites a file that changed on disk since it was read', async () => {
    const { path: rel } = await notebooks.create('shared');
    const opened = await notebooks.open(rel);
    const full = path.join(dir, rel);
    const later = new Date(Date.now() + 5000);
    await writeFile(full, (await readFile(full, 'utf8')).replace('"cells"', '"cells"'));
    await utimes(full, later, later);
    const edited = await readFile(full, 'utf8');
    await expect(notebooks.save(rel, opened.notebook, opened.mtimeMs, false)).rejects.toMatchObject({
      code: 'NOTEBOOK_CHANGED_ON_DISK',
    });
    expect(await readFile(full, 'utf8')).toBe(edited);
    await notebooks.save(rel, opened.notebook, opened.mtimeMs, true);
  });

  it('refuses bad names, existing files, non-notebooks and paths outside', async () => {
    await expect(notebooks.create('a/b')).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(notebooks.create('')).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await notebooks.create('dup');
    await expect(notebooks.create('dup.ipynb')).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(notebooks.open('lakebench.yaml')).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(notebooks.open('../x.ipynb')).rejects.toMatchObject({ code: 'PATH_OUTSIDE_WORKSPACE' });
    await expect(notebooks.open('notebooks/missing.ipynb')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('renames and deletes', async () => {
    const { path: rel } = await notebooks.create('old');
    const { path: renamed } = await notebooks.rename(rel, 'notebooks/new.ipynb');
    expect(existsSync(path.join(dir, rel))).toBe(false);
    await notebooks.delete(renamed);
    expect(existsSync(path.join(dir, renamed))).toBe(false);
  });

  it('leaves no temporary files behind when saving', async () => {
    const { path: rel } = await notebooks.create('clean');
    const opened = await notebooks.open(rel);
    await notebooks.save(rel, opened.notebook, opened.mtimeMs, false);
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(path.join(dir, 'notebooks'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
