/**
 * Pipeline benchmarks: the runner's own cost per task on a 1,000-task no-op DAG (wall time minus the time the
 * tasks themselves took, divided by the tasks; target under 5 ms), and validation (parse, schema, cycle check),
 * the editor's edge check and the dagre layout of 5,000-task DAGs: dagre as configured before, dagre without its
 * crossing-reduction sweeps, and the editor's layout (`layoutTasks`). Prints figures; never pass/fail.
 */
import dagre from '@dagrejs/dagre';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Pipelines } from '../../electron/core/pipelines';
import { Warehouse } from '../../electron/core/warehouse';
import { Workspace } from '../../electron/core/workspace';
import { cycleReason } from '../../renderer/pipelines/graph-model';
import { layoutTasks } from '../../renderer/pipelines/layout';
import { findCycle } from '../../shared/pipeline/graph';
import type { Task } from '../../shared/pipeline/model';
import { parsePipelineYaml } from '../../shared/pipeline/parse';
import { writePipelineYaml } from '../../shared/pipeline/write';
import { tempDir } from '../support/temp';

const out = (line: string) => process.stdout.write(`${line}\n`);

/** A DAG of `n` tasks: a chain, or layers of `width` tasks each depending on two of the layer before. */
function dagYaml(id: string, n: number, task: (i: number) => string, width = 1): string {
  const lines = [`id: ${id}`, 'max_active_tasks: 16', 'tasks:'];
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / width);
    const deps =
      layer === 0
        ? []
        : [...new Set([(layer - 1) * width + (i % width), (layer - 1) * width + ((i + 1) % width)])].map(
            (d) => `t${d}`,
          );
    lines.push(`  - { id: t${i}, ${task(i)}${deps.length ? `, depends_on: [${deps.join(', ')}]` : ''} }`);
  }
  return `${lines.join('\n')}\n`;
}

/** Ranks of ten tasks, each on one of the rank before, every seventh also on one four ranks back. */
function ranksYaml(n: number): string {
  const lines = ['id: ranks', 'tasks:'];
  for (let i = 0; i < n; i++) {
    const deps =
      i === 0 ? [] : i < 10 ? ['t0'] : [`t${i - 10}`, ...(i % 7 === 0 && i >= 37 ? [`t${i - 37}`] : [])];
    lines.push(
      `  - { id: t${i}, type: shell, command: "true"${deps.length ? `, depends_on: [${deps.join(', ')}]` : ''} }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function schedulerOverhead(
  pipelines: Pipelines,
  dir: string,
  name: string,
  yaml: string,
): Promise<void> {
  await writeFile(path.join(dir, 'pipelines', `${name}.yaml`), yaml);
  const t0 = performance.now();
  const { runId } = await pipelines.trigger(name, {});
  const state = await pipelines.waitForRun(runId);
  const wall = performance.now() - t0;
  const { taskInstances: tis } = pipelines.getRun(runId);
  // Task time: the union of the intervals in which at least one task was running.
  const spans = tis
    .map((t) => [Date.parse(t.startedAt as string), Date.parse(t.endedAt as string)] as const)
    .sort((a, b) => a[0] - b[0]);
  let busy = 0;
  let curStart = -1;
  let curEnd = -1;
  for (const [s, e] of spans) {
    if (s > curEnd) {
      if (curEnd > curStart) busy += curEnd - curStart;
      curStart = s;
      curEnd = e;
    } else curEnd = Math.max(curEnd, e);
  }
  busy += curEnd - curStart;
  const perTask = (wall - busy) / tis.length;
  out(
    `${name.padEnd(34)} ${state}, ${tis.length} tasks, wall ${wall.toFixed(0)} ms, tasks busy ${busy.toFixed(0)} ms, overhead ${perTask.toFixed(2)} ms/task (target < 5)`,
  );
}

export async function main(): Promise<void> {
  const { dir, cleanup } = await tempDir('lakebench-bench-pipelines-');
  const ws = await Workspace.open(dir);
  await ws.ensureLayout();
  const warehouse = await Warehouse.open(path.join(ws.engineDir, 'warehouse.duckdb'));
  const pipelines = Pipelines.open(ws, warehouse, { emit: () => undefined });
  try {
    out('scheduler overhead per task (no-op tasks):');
    await schedulerOverhead(
      pipelines,
      dir,
      'chain_1000_sql',
      dagYaml('chain_1000_sql', 1000, () => 'type: sql, sql: "SELECT 1"'),
    );
    await schedulerOverhead(
      pipelines,
      dir,
      'layers_1000_sql',
      dagYaml('layers_1000_sql', 1000, () => 'type: sql, sql: "SELECT 1"', 50),
    );
    await schedulerOverhead(
      pipelines,
      dir,
      'layers_200_shell_true',
      dagYaml('layers_200_shell_true', 200, () => 'type: shell, command: "true"', 50),
    );

    out('5,000-task DAG:');
    const big = dagYaml('big', 5000, () => 'type: shell, command: "true"', 100);
    let t = performance.now();
    let parsed = parsePipelineYaml(big, { expectedId: 'big' });
    out(
      `  parse + validate, first        ${(performance.now() - t).toFixed(0)} ms (${parsed.problems.length} problems)`,
    );
    t = performance.now();
    parsed = parsePipelineYaml(big, { expectedId: 'big' });
    out(`  parse + validate, warm         ${(performance.now() - t).toFixed(0)} ms`);
    if (!parsed.pipeline) throw new Error('the 5,000-task pipeline did not validate');
    t = performance.now();
    const changed = structuredClone(parsed.pipeline);
    changed.tasks[2500].retries = 3;
    writePipelineYaml(big, changed);
    out(`  canonical write of one edit    ${(performance.now() - t).toFixed(0)} ms`);
    t = performance.now();
    const cycle = findCycle(parsed.pipeline.tasks);
    out(
      `  cycle check alone              ${(performance.now() - t).toFixed(0)} ms (${cycle ? 'a cycle' : 'none'})`,
    );
    const tasks = parsed.pipeline.tasks;
    t = performance.now();
    cycleReason(tasks, 't4999', 't3');
    out(`  editor edge check, first       ${(performance.now() - t).toFixed(1)} ms (indexes the tasks)`);
    t = performance.now();
    for (let i = 0; i < 100; i++) cycleReason(tasks, `t${4999 - i}`, `t${i}`);
    out(`  editor edge check, next ones   ${((performance.now() - t) / 100).toFixed(2)} ms each`);

    // Two shapes: the layers above (50 columns of 100), and ranks of ten with an edge four ranks back on
    // every seventh task (500 columns; dagre turns each longer edge into a chain of dummy nodes).
    const ranks = parsePipelineYaml(ranksYaml(5000)).pipeline as { tasks: Task[] };
    for (const [name, shape] of [
      ['layers', tasks],
      ['ranks', ranks.tasks],
    ] as const) {
      out(`  layout of ${name} (${shape.length} tasks):`);
      for (const [variant, orderSweeps] of [
        ['dagre, longest-path ranks (before)', true],
        ['dagre, no crossing sweeps', false],
      ] as const) {
        if (name === 'ranks' && orderSweeps && !process.env.BENCH_SLOW_LAYOUT) {
          out(`    ${variant.padEnd(38)} skipped, the slowest (BENCH_SLOW_LAYOUT=1 runs it)`);
          continue;
        }
        t = performance.now();
        const g = new dagre.graphlib.Graph();
        // dagre's default ranker (network simplex) recurses once per node and overflows the stack at this size.
        g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 64, ranker: 'longest-path' });
        g.setDefaultEdgeLabel(() => ({}));
        for (const task of shape) g.setNode(task.id, { width: 188, height: 54 });
        for (const task of shape) for (const d of task.depends_on ?? []) g.setEdge(d, task.id);
        dagre.layout(g, { disableOptimalOrderHeuristic: !orderSweeps });
        out(`    ${variant.padEnd(38)} ${(performance.now() - t).toFixed(0)} ms (${g.edgeCount()} edges)`);
      }
      t = performance.now();
      const phases: string[] = [];
      layoutTasks(shape, (phase) => phases.push(`${phase} ${(performance.now() - t).toFixed(0)}`));
      out(
        `    ${'editor layout (columns given)'.padEnd(38)} ${(performance.now() - t).toFixed(0)} ms (phases at ms: ${phases.join(', ')})`,
      );
    }
  } finally {
    await pipelines.close();
    ws.close();
    await warehouse.close();
    await cleanup();
  }
}
