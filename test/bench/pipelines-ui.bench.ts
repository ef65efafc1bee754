/**
 * First render of a 500-task pipeline in the editor, in Chromium against `lakebench serve`: from the click on
 * the pipeline in the list until every node is on the canvas. Once without saved positions (the layout runs in
 * a worker) and then with the positions the editor saved. Prints figures; never pass/fail.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { launchChromium } from '../e2e/pages';
import { serveLakebench } from '../support/serve';
import { tempDir } from '../support/temp';

const TASKS = 500;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);

function pipelineYaml(n: number): string {
  const lines = ['id: big', 'schedule: "@daily"', 'start_date: 2026-01-01', 'tasks:'];
  for (let i = 0; i < n; i++) {
    const deps =
      i === 0 ? [] : i < 10 ? ['t0'] : [`t${i - 10}`, ...(i % 7 === 0 ? [`t${Math.floor(i / 2)}`] : [])];
    const unique = [...new Set(deps)].filter((d) => d !== `t${i}`);
    lines.push(
      `  - { id: t${i}, type: shell, command: "echo ${i}"${unique.length ? `, depends_on: [${unique.join(', ')}]` : ''} }`,
    );
  }
  return lines.join('\n') + '\n';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function main(): Promise<void> {
  const tmp = await tempDir('lakebench-bench-pipelines-');
  const workspace = path.join(tmp.dir, 'workspace');
  await mkdir(path.join(workspace, 'pipelines'), { recursive: true });
  await writeFile(path.join(workspace, 'pipelines', 'big.yaml'), pipelineYaml(TASKS));
  const app = await serveLakebench(['--workspace', workspace]);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const firstRender = async (): Promise<{ view: number; all: number }> => {
      await page.goto(app.url);
      await page.locator('[data-testid="activity-pipelines"]').click();
      await page.locator('[data-testid="pipeline-item-big"]').waitFor();
      // A string, so the bundler's helpers (added to named functions) do not reach the page.
      return page.evaluate(`(async () => {
        const item = document.querySelector('[data-testid="pipeline-item-big"]');
        const t0 = performance.now();
        item.click();
        const marks = {};
        await new Promise((resolve) => {
          const check = () => {
            if (!marks.opening && document.body.textContent.includes('Opening big')) marks.opening = performance.now() - t0;
            if (!marks.view && document.querySelector('[data-testid="pipeline-view"]')) marks.view = performance.now() - t0;
            if (!marks.first && document.querySelector('.react-flow__node')) marks.first = performance.now() - t0;
            if (document.querySelectorAll('.react-flow__node').length >= ${TASKS}) resolve();
            else requestAnimationFrame(check);
          };
          check();
        });
        return { view: marks.view, all: performance.now() - t0 };
      })()`) as Promise<{ view: number; all: number }>;
    };
    const cold = await firstRender();
    // The editor saves the worker's layout beside the YAML; later opens use it.
    await page.waitForTimeout(1500);
    const warm: { view: number; all: number }[] = [];
    for (let i = 0; i < REPEATS; i++) warm.push(await firstRender());
    const all = warm.map((w) => w.all);
    const shown = warm.map((w) => w.view);
    console.log(
      `first render of a ${TASKS}-task pipeline in Chromium (click in the list to every node drawn)`,
    );
    console.log(
      `  without saved positions (dagre in a worker): ${cold.all.toFixed(0)} ms (editor shown at ${cold.view.toFixed(0)} ms)`,
    );
    console.log(
      `  with saved positions: median ${median(all).toFixed(0)} ms over ${REPEATS} (${all.map((x) => x.toFixed(0)).join(', ')})`,
    );
    console.log(`  editor frame shown: median ${median(shown).toFixed(0)} ms`);
  } finally {
    await browser.close();
    await app.stop();
    await tmp.cleanup();
  }
}
