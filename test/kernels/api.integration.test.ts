import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../shared/api/contract';
import type { LakebenchClient } from '../../shared/api/client';
import { LakebenchCore } from '../../electron/core/app';
import { isProcessAlive } from '../../electron/core/runtime';
import { fileVersion } from '../../electron/core/tracker';
import { startServer, type RunningServer } from '../../electron/server';
import { nextEvent } from '../support/contract-cases';
import { tempDir } from '../support/temp';
import { connectWs } from '../support/ws-client';

/** The kernels' requests and events through the WebSocket host, with a real core and Debian's Python. */

let core: LakebenchCore;
let server: RunningServer;
let client: LakebenchClient;
let closeClient: () => void;
let cleanup: () => Promise<void>;
let wsDir: string;
const previousPython = process.env.LAKEBENCH_PYTHON;

beforeAll(async () => {
  process.env.LAKEBENCH_PYTHON = '/usr/bin/python3';
  const tmp = await tempDir('lakebench-kernels-api-');
  cleanup = tmp.cleanup;
  wsDir = path.join(tmp.dir, 'ws');
  core = await LakebenchCore.open({
    workspacePath: wsDir,
    version: '0.1.0',
    validateResults: true,
  });
  server = await startServer({ core, port: 0, writeServerJson: true });
  ({ client, close: closeClient } = await connectWs(
    `ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`,
  ));
});
afterAll(async () => {
  closeClient();
  await server.close();
  await core.close();
  await cleanup();
  if (previousPython === undefined) delete process.env.LAKEBENCH_PYTHON;
  else process.env.LAKEBENCH_PYTHON = previousPython;
});

let counter = 0;

/** Runs code in a notebook's kernel and collects what the events say about it. */
async function run(notebook: string, code: string, onOutput?: (o: Record<string, unknown>) => void) {
  const executionId = `e-${++counter}`;
  const outputs: Record<string, unknown>[] = [];
  const off = client.on('kernels.onOutput', (p) => {
    if (p.executionId !== executionId) return;
    outputs.push(p.output);
    onOutput?.(p.output);
  });
  const finished = nextEvent(
    client,
    'kernels.onExecutionFinished',
    (p) => p.executionId === executionId,
    90_000,
  );
  const started = await client.call('kernels.execute', { notebook, cellId: 'cell-1', code, executionId });
  expect(started.executionId).toBe(executionId);
  const end: EventPayload<'kernels.onExecutionFinished'> = await finished;
  off();
  return { end, outputs };
}

const stdout = (outputs: Record<string, unknown>[]) =>
  outputs
    .filter((o) => o.output_type === 'stream' && o.name === 'stdout')
    .map((o) => String(o.text))
    .join('');

describe('the kernels API', () => {
  it('starts a kernel per notebook on first use, streams outputs as events and logs runs to the tracker', async () => {
    const nb = 'notebooks/first.ipynb';
    await mkdir(path.join(wsDir, 'notebooks'), { recursive: true });
    await writeFile(
      path.join(wsDir, nb),
      JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] }),
    );
    expect(await client.call('kernels.getInfo', { notebook: nb })).toMatchObject({ state: 'none' });
    const states: string[] = [];
    const offStatus = client.on('kernels.onStatus', (p) => p.notebook === nb && states.push(p.state));
    const r = await run(
      nb,
      [
        'import os',
        'import lakebench as lb',
        'print(os.environ["MLFLOW_EXPERIMENT_NAME"])',
        'with lb.start_run(run_name="from-a-cell") as run:',
        '    lb.log_metric("accuracy", 0.93)',
        'pid = os.getpid()',
        'pid',
      ].join('\n'),
    );
    offStatus();
    expect(r.end).toMatchObject({
      notebook: nb,
      cellId: 'cell-1',
      status: 'ok',
      executionCount: 1,
      error: null,
    });
    expect(stdout(r.outputs)).toBe(`notebook:${nb}\n`);
    expect(states.slice(0, 2)).toEqual(['starting', 'idle']);
    expect(states).toContain('busy');
    // The cell logged into the workspace's tracker through the MLflow API, in the notebook's experiment.
    const experiment = core.tracker.getExperimentByName(`notebook:${nb}`);
    const found = await client.call('tracker.searchRuns', { experimentIds: [experiment.experimentId] });
    expect(found.runs.map((x) => x.info.runName)).toEqual(['from-a-cell']);
    expect(found.runs[0].metrics.accuracy.value).toBe(0.93);
    expect(found.runs[0].tags['lakebench.source.notebook']).toBe(nb);
    // ...and names the cell and the notebook's version as saved when the cell ran.
    expect(found.runs[0].tags['lakebench.source.cell']).toBe('cell-1');
    expect(found.runs[0].tags['lakebench.source.version']).toBe(fileVersion(path.join(wsDir, nb)));
    expect(found.runs[0].tags['lakebench.source.version']).toMatch(/^sha256:[0-9a-f]{16}$/);

    const info = await client.call('kernels.getInfo', { notebook: nb });
    expect(info).toMatchObject({ state: 'idle', python: '/usr/bin/python3' });
    expect(info.pythonVersion).toMatch(/^3\./);
    // A second notebook has a kernel of its own.
    const other = await run('notebooks/second.ipynb', 'print("pid" in dir())');
    expect(stdout(other.outputs)).toBe('False\n');
    const same = await run(nb, 'print("pid" in dir())');
    expect(stdout(same.outputs)).toBe('True\n');
  });

  it('interrupts running code, restarts into a fresh kernel, and shuts the kernel down', async () => {
    const nb = 'notebooks/control.ipynb';
    const first = await run(nb, 'import os\nx = 1\nprint(os.getpid())');
    const pid = Number(stdout(first.outputs).trim());
    let interrupted: Promise<unknown> | null = null;
    const slow = await run(nb, 'import time\nprint("sleeping", flush=True)\ntime.sleep(600)', (o) => {
      if (String(o.text).includes('sleeping'))
        interrupted = client.call('kernels.interrupt', { notebook: nb });
    });
    expect(await interrupted).toEqual({ interrupted: true });
    expect(slow.end.status).toBe('error');
    expect(slow.outputs.at(-1)).toMatchObject({ output_type: 'error', ename: 'KeyboardInterrupt' });

    const info = await client.call('kernels.restart', { notebook: nb });
    expect(info.state).toBe('idle');
    await expect.poll(() => isProcessAlive(pid), { timeout: 15_000 }).toBe(false);
    const after = await run(nb, 'x');
    expect(after.end.status).toBe('error');
    expect(after.outputs[0]).toMatchObject({ output_type: 'error', ename: 'NameError' });

    const pidNow = Number(stdout((await run(nb, 'import os\nprint(os.getpid())')).outputs).trim());
    expect(await client.call('kernels.shutdown', { notebook: nb })).toEqual({ shutdown: true });
    await expect.poll(() => isProcessAlive(pidNow), { timeout: 15_000 }).toBe(false);
    expect(await client.call('kernels.getInfo', { notebook: nb })).toMatchObject({ state: 'none' });
  });

  it('refuses paths outside the workspace and names a Python that cannot run kernels', async () => {
    await expect(
      client.call('kernels.execute', {
        notebook: '../x.ipynb',
        cellId: 'c',
        code: '1',
        executionId: 'bad-1',
      }),
    ).rejects.toMatchObject({ code: 'PATH_OUTSIDE_WORKSPACE' });
    await expect(
      client.call('kernels.execute', {
        notebook: 'notebooks/x.txt',
        cellId: 'c',
        code: '1',
        executionId: 'bad-2',
      }),
    ).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    process.env.LAKEBENCH_PYTHON = '/nonexistent/python3';
    try {
      const r = await run('notebooks/nopython.ipynb', 'print(1)');
      expect(r.end.status).toBe('failed');
      expect(r.end.error?.code).toBe('KERNEL_UNAVAILABLE');
      expect(r.end.error?.message).toContain('/nonexistent/python3');
      const info = await client.call('kernels.getInfo', { notebook: 'notebooks/nopython.ipynb' });
      expect(info).toMatchObject({
        state: 'none',
        python: '/nonexistent/python3',
        error: { code: 'KERNEL_UNAVAILABLE' },
      });
    } finally {
      process.env.LAKEBENCH_PYTHON = '/usr/bin/python3';
    }
  });

  it('completes names the kernel knows, and gives help on them, without starting a kernel for it', async () => {
    const notebook = 'notebooks/complete.ipynb';
    const none = await client.call('kernels.complete', { notebook, code: 'pri', cursor: 3 });
    expect(none.items).toEqual([]);
    expect(core.kernels.getInfo(notebook).state).toBe('none');

    const { end } = await run(
      notebook,
      'import json\nmy_trip_count = 42\ndef fare_of(trip, rate=2.5):\n    """Fare of a trip."""\n    return rate',
    );
    expect(end.status).toBe('ok');
    const code = 'x = my_trip';
    const names = await client.call('kernels.complete', { notebook, code, cursor: code.length });
    expect(names.items.map((i) => i.text)).toContain('my_trip_count');
    expect([names.from, names.to]).toEqual([4, code.length]);
    const attr = await client.call('kernels.complete', { notebook, code: 'json.du', cursor: 7 });
    expect(attr.items.map((i) => i.text)).toEqual(expect.arrayContaining(['dumps', 'dump']));
    // A cursor after non-ASCII text is counted as the editor counts it.
    const accented = 'é = 1; my_tr';
    const again = await client.call('kernels.complete', {
      notebook,
      code: accented,
      cursor: accented.length,
    });
    expect(again.from).toBe(accented.length - 'my_tr'.length);
    const help = await client.call('kernels.inspect', { notebook, code: 'fare_of(', cursor: 7 });
    expect(help.text).toMatch(/fare_of\(trip, rate=2\.5\)/);
    expect(help.text).toContain('Fare of a trip.');
  });

  it("runs code in the notebook's folder and follows the notebook when it is renamed", async () => {
    const { path: notebook } = await client.call('notebooks.create', { name: 'moving' });
    const { outputs } = await run(notebook, 'import os\nprint(os.getcwd())\nkept = 7');
    expect(stdout(outputs).trim()).toBe(path.join(core.workspace.root, 'notebooks'));
    const renamed = await client.call('notebooks.rename', { from: notebook, to: 'notebooks/moved.ipynb' });
    expect(renamed.path).toBe('notebooks/moved.ipynb');
    expect((await client.call('kernels.getInfo', { notebook: 'notebooks/moved.ipynb' })).state).toBe('idle');
    expect((await client.call('kernels.getInfo', { notebook })).state).toBe('none');
    const again = await run('notebooks/moved.ipynb', 'print(kept)');
    expect(stdout(again.outputs).trim()).toBe('7');
  });

  it('stops a kernel when the last page that used it goes away, and keeps it for a page that comes back', async () => {
    core.kernels.orphanGraceMs = 300;
    try {
      const page = await connectWs(`ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`);
      const notebook = 'notebooks/left-open.ipynb';
      const executionId = 'left-1';
      const finished = nextEvent(
        page.client,
        'kernels.onExecutionFinished',
        (p) => p.executionId === executionId,
        90_000,
      );
      await page.client.call('kernels.execute', {
        notebook,
        cellId: 'c',
        code: 'import os\nos.getpid()',
        executionId,
      });
      expect((await finished).status).toBe('ok');
      // Another page opens the same notebook: the kernel is shared and outlives the first page.
      await client.call('kernels.getInfo', { notebook });
      page.close();
      await new Promise((r) => setTimeout(r, 900));
      expect(core.kernels.getInfo(notebook).state).toBe('idle');

      const solo = 'notebooks/solo.ipynb';
      const other = await connectWs(`ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`);
      const done = nextEvent(
        other.client,
        'kernels.onExecutionFinished',
        (p) => p.executionId === 'solo-1',
        90_000,
      );
      await other.client.call('kernels.execute', {
        notebook: solo,
        cellId: 'c',
        code: '1',
        executionId: 'solo-1',
      });
      await done;
      other.close();
      const until = Date.now() + 20_000;
      while (core.kernels.getInfo(solo).state !== 'none' && Date.now() < until)
        await new Promise((r) => setTimeout(r, 100));
      expect(core.kernels.getInfo(solo).state).toBe('none');
    } finally {
      core.kernels.orphanGraceMs = 10_000;
    }
  });
});
