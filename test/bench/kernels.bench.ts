/**
 * Python kernel benchmarks: how long a kernel takes to answer (a notebook's first Python cell waits for it),
 * the round trip of a trivial cell through the bridge, how fast printed output reaches Lakebench, and how long
 * a clean shutdown takes. Prints figures; never pass/fail.
 */
import { PythonKernel } from '../../electron/core/kernels';
import { tempDir } from '../support/temp';

const PYTHON = process.env.LAKEBENCH_PYTHON ?? '/usr/bin/python3';
const STARTS = 3;
const ROUND_TRIPS = 50;
const LINES = 200_000;

function line(text: string): void {
  process.stdout.write(`  ${text}\n`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function main(): Promise<void> {
  const { dir, cleanup } = await tempDir('lakebench-kernel-bench-');
  try {
    const starts: number[] = [];
    const shutdowns: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      let t = performance.now();
      const kernel = await PythonKernel.start({ python: PYTHON, cwd: dir });
      starts.push(performance.now() - t);
      await kernel.execute('1 + 1');
      t = performance.now();
      await kernel.shutdown();
      shutdowns.push(performance.now() - t);
    }
    line(`kernel start (spawn to first answer), median of ${STARTS}: ${median(starts).toFixed(0)} ms`);
    line(`clean shutdown, median of ${STARTS}: ${median(shutdowns).toFixed(0)} ms`);

    const kernel = await PythonKernel.start({ python: PYTHON, cwd: dir });
    const trips: number[] = [];
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const t = performance.now();
      await kernel.execute('1 + 1');
      trips.push(performance.now() - t);
    }
    line(`round trip of "1 + 1", median of ${ROUND_TRIPS}: ${median(trips).toFixed(1)} ms`);

    let chunks = 0;
    const t = performance.now();
    const r = await kernel.execute(`for i in range(${LINES}):\n    print(i)`, { onOutput: () => chunks++ });
    const ms = performance.now() - t;
    const chars = r.outputs.reduce((n, o) => n + String(o.text ?? '').length, 0);
    line(
      `${LINES.toLocaleString('en-US')} printed lines (${(chars / 1e6).toFixed(1)} MB) in ${ms.toFixed(0)} ms, ${chunks} stream messages`,
    );
    await kernel.shutdown();
  } finally {
    await cleanup();
  }
}
