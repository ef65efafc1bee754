import { spawn, spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalLogsService } from '../../electron/core/logs';
import type { LogRecord, LogSource } from '../../shared/logs/model';
import { tempDir } from '../support/temp';

const CLI = path.join(process.cwd(), 'electron', 'cli.ts');
const ENTRY = `import(${JSON.stringify(CLI)}).then((m) => m.main(process.argv.slice(1)))`;
const cliArgs = (args: string[]) => ['--import', 'tsx', '-e', ENTRY, ...args];

function lakebench(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, cliArgs(args), { encoding: 'utf8', timeout: 90_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const load: LogSource = { kind: 'pipeline', pipelineId: 'etl', runId: 'r1', taskId: 'load', tryNumber: 1 };
const report: LogSource = {
  kind: 'pipeline',
  pipelineId: 'etl',
  runId: 'r1',
  taskId: 'report',
  tryNumber: 1,
};

let dir: string;
let cleanup: () => Promise<void>;
let logs: LocalLogsService;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('lakebench-logs-cli-'));
  await mkdir(path.join(dir, '.lakebench'), { recursive: true });
  logs = new LocalLogsService({
    file: path.join(dir, '.lakebench', 'logs.db'),
    reads: 'inline',
    retentionIntervalMs: null,
    flushIntervalMs: 20,
  });
});
afterEach(async () => {
  await logs.close();
  await cleanup();
});

describe('lakebench logs', () => {
  it('search prints the matching records oldest first, as a table or as JSON lines, within --since', async () => {
    const now = Date.now();
    logs.write({ source: load, line: 1, time: now - 3 * 3600_000, message: 'old failure', level: 'error' });
    logs.write({
      source: load,
      line: 2,
      time: now - 60_000,
      stream: 'stdout',
      message: 'reading orders.csv',
    });
    logs.write({
      source: load,
      line: 3,
      time: now - 50_000,
      level: 'error',
      message: 'load try 1 failed: boom',
    });
    logs.write({ source: report, line: 1, time: now - 40_000, level: 'error', message: 'report failed too' });
    await logs.flush();

    const table = lakebench(['logs', 'search', '--workspace', dir, 'level:error', '--since', '1h']);
    expect(table.stderr).toBe('2 of 2 matching records\n');
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')).toEqual([
      `${new Date(now - 50_000).toISOString()} ERROR pipeline etl/r1/load#1  load try 1 failed: boom`,
      `${new Date(now - 40_000).toISOString()} ERROR pipeline etl/r1/report#1  report failed too`,
      '',
    ]);

    const json = lakebench(['logs', 'search', '-w', dir, 'taskId:load AND level:error', '--format', 'json']);
    expect(json.code).toBe(0);
    const records = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LogRecord);
    expect(records.map((r) => [r.message, r.taskId, r.line])).toEqual([
      ['old failure', 'load', 1],
      ['load try 1 failed: boom', 'load', 3],
    ]);
  }, 60_000);

  it('search says where a mistake in the query is', () => {
    const r = lakebench(['logs', 'search', '--workspace', dir, 'taskId:load AND levle:error']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'lakebench: the query is not valid at column 17: unknown field "levle": one of time, level, source, stream, line, pipelineId, runId, taskId, tryNumber, notebook, cellId, table, ingestFile, kernelId, component, requestMethod, requestPath, requestStatus, durationMs, message, or fields.<name>\n' +
        '  taskId:load AND levle:error\n' +
        '                  ^\n',
    );
    const notWs = lakebench(['logs', 'search', '--workspace', path.join(dir, 'nope'), 'x']);
    expect(notWs.code).toBe(1);
    expect(notWs.stderr).toContain('is not a Lakebench workspace');
  }, 60_000);

  it('tail prints the last matching records, then new ones as they are written, until SIGINT', async () => {
    const now = Date.now();
    logs.write({ source: load, line: 1, time: now - 1000, level: 'error', message: 'earlier error' });
    logs.write({ source: load, line: 2, time: now - 900, message: 'earlier info' });
    await logs.flush();
    const child = spawn(process.execPath, cliArgs(['logs', 'tail', '--workspace', dir, 'level:error']), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const waitFor = async (text: string) => {
      const until = Date.now() + 60_000;
      while (!out.includes(text)) {
        if (Date.now() > until) throw new Error(`tail printed no "${text}":\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await waitFor('earlier error');
      logs.write({ source: report, line: 1, level: 'error', message: 'fresh error' });
      logs.write({ source: report, line: 2, message: 'fresh info' });
      await logs.flush();
      await waitFor('fresh error');
      logs.write({ source: report, line: 3, level: 'error', message: 'second fresh error' });
      await waitFor('second fresh error');
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    const messages = out
      .trim()
      .split('\n')
      .map((l) => l.split('  ').slice(1).join('  '));
    expect(messages).toEqual(['earlier error', 'fresh error', 'second fresh error']);
  }, 90_000);
});
