import { spawnSync } from 'node:child_process';
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processStartMs } from '../../electron/core/workspace';
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

  it('says so when the workspace is open in another Lakebench', async () => {
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
    expect(r.stderr).toMatch(/is open in another Lakebench \(process \d+ on port 4321\)/);
    expect(r.stderr).not.toContain('secret');
  });
});
