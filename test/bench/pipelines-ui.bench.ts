/**
 * The pipeline editor and Grid in Chromium against `lakebench serve`, at 500 tasks (the baseline) and at 5,000
 * tasks, each pipeline with 25 finished runs in its history:
 *   - first render: from the click on the pipeline in the list until the first node is drawn and until the
 *     page settles (five frames in a row under 50 ms); without saved positions (the layout runs in a worker:
 *     until its positions are saved, and the longest frame meanwhile), then with the positions it saved;
 *   - pan and zoom of the canvas with the mouse: frame times while the gesture runs;
 *   - a click on a node until its task form shows that task;
 *   - a live run coloured on the Graph, then on the Grid: from each task-state event's arrival to the next frame;
 *   - the Grid: from the click on its tab until it settles, and frame times while it scrolls.
 * Prints figures and the 5,000 / 500 ratios; never pass/fail.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { PipelineRunStore } from '../../electron/core/pipelines/pipeline-run-store';
import { layoutTasks } from '../../renderer/pipelines/layout';
import { parsePipelineYaml } from '../../shared/pipeline/parse';
import { pipelineTestIds as ids } from '../../renderer/pipelines/testids';
import { launchChromium, screenshot } from '../e2e/pages';
import { serveLakebench } from '../support/serve';
import { tempDir } from '../support/temp';
import { connectWs } from '../support/ws-client';

const SIZES = (process.env.BENCH_SIZES ?? '500,5000').split(',').map(Number);
const HISTORY_RUNS = 25;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const EVENT_WINDOW_MS = Number(process.env.BENCH_EVENT_MS ?? 8000);
const LAYOUT_WAIT_MS = Number(process.env.BENCH_LAYOUT_WAIT_MS ?? 150_000);

const out = (line: string) => process.stdout.write(`${line}\n`);
const sel = (testId: string) => `[data-testid="${testId}"]`;

/** Rank after rank of ten tasks, each on one task of the rank before, every seventh also on one four ranks up. */
function pipelineYaml(id: string, n: number): string {
  const lines = [`id: ${id}`, 'schedule: null', 'max_active_tasks: 16', 'tasks:'];
  for (let i = 0; i < n; i++) {
    const deps =
      i === 0 ? [] : i < 10 ? ['t0'] : [`t${i - 10}`, ...(i % 7 === 0 && i >= 37 ? [`t${i - 37}`] : [])];
    const unique = [...new Set(deps)].filter((d) => d !== `t${i}`);
    lines.push(
      `  - { id: t${i}, type: sql, sql: "SELECT ${i}"${unique.length ? `, depends_on: [${unique.join(', ')}]` : ''} }`,
    );
  }
  return lines.join('\n') + '\n';
}

function pipeline(n: number): { id: string; depends_on: string[] }[] {
  return (parsePipelineYaml(pipelineYaml(`p${n}`, n)).pipeline?.tasks ?? []).map((t) => ({
    id: t.id,
    depends_on: t.depends_on ?? [],
  }));
}

const STATES = ['success', 'success', 'success', 'success', 'failed', 'upstream_failed', 'skipped'];

/** Finished runs written straight into the run store, as if the runner had made them. */
function seedRuns(dbFile: string, pipelineId: string, tasks: number, runs: number): void {
  const store = new PipelineRunStore(dbFile);
  try {
    const insertRun = store.db.prepare(
      `INSERT INTO runs (run_id, pipeline_id, run_type, state, logical_date, interval_start, interval_end,
         queued_at, started_at, ended_at, params, definition)
       VALUES (?, ?, 'scheduled', ?, ?, ?, ?, ?, ?, ?, '{}', ?)`,
    );
    const insertTi = store.db.prepare(
      `INSERT INTO task_instances (run_id, task_id, task_type, state, try_number, max_tries, queued_at,
         started_at, ended_at)
       VALUES (?, ?, 'sql', ?, 1, 1, ?, ?, ?)`,
    );
    // The pipeline as the run saw it (the try details read it).
    const definition = JSON.stringify({
      id: pipelineId,
      tasks: Array.from({ length: tasks }, (_, i) => ({ id: `t${i}`, type: 'sql', sql: `SELECT ${i}` })),
    });
    store.db.transaction(() => {
      for (let r = 0; r < runs; r++) {
        const day = new Date(Date.UTC(2025, 0, 1 + r));
        const iso = day.toISOString();
        const runId = `${pipelineId}__scheduled__${iso}`;
        const start = day.getTime() + 60_000;
        const end = start + 60_000 + r * 7_000;
        insertRun.run(
          runId,
          pipelineId,
          r % 5 === 3 ? 'failed' : 'success',
          iso,
          iso,
          new Date(day.getTime() + 86_400_000).toISOString(),
          iso,
          new Date(start).toISOString(),
          new Date(end).toISOString(),
          definition,
        );
        for (let i = 0; i < tasks; i++) {
          const state = r % 5 === 3 ? STATES[(i + r) % STATES.length] : 'success';
          const s = new Date(start + (i % 50) * 1000).toISOString();
          const e = new Date(start + (i % 50) * 1000 + 400 + (i % 13) * 90).toISOString();
          insertTi.run(runId, `t${i}`, state, s, s, e);
        }
      }
    })();
  } finally {
    store.close();
  }
}

/** Frame timestamps, task-state event arrival to next frame, and long tasks: installed before the app loads. */
const INSTRUMENT = `(() => {
  const frames = { rec: false, last: 0, gaps: [] };
  const loop = (t) => {
    if (frames.rec && frames.last) frames.gaps.push(t - frames.last);
    frames.last = t;
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
  const events = { on: false, latency: [] };
  const Native = window.WebSocket;
  const decoder = new TextDecoder();
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        // A frame: a 4-byte length, then the JSON of the message (its event name comes first).
        if (!events.on || !(e.data instanceof ArrayBuffer) || e.data.byteLength < 8) return;
        const head = decoder.decode(new Uint8Array(e.data, 4, Math.min(200, e.data.byteLength - 4)));
        if (!head.includes('onTaskChanged')) return;
        const t = performance.now();
        requestAnimationFrame(() => events.latency.push(performance.now() - t));
      });
    }
  };
  const longTasks = { on: false, total: 0, count: 0 };
  try {
    new PerformanceObserver((list) => {
      if (!longTasks.on) return;
      for (const e of list.getEntries()) {
        longTasks.total += e.duration;
        longTasks.count++;
      }
    }).observe({ type: 'longtask' });
  } catch {}
  window.__bench = { frames, events, longTasks };
})();`;

interface Recording {
  gaps: number[];
  latency: number[];
  longTaskMs: number;
  longTasks: number;
}

async function startRecording(page: Page, events = false): Promise<void> {
  await page.evaluate(`(() => {
    const b = window.__bench;
    b.frames.gaps = []; b.frames.last = 0; b.frames.rec = true;
    b.events.latency = []; b.events.on = ${events};
    b.longTasks.total = 0; b.longTasks.count = 0; b.longTasks.on = true;
  })()`);
}

async function stopRecording(page: Page): Promise<Recording> {
  // One more frame, so the last event's latency is in.
  return page.evaluate(`new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => {
    const b = window.__bench;
    b.frames.rec = false; b.events.on = false; b.longTasks.on = false;
    resolve({ gaps: b.frames.gaps, latency: b.events.latency, longTaskMs: b.longTasks.total, longTasks: b.longTasks.count });
  })))`) as Promise<Recording>;
}

function quantile(xs: number[], q: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
const median = (xs: number[]) => quantile(xs, 0.5);
const ms = (x: number) => (x === Infinity ? 'over 120 s' : Number.isFinite(x) ? `${x.toFixed(0)} ms` : 'n/a');
const frameStats = (gaps: number[]) =>
  `${gaps.length} frames, p50 ${ms(median(gaps))}, p95 ${ms(quantile(gaps, 0.95))}, max ${ms(Math.max(...gaps))}`;

/**
 * Clicks the pipeline in the list and times the first node drawn and the moment the page settles. A string, so
 * the bundler's helpers (added to named functions) do not reach the page.
 */
async function openPipeline(
  page: Page,
  url: string,
  id: string,
  record = false,
): Promise<{ first: number; settled: number }> {
  await page.goto(url);
  await page.locator(sel('activity-pipelines')).click();
  await page.locator(sel(ids.item(id))).waitFor();
  if (record) await startRecording(page);
  return page.evaluate(`(async () => {
    const item = document.querySelector('${sel(ids.item(id))}');
    const t0 = performance.now();
    item.click();
    let first = 0, last = t0, good = 0, streak = 0;
    await new Promise((resolve) => {
      const tick = () => {
        const now = performance.now();
        const gap = now - last;
        last = now;
        if (!first && document.querySelector('.react-flow__node')) first = now - t0;
        if (first) {
          if (gap < 50) { if (good === 0) streak = now; good++; } else good = 0;
        }
        if ((first && good >= 5) || now - t0 > 120000) resolve(); else requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    return { first, settled: good >= 5 ? streak - t0 : Infinity };
  })()`) as Promise<{ first: number; settled: number }>;
}

/** A point of the canvas with no node under it, to start a pan from. */
async function emptyPoint(page: Page): Promise<{ x: number; y: number }> {
  const p = (await page.evaluate(`(() => {
    const r = document.querySelector('.react-flow__pane').getBoundingClientRect();
    for (let y = r.top + 40; y < r.bottom - 40; y += 13)
      for (let x = r.left + 60; x < r.right - 300; x += 17) {
        const el = document.elementFromPoint(x, y);
        if (el && el.classList.contains('react-flow__pane')) return { x, y };
      }
    return null;
  })()`)) as { x: number; y: number } | null;
  if (!p) throw new Error('no empty point on the canvas to pan from');
  return p;
}

async function pan(page: Page): Promise<Recording & { wall: number }> {
  const p = await emptyPoint(page);
  await startRecording(page);
  const t = performance.now();
  await page.mouse.move(p.x, p.y);
  await page.mouse.down();
  await page.mouse.move(p.x - 500, p.y + 150, { steps: 40 });
  await page.mouse.move(p.x + 200, p.y - 100, { steps: 40 });
  await page.mouse.up();
  const wall = performance.now() - t;
  return { ...(await stopRecording(page)), wall };
}

async function zoom(page: Page, deltaY: number): Promise<Recording & { wall: number }> {
  const box = await page.locator('.react-flow__pane').boundingBox();
  if (!box) throw new Error('the canvas is not shown');
  await page.mouse.move(box.x + box.width / 3, box.y + box.height / 2);
  await startRecording(page);
  const t = performance.now();
  for (let i = 0; i < 12; i++) await page.mouse.wheel(0, deltaY);
  const wall = performance.now() - t;
  await page.waitForTimeout(300);
  return { ...(await stopRecording(page)), wall };
}

/** Clicks a node near the middle of the canvas and times the click until its form shows it. */
async function selectNode(page: Page, k: number): Promise<{ task: string; ms: number }> {
  const target = (await page.evaluate(`(() => {
    const r = document.querySelector('.react-flow__pane').getBoundingClientRect();
    const inside = [...document.querySelectorAll('.react-flow__node')]
      .map((n) => ({ id: n.getAttribute('data-id'), b: n.getBoundingClientRect() }))
      .filter((n) => {
        // Left of where the task form opens, so the form does not cover the next one.
        if (n.b.left < r.left + 20 || n.b.right > r.right - 420 || n.b.top < r.top + 20 || n.b.bottom > r.bottom - 20) return false;
        const hit = document.elementFromPoint(n.b.left + n.b.width / 2, n.b.top + n.b.height / 2);
        return Boolean(hit && hit.closest('.react-flow__node')?.getAttribute('data-id') === n.id);
      });
    inside.sort((a, b) => a.id.localeCompare(b.id));
    const n = inside[(${k} * 7919) % inside.length];
    window.__click = { t0: 0 };
    window.addEventListener('pointerdown', () => { window.__click.t0 = performance.now(); }, { capture: true, once: true });
    return n ? { id: n.id, x: n.b.left + n.b.width / 2, y: n.b.top + n.b.height / 2 } : null;
  })()`)) as { id: string; x: number; y: number } | null;
  if (!target) {
    await screenshot(page, 'bench-pipelines-no-node-to-click');
    throw new Error('no node on the canvas to click (see test-results/screenshots)');
  }
  await page.mouse.click(target.x, target.y);
  const t = (await page.evaluate(`new Promise((resolve) => {
    const check = () => {
      const input = document.querySelector('${sel(ids.taskIdInput)}');
      if (input && input.value === ${JSON.stringify(target.id)}) requestAnimationFrame(() => resolve(performance.now() - window.__click.t0));
      else requestAnimationFrame(check);
    };
    check();
  })`)) as number;
  return { task: target.id, ms: t };
}

async function openGrid(page: Page): Promise<number> {
  return page.evaluate(`(async () => {
    const tab = document.querySelector('${sel(ids.tab('grid'))}');
    const t0 = performance.now();
    tab.click();
    let first = 0, last = t0, good = 0, streak = 0;
    await new Promise((resolve) => {
      const tick = () => {
        const now = performance.now();
        const gap = now - last;
        last = now;
        if (!first && document.querySelector('.grid-square')) first = now;
        if (first) { if (gap < 50) { if (good === 0) streak = now; good++; } else good = 0; }
        if ((first && good >= 5) || now - t0 > 120000) resolve(); else requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    return good >= 5 ? streak - t0 : Infinity;
  })()`) as Promise<number>;
}

/** Scrolls the Grid down by 500 px a frame, 80 times, then back up; counts frames whose rows were not drawn. */
async function scrollGrid(page: Page): Promise<Recording & { blank: number }> {
  await startRecording(page);
  const blank = (await page.evaluate(`(async () => {
    const el = document.querySelector('.grid-scroll');
    let blank = 0;
    const step = (dy) => new Promise((resolve) => requestAnimationFrame(() => {
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + 40, r.top + r.height / 2);
      if (!hit || !hit.closest('.grid-row')) blank++;
      el.scrollTop += dy;
      resolve();
    }));
    for (let i = 0; i < 80; i++) await step(500);
    for (let i = 0; i < 80; i++) await step(-500);
    return blank;
  })()`)) as number;
  return { ...(await stopRecording(page)), blank };
}

async function waitForFile(file: string, keys: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text) {
      try {
        if (Object.keys((JSON.parse(text) as { positions: object }).positions).length >= keys) return true;
      } catch {
        // written while read: look again
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

interface Figures {
  coldFirst: number;
  coldLaidOut: number;
  coldMaxFrame: number;
  first: number;
  settled: number;
  pan: Recording & { wall: number };
  zoomIn: Recording & { wall: number };
  zoomOut: Recording & { wall: number };
  select: number;
  graphEvents: Recording;
  gridEvents: Recording;
  gridOpen: number;
  gridScroll: Recording & { blank: number };
}

export async function main(): Promise<void> {
  const tmp = await tempDir('lakebench-bench-pipelines-ui-');
  const workspace = path.join(tmp.dir, 'workspace');
  await mkdir(path.join(workspace, 'pipelines'), { recursive: true });
  await mkdir(path.join(workspace, '.lakebench'), { recursive: true });
  for (const n of SIZES) {
    await writeFile(path.join(workspace, 'pipelines', `p${n}.yaml`), pipelineYaml(`p${n}`, n));
    seedRuns(path.join(workspace, '.lakebench', 'pipelines.db'), `p${n}`, n, HISTORY_RUNS);
  }
  const app = await serveLakebench(['--workspace', workspace]);
  const ws = await connectWs(`ws://127.0.0.1:${app.port}/api/ws?token=${app.token}`);
  const browser = await launchChromium();
  const results = new Map<number, Figures>();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.addInitScript(INSTRUMENT);
    for (const n of SIZES) {
      const id = `p${n}`;
      out(`\n${n} tasks, ${HISTORY_RUNS} runs in the history:`);
      // Without saved positions: the grid placement at once, the worker's layout later.
      const layoutFile = path.join(workspace, 'pipelines', `${id}.layout.json`);
      const t0 = performance.now();
      const cold = await openPipeline(page, app.url, id, true);
      const saved = await waitForFile(layoutFile, n, LAYOUT_WAIT_MS);
      const coldLaidOut = saved ? performance.now() - t0 : NaN;
      const coldFrames = await stopRecording(page);
      if (!saved) {
        // The later opens measure drawing saved positions, so they get the layout the editor would have saved.
        await writeFile(layoutFile, JSON.stringify({ version: 1, positions: layoutTasks(pipeline(n)) }));
      }
      const coldMaxFrame = Math.max(...coldFrames.gaps);
      out(
        `  open without saved positions: first node ${ms(cold.first)}, settled ${ms(cold.settled)}; layout saved ${saved ? `at ${ms(coldLaidOut)}` : `not within ${ms(LAYOUT_WAIT_MS)}`}, longest frame meanwhile ${ms(coldMaxFrame)}`,
      );
      const warm: { first: number; settled: number }[] = [];
      for (let i = 0; i < REPEATS; i++) warm.push(await openPipeline(page, app.url, id));
      const first = median(warm.map((w) => w.first));
      const settled = median(warm.map((w) => w.settled));
      out(
        `  open with saved positions: first node median ${ms(first)}, settled median ${ms(settled)} over ${REPEATS} (${warm.map((w) => w.settled.toFixed(0)).join(', ')})`,
      );
      const nodesDrawn = await page.locator('.react-flow__node').count();
      out(`  nodes in the DOM as opened: ${nodesDrawn}`);

      await page.locator(sel(ids.fit)).click();
      await page.waitForTimeout(800);
      const panned = await pan(page);
      out(`  pan (80 mouse moves, ${ms(panned.wall)}): ${frameStats(panned.gaps)}`);
      const zoomIn = await zoom(page, -200);
      out(`  zoom in (12 wheel steps, ${ms(zoomIn.wall)}): ${frameStats(zoomIn.gaps)}`);
      const zoomOut = await zoom(page, 200);
      out(`  zoom out (12 wheel steps, ${ms(zoomOut.wall)}): ${frameStats(zoomOut.gaps)}`);
      // The whole pipeline again, nearer (zoomed about the centre), then click three tasks.
      await page.locator(sel(ids.fit)).click();
      await page.waitForTimeout(800);
      for (let i = 0; i < 8; i++) await page.locator('.react-flow__controls-zoomin').click();
      await page.waitForTimeout(500);
      const selects: number[] = [];
      for (let k = 0; k < 3; k++) selects.push((await selectNode(page, k + 1)).ms);
      out(
        `  click a node until its form shows it: median ${ms(median(selects))} (${selects.map((s) => s.toFixed(0)).join(', ')})`,
      );

      // A live run coloured on the Graph, then on the Grid.
      const { runId } = await ws.client.call('pipelines.trigger', { id, params: {} });
      const select = page.locator(sel(ids.runSelect));
      await select.locator(`option[value="${runId}"]`).waitFor({ state: 'attached' });
      await select.selectOption(runId);
      await startRecording(page, true);
      await page.waitForTimeout(EVENT_WINDOW_MS);
      const graphEvents = await stopRecording(page);
      out(
        `  live run on the Graph, ${graphEvents.latency.length} task events in ${ms(EVENT_WINDOW_MS)}: event to next frame p50 ${ms(median(graphEvents.latency))}, p95 ${ms(quantile(graphEvents.latency, 0.95))}, max ${ms(Math.max(...graphEvents.latency))}; long tasks ${ms(graphEvents.longTaskMs)} (${graphEvents.longTasks})`,
      );
      const gridOpenLive = await openGrid(page);
      await startRecording(page, true);
      await page.waitForTimeout(EVENT_WINDOW_MS);
      const gridEvents = await stopRecording(page);
      out(
        `  live run on the Grid (opened in ${ms(gridOpenLive)}), ${gridEvents.latency.length} task events in ${ms(EVENT_WINDOW_MS)}: event to next frame p50 ${ms(median(gridEvents.latency))}, p95 ${ms(quantile(gridEvents.latency, 0.95))}, max ${ms(Math.max(...gridEvents.latency))}; long tasks ${ms(gridEvents.longTaskMs)} (${gridEvents.longTasks})`,
      );
      await ws.client.call('pipelines.cancelRun', { runId });
      await page.waitForTimeout(1500);

      // The Grid with no run going: open it fresh and scroll it.
      await openPipeline(page, app.url, id);
      const gridOpen = await openGrid(page);
      const gridScroll = await scrollGrid(page);
      out(
        `  Grid (${HISTORY_RUNS + 1} runs x ${n} tasks): open ${ms(gridOpen)}; scroll 160 steps of 500 px: ${frameStats(gridScroll.gaps)}, ${gridScroll.blank} frames without rows`,
      );
      results.set(n, {
        coldFirst: cold.first,
        coldLaidOut,
        coldMaxFrame,
        first,
        settled,
        pan: panned,
        zoomIn,
        zoomOut,
        select: median(selects),
        graphEvents,
        gridEvents,
        gridOpen,
        gridScroll,
      });
    }
    if (SIZES.length < 2) return;
    const [a, b] = SIZES.map((n) => results.get(n) as Figures);
    const ratio = (x: number, y: number) =>
      Number.isFinite(x / y) && y > 0 ? `${(x / y).toFixed(1)}x` : 'n/a';
    out(`\n${SIZES[1]} vs ${SIZES[0]} tasks (ratio of the figures above):`);
    out(`  layout saved without positions   ${ratio(b.coldLaidOut, a.coldLaidOut)}`);
    out(`  open with saved positions        ${ratio(b.settled, a.settled)}`);
    out(
      `  pan frame p95                    ${ratio(quantile(b.pan.gaps, 0.95), quantile(a.pan.gaps, 0.95))}`,
    );
    out(
      `  zoom out frame p95               ${ratio(quantile(b.zoomOut.gaps, 0.95), quantile(a.zoomOut.gaps, 0.95))}`,
    );
    out(`  select a node                    ${ratio(b.select, a.select)}`);
    out(
      `  live event to frame p95, Graph   ${ratio(quantile(b.graphEvents.latency, 0.95), quantile(a.graphEvents.latency, 0.95))}`,
    );
    out(
      `  live event to frame p95, Grid    ${ratio(quantile(b.gridEvents.latency, 0.95), quantile(a.gridEvents.latency, 0.95))}`,
    );
    out(`  open the Grid                    ${ratio(b.gridOpen, a.gridOpen)}`);
    out(
      `  Grid scroll frame p95            ${ratio(quantile(b.gridScroll.gaps, 0.95), quantile(a.gridScroll.gaps, 0.95))}`,
    );
  } finally {
    ws.close();
    await browser.close();
    await app.stop();
    await tmp.cleanup();
  }
}
