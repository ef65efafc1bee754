import { spawn } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PythonKernel, stripAnsi } from '../../electron/core/kernels';
import { isProcessAlive } from '../../electron/core/runtime';
import { tempDir } from '../support/temp';

/** Debian's Python, with ipykernel and jupyter_client. */
const PYTHON = '/usr/bin/python3';

let dir: string;
let cleanup: () => Promise<void>;
const started: PythonKernel[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('lakebench-kernel-'));
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((k) => k.shutdown()));
  await cleanup();
});

async function startKernel(env: Record<string, string> = {}): Promise<PythonKernel> {
  const kernel = await PythonKernel.start({ python: PYTHON, cwd: dir, env });
  started.push(kernel);
  return kernel;
}

/** Waits until a process is gone (an ended process may take a moment to be reaped). */
async function gone(pid: number, deadlineMs = 15_000): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (!isProcessAlive(pid)) return true;
    await new Promise((res) => setTimeout(res, 50));
  }
  return !isProcessAlive(pid);
}

function streamText(outputs: Record<string, unknown>[], name = 'stdout'): string {
  return outputs
    .filter((o) => o.output_type === 'stream' && o.name === name)
    .map((o) => o.text)
    .join('');
}

describe('the Python kernel', () => {
  it('runs code with the tracking variables, keeps state between executions and returns nbformat outputs', async () => {
    const kernel = await startKernel({
      MLFLOW_TRACKING_URI: 'http://127.0.0.1:5999',
      MLFLOW_EXPERIMENT_NAME: 'kernel-test',
    });
    expect(kernel.state).toBe('idle');
    expect(kernel.kernelPid).toBeGreaterThan(0);
    const first = await kernel.execute(
      'import os\nanswer = 42\nprint(os.environ["MLFLOW_TRACKING_URI"], os.environ["MLFLOW_EXPERIMENT_NAME"])\nprint(os.getcwd())\nimport lakebench\nanswer * 2',
    );
    expect(first.status).toBe('ok');
    expect(first.error).toBeNull();
    expect(first.executionCount).toBe(1);
    // Two prints are one stream output, as Jupyter stores them.
    expect(first.outputs[0]).toEqual({
      output_type: 'stream',
      name: 'stdout',
      text: `http://127.0.0.1:5999 kernel-test\n${dir}\n`,
    });
    expect(first.outputs[1]).toEqual({
      output_type: 'execute_result',
      execution_count: 1,
      data: { 'text/plain': '84' },
      metadata: {},
    });

    const rich = await kernel.execute(
      [
        'import base64, sys',
        'from IPython.display import HTML, Image, display',
        'PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")',
        'display(Image(data=PNG, format="png"))',
        'print("to stderr", file=sys.stderr)',
        'HTML("<b>bold</b>")',
      ].join('\n'),
    );
    expect(rich.status).toBe('ok');
    const types = rich.outputs.map((o) => o.output_type);
    expect(types).toEqual(['display_data', 'stream', 'execute_result']);
    expect((rich.outputs[0].data as Record<string, string>)['image/png']).toMatch(/^iVBORw0KGgo/);
    expect(streamText(rich.outputs, 'stderr')).toBe('to stderr\n');
    expect((rich.outputs[2].data as Record<string, string>)['text/html']).toBe('<b>bold</b>');
  });

  it('reports an exception with its traceback and keeps running', async () => {
    const kernel = await startKernel();
    const r = await kernel.execute('def f():\n    raise ValueError("bad value 7")\nf()');
    expect(r.status).toBe('error');
    expect(r.error?.ename).toBe('ValueError');
    expect(r.error?.evalue).toBe('bad value 7');
    const tb = stripAnsi(r.error?.traceback.join('\n') ?? '');
    expect(tb).toContain('----> 3 f()');
    expect(tb).toContain('raise ValueError("bad value 7")');
    expect(r.outputs.at(-1)).toMatchObject({ output_type: 'error', ename: 'ValueError' });
    const after = await kernel.execute('print("still here")');
    expect(after.status).toBe('ok');
    expect(streamText(after.outputs)).toBe('still here\n');
  });

  it('streams stdout while the code runs, and an interrupt stops the code but keeps the state', async () => {
    const kernel = await startKernel();
    await kernel.execute('kept = "yes"');
    const release = path.join(dir, 'release');
    const seen: string[] = [];
    let resolved = false;
    let resolvedBeforeFirstLine: boolean | null = null;
    const running = kernel.execute(
      [
        'import os, time',
        'print("waiting", flush=True)',
        `while not os.path.exists(${JSON.stringify(release)}):`,
        '    time.sleep(0.05)',
        'print("released", flush=True)',
        'time.sleep(600)',
      ].join('\n'),
      {
        onOutput: (o) => {
          if (o.output_type === 'stream') seen.push(String(o.text));
          // The first line arrives before the code can go on: it is streamed, not sent at the end.
          if (String(o.text).includes('waiting')) {
            resolvedBeforeFirstLine = resolved;
            void writeFile(release, '');
          }
          if (String(o.text).includes('released')) kernel.interrupt();
        },
      },
    );
    void running.then(() => (resolved = true));
    expect(kernel.state).toBe('busy');
    const r = await running;
    expect(resolvedBeforeFirstLine).toBe(false);
    expect(seen.join('')).toBe('waiting\nreleased\n');
    expect(r.status).toBe('error');
    expect(r.error?.ename).toBe('KeyboardInterrupt');
    expect(kernel.state).toBe('idle');
    const still = await kernel.execute('kept');
    expect(still.outputs[0]).toMatchObject({ data: { 'text/plain': "'yes'" } });
  });

  it('restarts into a fresh kernel: the old process is gone and so is its state', async () => {
    const kernel = await startKernel();
    await kernel.execute('x = 1');
    const oldPid = kernel.kernelPid as number;
    await kernel.restart();
    expect(kernel.state).toBe('idle');
    expect(kernel.kernelPid).not.toBe(oldPid);
    expect(await gone(oldPid)).toBe(true);
    const r = await kernel.execute('x');
    expect(r.status).toBe('error');
    expect(r.error?.ename).toBe('NameError');
    expect(r.executionCount).toBe(1);
  });

  it('ends an execution as died when the kernel process ends under it', async () => {
    const kernel = await startKernel();
    const r = await kernel.execute('import os\nos._exit(3)');
    expect(r.status).toBe('died');
    expect(r.error?.ename).toBe('KernelDied');
    expect(kernel.state).toBe('dead');
    await expect(kernel.execute('1')).rejects.toMatchObject({ code: 'KERNEL_DIED' });
    await kernel.restart();
    const again = await kernel.execute('1 + 1');
    expect(again.outputs[0]).toMatchObject({ data: { 'text/plain': '2' } });
  });

  it('shuts down the whole process tree: bridge, kernel and what the code started', async () => {
    const kernel = await startKernel();
    const r = await kernel.execute('import subprocess\np = subprocess.Popen(["sleep", "300"])\nprint(p.pid)');
    const child = Number(streamText(r.outputs).trim());
    expect(child).toBeGreaterThan(0);
    const kernelPid = kernel.kernelPid as number;
    const bridgePid = kernel.pid as number;
    expect(isProcessAlive(child)).toBe(true);
    await kernel.shutdown();
    expect(kernel.state).toBe('closed');
    expect(await gone(kernelPid)).toBe(true);
    expect(await gone(bridgePid)).toBe(true);
    expect(await gone(child)).toBe(true);
  });

  it('leaves no kernel behind when the Lakebench process exits or is killed', async () => {
    const script = path.join(dir, 'host.mts');
    const kernelModule = path.resolve('electron/core/kernels/index.ts');
    await writeFile(
      script,
      `import { PythonKernel } from ${JSON.stringify(kernelModule)};
const kernel = await PythonKernel.start({ python: ${JSON.stringify(PYTHON)}, cwd: ${JSON.stringify(dir)} });
const r = await kernel.execute('import subprocess\\np = subprocess.Popen(["sleep", "300"])\\nprint(p.pid)');
const child = Number(String(r.outputs[0].text).trim());
console.log(JSON.stringify({ bridge: kernel.pid, kernel: kernel.kernelPid, child }));
if (process.argv[2] === 'exit') process.exit(0);
setInterval(() => undefined, 1000);
`,
    );
    for (const how of ['exit', 'sigkill'] as const) {
      const host = spawn(process.execPath, ['--import', 'tsx', script, how], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const pids = await new Promise<{ bridge: number; kernel: number; child: number }>((resolve, reject) => {
        let out = '';
        host.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const line = out.split('\n').find((l) => l.startsWith('{'));
          if (line) resolve(JSON.parse(line) as { bridge: number; kernel: number; child: number });
        });
        host.on('exit', (code) => reject(new Error(`the host exited (${code}) before starting a kernel`)));
      });
      if (how === 'sigkill') host.kill('SIGKILL');
      expect(await gone(pids.bridge), `${how}: bridge`).toBe(true);
      expect(await gone(pids.kernel), `${how}: kernel`).toBe(true);
      expect(await gone(pids.child), `${how}: what the kernel started`).toBe(true);
    }
  });

  it('names the interpreter when it lacks jupyter_client and ipykernel, or does not exist', async () => {
    // -S: no site-packages, so this Python has the standard library only.
    const bare = path.join(dir, 'bare-python');
    await writeFile(bare, `#!/bin/sh\nexec ${PYTHON} -S "$@"\n`);
    await chmod(bare, 0o755);
    const missing = PythonKernel.start({ python: bare, cwd: dir });
    await expect(missing).rejects.toMatchObject({ code: 'KERNEL_UNAVAILABLE' });
    const message = await missing.catch((e: Error) => e.message);
    expect(message).toContain(bare);
    expect(message).toContain('jupyter_client');
    expect(message).toContain('ipykernel');

    const nowhere = path.join(dir, 'no-such-python');
    await expect(PythonKernel.start({ python: nowhere, cwd: dir })).rejects.toMatchObject({
      code: 'KERNEL_UNAVAILABLE',
      message: expect.stringContaining(nowhere),
    });
  });
});
