import { spawn, spawnSync } from 'node:child_process';
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LakebenchCore, tablesService } from '../../electron/core/app';
import { processStartMs } from '../../electron/core/workspace';
import { startServer } from '../../electron/server';
import { tempDir } from '../support/temp';

const CLI = path.join(process.cwd(), 'electron', 'cli.ts');
const ENTRY = `import(${JSON.stringify(CLI)}).then((m) => m.main(process.argv.slice(1)))`;

/** Runs the lakebench CLI from source as a child process, to completion. */
function lakebench(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', ENTRY, ...args], {
    encoding: 'utf8',
    timeout: 90_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI without blocking this process (which may be the server it talks to). */
function lakebenchAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', ENTRY, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('lakebench-sql-'));
});
afterEach(async () => cleanup());

describe('lakebench sql', () => {
  it('writes a Delta table, reads it back in each format, and shows its history', () => {
    const create = lakebench(['sql', '--workspace', dir, `CREATE TABLE t AS SELECT 1 AS a, 'x,y' AS b`]);
    expect(create.stderr).toBe('');
    expect(create.code).toBe(0);
    expect(create.stdout).toContain('Count');
    const insert = lakebench(['sql', '--workspace', dir, `INSERT INTO t VALUES (2, 'z')`]);
    expect(insert.code).toBe(0);
    const csv = lakebench(['sql', '--workspace', dir, 'SELECT * FROM t ORDER BY a', '--format', 'csv']);
    expect(csv.stdout).toBe('a,b\n1,"x,y"\n2,z\n');
    const json = lakebench([
      'sql',
      '--workspace',
      dir,
      'SELECT a FROM t VERSION AS OF 0',
      '--format',
      'json',
    ]);
    expect(JSON.parse(json.stdout)).toEqual([{ a: 1 }]);
    const table = lakebench(['sql', '--workspace', dir, 'DESCRIBE HISTORY t']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^version \| timestamp/);
    expect(table.stdout).toContain('CREATE TABLE AS SELECT');
    expect(table.stdout).toContain('(2 rows)');
  });

  it("exits 1 with DuckDB's message and the line and column", () => {
    const r = lakebench(['sql', '--workspace', dir, 'SELECT 1;\nSELECT nope FROM range(1)']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/Binder Error: Referenced column "nope" not found/);
    expect(r.stderr).toContain('line 2, column 8');
  });

  it('runs the SQL in the Lakebench that has the workspace open, over its API', async () => {
    const core = await LakebenchCore.open({ workspacePath: dir, version: '0' });
    const server = await startServer({ core, port: 0, writeServerJson: true });
    try {
      const r = await lakebenchAsync([
        'sql',
        '--workspace',
        dir,
        'CREATE TABLE shared AS SELECT * FROM range(3) t(i)',
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const tables = core.get(tablesService);
      const h = await tables.delta.history(tables.pathOf('main', 'shared'));
      expect(h.map((e) => e.operation)).toEqual(['CREATE TABLE AS SELECT']);
      const read = await lakebenchAsync([
        'sql',
        '--workspace',
        dir,
        'SELECT sum(i)::INT AS s FROM shared',
        '-f',
        'json',
      ]);
      expect(JSON.parse(read.stdout)).toEqual([{ s: 3 }]);
      const bad = await lakebenchAsync(['sql', '--workspace', dir, 'SELECT nope FROM shared']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/Referenced column "nope" not found.*line 1, column 8/s);
    } finally {
      await server.close();
      await core.close();
    }
  });

  it('says so when the Lakebench that has the workspace open cannot be reached', async () => {
    await mkdir(path.join(dir, '.lakebench'), { recursive: true });
    // This test's own process stands in for the server that holds the workspace.
    await writeFile(
      path.join(dir, '.lakebench', 'server.json'),
      JSON.stringify({
        pid: process.pid,
        port: 4321,
        token: 'secret',
        startedAt: processStartMs(process.pid),
      }),
    );
    const r = lakebench(['sql', '--workspace', dir, 'SELECT 1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/could not reach the Lakebench on port 4321/);
    expect(r.stderr).not.toContain('secret');
  });
});
