import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseIpynb } from '../../shared/notebook/ipynb';
import { tempDir } from '../support/temp';

const CLI = path.join(process.cwd(), 'electron', 'cli.ts');
const ENTRY = `import(${JSON.stringify(CLI)}).then((m) => m.main(process.argv.slice(1)))`;

function lakebench(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', ENTRY, ...args], {
    encoding: 'utf8',
    timeout: 90_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SOURCE = `# Databricks notebook source
# MAGIC %md
# MAGIC # Daily trips

# COMMAND ----------

# MAGIC %sql
# MAGIC SELECT count(*) FROM trips

# COMMAND ----------

print("done")

# COMMAND ----------

# MAGIC %scala
# MAGIC val n = 1
`;

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('lakebench-nbcli-'));
  await writeFile(path.join(dir, 'lakebench.yaml'), 'version: 1\n');
});
afterEach(async () => cleanup());

describe('notebook commands', () => {
  it('imports Databricks source and exports it back, and as .ipynb', async () => {
    const src = path.join(dir, 'daily.py');
    await writeFile(src, SOURCE);
    const imported = lakebench(['import-notebook', '--workspace', dir, src]);
    expect(imported.stderr).toContain('imported 4 cell(s) into notebooks/daily.ipynb (1 kept read-only)');
    expect(imported.code).toBe(0);
    const doc = parseIpynb(await readFile(path.join(dir, 'notebooks', 'daily.ipynb'), 'utf8'), 'daily.ipynb');
    expect(doc.cells.map((c) => c.language)).toEqual(['markdown', 'sql', 'python', 'python']);
    expect(doc.cells[3].readOnly).toMatch(/scala/);

    const back = lakebench([
      'export-notebook',
      '--workspace',
      dir,
      'notebooks/daily.ipynb',
      '--format',
      'databricks',
    ]);
    expect(back.code).toBe(0);
    expect(back.stdout).toBe(SOURCE);

    const out = path.join(dir, 'copy.ipynb');
    const ipynb = lakebench([
      'export-notebook',
      '--workspace',
      dir,
      'notebooks/daily.ipynb',
      '--format',
      'ipynb',
      '-o',
      out,
    ]);
    expect(ipynb.code).toBe(0);
    expect(JSON.parse(await readFile(out, 'utf8')).nbformat).toBe(4);
  });

  it('names what is wrong and exits non-zero', async () => {
    const bad = path.join(dir, 'bad.py');
    await writeFile(bad, 'print(1)\n');
    const r = lakebench(['import-notebook', '--workspace', dir, bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.py: is not a Databricks notebook/);
    const f = lakebench(['export-notebook', '--workspace', dir, 'notebooks/none.ipynb', '--format', 'pdf']);
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(/--format is ipynb or databricks/);
  });

  it('runs a notebook headless with parameters, writes the executed notebook, and fails on a failed cell', async () => {
    const nb = (cells: unknown[], metadata: Record<string, unknown> = {}) =>
      JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata, cells });
    const code = (id: string, source: string, language: string, tags?: string[]) => ({
      cell_type: 'code',
      id,
      metadata: { lakebench: { language }, ...(tags ? { tags } : {}) },
      source,
      outputs: [],
      execution_count: null,
    });
    await mkdir(path.join(dir, 'notebooks'), { recursive: true });
    await writeFile(
      path.join(dir, 'notebooks', 'job.ipynb'),
      nb([
        code('p', 'n = 1', 'python', ['parameters']),
        code('s', 'SELECT {{ params.n }} * 10 AS tens', 'sql'),
        code('x', 'print("n is", n * 2)', 'python'),
      ]),
    );
    const out = path.join(dir, 'out.ipynb');
    const ok = lakebench([
      'run-notebook',
      '--workspace',
      dir,
      'notebooks/job.ipynb',
      '-p',
      'n=21',
      '-o',
      out,
    ]);
    expect(ok.stderr).toContain(`executed notebook: ${out}`);
    expect(ok.code).toBe(0);
    const executed = JSON.parse(await readFile(out, 'utf8')) as {
      cells: { source: string[]; outputs: { text?: string[] }[] }[];
    };
    const printed = executed.cells
      .flatMap((c) => c.outputs)
      .flatMap((o) => o.text ?? [])
      .join('');
    expect(printed).toContain('n is 42');

    await writeFile(
      path.join(dir, 'notebooks', 'bad.ipynb'),
      nb([code('b', 'raise ValueError("no fares")', 'python')]),
    );
    const bad = lakebench(['run-notebook', '--workspace', dir, 'notebooks/bad.ipynb']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/ValueError/);
    expect(bad.stderr).toMatch(/cell 1/);

    await writeFile(
      path.join(dir, 'notebooks', 'julia.ipynb'),
      nb(
        [
          {
            cell_type: 'code',
            id: 'j',
            metadata: {},
            source: 'println(1)',
            outputs: [],
            execution_count: null,
          },
        ],
        {
          kernelspec: { name: 'julia', display_name: 'Julia', language: 'julia' },
        },
      ),
    );
    const julia = lakebench(['run-notebook', '--workspace', dir, 'notebooks/julia.ipynb']);
    expect(julia.code).toBe(1);
    expect(julia.stderr).toMatch(/cell 1 of notebooks\/julia\.ipynb is julia code/);
  });
});
