import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stripAnsi } from '../../electron/core/kernels';
import { Pipelines } from '../../electron/core/pipelines';
import { isProcessAlive } from '../../electron/core/runtime';
import { Warehouse } from '../../electron/core/warehouse';
import { Workspace } from '../../electron/core/workspace';
import { RecordingSink } from '../support/events';
import { tempDir } from '../support/temp';

/**
 * Notebook tasks with Python cells: a real kernel on Debian's Python (/usr/bin/python3, with ipykernel and
 * jupyter_client), the pipelines driven as the app drives them.
 */

let dir: string;
let cleanup: () => Promise<void>;
let ws: Workspace;
let warehouse: Warehouse;
let events: RecordingSink;
let pipelines: Pipelines;

const previousPython = process.env.LAKEBENCH_PYTHON;

beforeEach(async () => {
  process.env.LAKEBENCH_PYTHON = '/usr/bin/python3';
  ({ dir, cleanup } = await tempDir('lakebench-nbtask-'));
  ws = await Workspace.open(dir);
  await ws.ensureLayout();
  // A running tracking server as the app writes it: the kernel gets its address and token.
  await writeFile(
    path.join(ws.engineDir, 'server.json'),
    JSON.stringify({ port: 5999, token: 'secret-token', pid: process.pid }),
  );
  warehouse = await Warehouse.open(path.join(ws.engineDir, 'warehouse.duckdb'));
  events = new RecordingSink();
  pipelines = Pipelines.open(ws, warehouse, events);
});
afterEach(async () => {
  await pipelines.close();
  ws.close();
  await warehouse.close();
  await cleanup();
  if (previousPython === undefined) delete process.env.LAKEBENCH_PYTHON;
  else process.env.LAKEBENCH_PYTHON = previousPython;
});

type Cell = { language: 'sql' | 'python' | 'markdown'; source: string; tags?: string[] };

async function writeNotebook(name: string, cells: Cell[]): Promise<string> {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: cells.map((c, i) =>
      c.language === 'markdown'
        ? { id: `c${i + 1}`, cell_type: 'markdown', metadata: {}, source: c.source }
        : {
            id: `c${i + 1}`,
            cell_type: 'code',
            metadata: { lakebench: { language: c.language }, ...(c.tags ? { tags: c.tags } : {}) },
            source: c.source,
            outputs: [],
            execution_count: null,
          },
    ),
  };
  const rel = `notebooks/${name}.ipynb`;
  await writeFile(path.join(dir, rel), JSON.stringify(nb));
  return rel;
}

async function define(id: string, yaml: string): Promise<void> {
  await writeFile(path.join(dir, 'pipelines', `${id}.yaml`), yaml);
}

interface SavedCell {
  id: string;
  cell_type: string;
  source: string[];
  metadata: { tags?: string[]; lakebench?: { language: string } };
  outputs?: Record<string, unknown>[];
  execution_count?: number | null;
}

async function executedNotebook(relative: string | null): Promise<{ cells: SavedCell[] }> {
  expect(relative).not.toBeNull();
  const file = path.join(ws.engineDir, relative as string);
  expect(existsSync(file)).toBe(true);
  return JSON.parse(await readFile(file, 'utf8')) as { cells: SavedCell[] };
}

const text = (cell: SavedCell, type = 'stream'): string =>
  (cell.outputs ?? [])
    .filter((o) => o.output_type === type)
    .map((o) =>
      type === 'stream'
        ? [o.text].flat().join('')
        : [(o.data as Record<string, unknown>)['text/plain']].flat().join(''),
    )
    .join('');

/** Where a run's tries keep their files (logs, executed notebooks). */
function runDir(pipelineId: string, runId: string): string {
  return path.join(ws.engineDir, 'pipelines', pipelineId, runId.replace(/[^A-Za-z0-9._-]/g, '_'));
}

async function log(runId: string, taskId: string, tryNumber: number): Promise<string> {
  return (await pipelines.readLog({ runId, taskId, tryNumber, offset: 0, maxBytes: 1_000_000 })).text;
}

describe('notebook tasks with Python cells', () => {
  it('runs SQL and Python cells in order with injected parameters and keeps the executed notebook', async () => {
    const csv = path.join(dir, 'made-by-python.csv');
    const nb = await writeNotebook('report', [
      { language: 'markdown', source: '# Daily report' },
      { language: 'python', source: 'n = 1\ncity = "Nowhere"\nlimit = 3', tags: ['parameters'] },
      { language: 'sql', source: 'CREATE OR REPLACE TABLE nb AS SELECT {{ params.n }} AS n' },
      {
        language: 'python',
        source: [
          'import os',
          'print("n =", n, "city =", city, "limit =", limit)',
          'print(os.environ["MLFLOW_TRACKING_URI"], os.environ["MLFLOW_TRACKING_TOKEN"], os.environ["MLFLOW_EXPERIMENT_NAME"])',
          'print(os.environ["LAKEBENCH_TASK_ID"], os.environ["LAKEBENCH_TRY_NUMBER"])',
          'with open(out, "w") as f:',
          '    f.write("v\\n" + "\\n".join(str(i * n) for i in range(1, 4)) + "\\n")',
          'n * 2',
        ].join('\n'),
      },
      { language: 'sql', source: "SELECT sum(v)::INTEGER AS total FROM read_csv('{{ params.out }}')" },
      {
        language: 'python',
        source:
          'import json, os\nprint("::lakebench-output::" + json.dumps({"twice": n * 2, "pid": os.getpid()}))',
      },
    ]);
    await define(
      'nb',
      `id: nb
tasks:
  - id: report
    type: notebook
    notebook: ${nb}
    parameters: { n: 21, city: "Saint-Ouen l'Aumône", out: ${JSON.stringify(csv)} }
`,
    );
    const { runId } = await pipelines.trigger('nb', {});
    expect(await pipelines.waitForRun(runId)).toBe('success');
    const t = pipelines.getRun(runId).taskInstances[0];
    expect(t.state).toBe('success');
    // A Python cell's `::lakebench-output::` line is the task's output, as for Python tasks.
    const output = t.output as { twice: number; pid: number };
    expect(output.twice).toBe(42);
    // The try's kernel is gone once the task is done.
    expect(isProcessAlive(output.pid)).toBe(false);

    const saved = await executedNotebook(t.tries[0].executedNotebook);
    expect(saved.cells.map((c) => c.id).filter((id) => /^c\d$/.test(id))).toEqual([
      'c1',
      'c2',
      'c3',
      'c4',
      'c5',
      'c6',
    ]);
    // The injected cell follows the parameters cell and assigns the task's parameters.
    const injected = saved.cells[2];
    expect(injected.metadata.tags).toEqual(['injected-parameters']);
    expect(injected.metadata.lakebench?.language).toBe('python');
    expect(injected.source.join('')).toBe(
      `# Parameters\nn = 21\ncity = "Saint-Ouen l'Aumône"\nout = ${JSON.stringify(csv)}`,
    );
    const [, params, , sql1, py, sql2, last] = saved.cells;
    expect(params.execution_count).toBe(1);
    expect(injected.execution_count).toBe(2);
    expect(sql1.source.join('')).toBe('CREATE OR REPLACE TABLE nb AS SELECT 21 AS n');
    expect(text(py)).toBe(
      `n = 21 city = Saint-Ouen l'Aumône limit = 3\nhttp://127.0.0.1:5999 secret-token pipeline:nb\nreport 1\n`,
    );
    expect(text(py, 'execute_result')).toBe('42');
    expect(py.execution_count).toBe(4);
    expect(py.outputs?.find((o) => o.output_type === 'execute_result')?.execution_count).toBe(4);
    // The SQL cell read what the Python cell before it wrote: 21 + 42 + 63.
    expect(text(sql2, 'execute_result')).toContain('"total":126');
    expect(last.execution_count).toBe(6);
    expect(await warehouse.queryRows('SELECT n FROM nb')).toEqual([{ n: 21 }]);
    const lines = await log(runId, 'report', 1);
    expect(lines).toContain("n = 21 city = Saint-Ouen l'Aumône limit = 3\n");
    expect(lines).toContain('[lakebench] cell 4 (python): import os\n');
  });

  it('fails on a Python error naming the cell and the exception, keeps the traceback, and uses a fresh kernel per try', async () => {
    const nb = await writeNotebook('broken', [
      { language: 'python', source: 'import os\nprint("kernel", os.getpid())\nsteps = 1' },
      { language: 'sql', source: 'SELECT 1 AS one' },
      {
        language: 'python',
        source: 'def check(x):\n    raise ValueError(f"bad input {x}")\n\ncheck(steps)',
      },
      { language: 'python', source: 'print("never runs")' },
    ]);
    await define(
      'broken',
      `id: broken\ntasks:\n  - { id: nb, type: notebook, notebook: ${nb}, retries: 1, retry_delay: 0.1 }\n`,
    );
    const { runId } = await pipelines.trigger('broken', {});
    expect(await pipelines.waitForRun(runId)).toBe('failed');
    const t = pipelines.getRun(runId).taskInstances[0];
    expect(t.tries.map((x) => x.state)).toEqual(['failed', 'failed']);
    const error = t.tries[0].error;
    expect(error?.code).toBe('TASK_FAILED');
    expect(error?.message).toBe(`cell 3 of ${nb} raised ValueError: bad input 1`);
    expect(error?.location).toMatchObject({ file: nb, cellId: 'c3', task: 'nb' });

    const pids: number[] = [];
    for (const tryInfo of t.tries) {
      // Each failed try keeps its executed notebook in its own folder, and its record names it.
      expect(tryInfo.executedNotebook).toBe(
        path
          .relative(
            ws.engineDir,
            path.join(runDir('broken', runId), 'nb', `try-${tryInfo.tryNumber}`, 'broken.ipynb'),
          )
          .split(path.sep)
          .join('/'),
      );
      const saved = await executedNotebook(tryInfo.executedNotebook);
      const [first, , failing, after] = saved.cells;
      pids.push(Number(/kernel (\d+)/.exec(text(first))?.[1]));
      const err = failing.outputs?.find((o) => o.output_type === 'error') as {
        ename: string;
        evalue: string;
        traceback: string[];
      };
      expect(err.ename).toBe('ValueError');
      expect(err.evalue).toBe('bad input 1');
      const tb = stripAnsi(err.traceback.join('\n'));
      expect(tb).toContain('----> 4 check(steps)');
      expect(tb).toContain('raise ValueError(f"bad input {x}")');
      expect(after.outputs).toEqual([]);
      expect(after.execution_count).toBeNull();
    }
    // Each try has its own kernel.
    expect(pids[0]).toBeGreaterThan(0);
    expect(pids[1]).toBeGreaterThan(0);
    expect(pids[0]).not.toBe(pids[1]);
    const lines = await log(runId, 'nb', 1);
    expect(lines).toContain('ValueError: bad input 1');
    expect(lines).not.toContain('\u001b[');
  });

  it('kills the kernel when the run is cancelled or the task times out, and says so in the executed notebook', async () => {
    const nb = await writeNotebook('slow', [
      {
        language: 'python',
        source: [
          'import os, subprocess, time',
          'child = subprocess.Popen(["sleep", "300"])',
          'print("pids", os.getpid(), child.pid, flush=True)',
          'time.sleep(300)',
        ].join('\n'),
      },
      { language: 'python', source: 'print("never runs")' },
    ]);
    await define(
      'slow',
      `id: slow
tasks:
  - { id: cancelled, type: notebook, notebook: ${nb} }
`,
    );
    const { runId } = await pipelines.trigger('slow', {});
    const pidsOf = async (taskId: string) => {
      const e = await events.waitFor(
        'pipelines.onLog',
        (p) => p.runId === runId && p.taskId === taskId && p.lines.some((l) => l.startsWith('pids ')),
        60_000,
      );
      const line = e.lines.find((l) => l.startsWith('pids ')) as string;
      return line.split(' ').slice(1).map(Number);
    };
    const cancelledPids = await pidsOf('cancelled');
    expect(pipelines.cancelRun(runId)).toEqual({ cancelled: true });
    expect(await pipelines.waitForRun(runId)).toBe('failed');
    // The run ends at once; the try records how it ended as its kernel goes.
    await expect
      .poll(() => pipelines.getRun(runId).taskInstances[0].tries[0].error?.code)
      .toBe('TASK_CANCELLED');
    for (const pid of cancelledPids) {
      await expect.poll(() => isProcessAlive(pid), { timeout: 15_000 }).toBe(false);
    }
    const saved = await executedNotebook(pipelines.getRun(runId).taskInstances[0].tries[0].executedNotebook);
    expect(text(saved.cells[0])).toBe(`pids ${cancelledPids.join(' ')}\n`);
    expect(saved.cells[0].outputs?.at(-1)).toMatchObject({ output_type: 'error', ename: 'TaskCancelled' });
    expect(saved.cells[1].execution_count).toBeNull();

    await define(
      'timeout',
      `id: timeout\ntasks:\n  - { id: timed, type: notebook, notebook: ${nb}, execution_timeout: 10s }\n`,
    );
    const second = await pipelines.trigger('timeout', {});
    const e = await events.waitFor(
      'pipelines.onLog',
      (p) => p.runId === second.runId && p.lines.some((l) => l.startsWith('pids ')),
      60_000,
    );
    const pids = (e.lines.find((l) => l.startsWith('pids ')) as string).split(' ').slice(1).map(Number);
    expect(await pipelines.waitForRun(second.runId)).toBe('failed');
    const timed = pipelines.getRun(second.runId).taskInstances[0];
    expect(timed.tries[0].error?.code).toBe('TASK_TIMEOUT');
    for (const pid of pids) await expect.poll(() => isProcessAlive(pid), { timeout: 15_000 }).toBe(false);
    const savedTimed = await executedNotebook(timed.tries[0].executedNotebook);
    expect(savedTimed.cells[0].outputs?.at(-1)).toMatchObject({ output_type: 'error', ename: 'TaskTimeout' });
  });

  it('names the interpreter when it cannot run Python cells, and leaves SQL-only notebooks to DuckDB', async () => {
    process.env.LAKEBENCH_PYTHON = path.join(dir, 'no-such-python');
    await pipelines.close();
    pipelines = Pipelines.open(ws, warehouse, events);
    const py = await writeNotebook('py', [
      { language: 'sql', source: 'SELECT 1' },
      { language: 'python', source: 'print(1)' },
    ]);
    const sql = await writeNotebook('sql', [{ language: 'sql', source: 'SELECT {{ params.n }} AS n' }]);
    await define(
      'nopy',
      `id: nopy
tasks:
  - { id: py, type: notebook, notebook: ${py} }
  - { id: sql, type: notebook, notebook: ${sql}, parameters: { n: 5 } }
`,
    );
    const { runId } = await pipelines.trigger('nopy', {});
    expect(await pipelines.waitForRun(runId)).toBe('failed');
    const byId = Object.fromEntries(pipelines.getRun(runId).taskInstances.map((x) => [x.taskId, x]));
    expect(byId.py.state).toBe('failed');
    expect(byId.py.tries[0].error?.message).toContain(`cell 2 of ${py}: the Python interpreter`);
    expect(byId.py.tries[0].error?.message).toContain(path.join(dir, 'no-such-python'));
    expect(byId.sql.state).toBe('success');
    expect(byId.sql.output).toEqual({ cells: 1, rows: 1, first_row: { n: 5 } });
  });
});
