import { describe, expect, it } from 'vitest';
import { cycleReason, type DraftTask } from '../../renderer/pipelines/graph-model';
import {
  LARGE_LAYOUT_TASKS,
  layoutTasks,
  taskDepths,
  type LayoutPhase,
} from '../../renderer/pipelines/layout';
import { changedTasks, instancesOf, TaskStatusFeed } from '../../renderer/pipelines/node-status';
import type { PipelineRunSummary, TaskInstanceSummary } from '../../shared/pipeline/model';
import { NODE_HEIGHT, NODE_WIDTH } from '../../renderer/pipelines/graph-model';
import { runSummary, taskSummary } from './pipeline-fixtures';
import { setApiClient } from '../../renderer/api';
import { createMemoryClient } from '../../shared/api/memory-client';

// No request of the host is expected here; one would fail, naming itself.
setApiClient(createMemoryClient({}).client);

const task = (id: string, deps: string[] = []): DraftTask => ({
  id,
  type: 'shell',
  command: 'true',
  ...(deps.length ? { depends_on: deps } : {}),
});

/** Ranks of ten tasks, each on one of the rank before, every seventh also on one four ranks up. */
function ranks(n: number): DraftTask[] {
  return Array.from({ length: n }, (_, i) =>
    task(
      `t${i}`,
      i === 0 ? [] : i < 10 ? ['t0'] : [`t${i - 10}`, ...(i % 7 === 0 && i >= 37 ? [`t${i - 37}`] : [])],
    ),
  );
}

describe('columns of a large layout', () => {
  it('puts each task one column past its deepest dependency, ignoring unknown ones and surviving a cycle', () => {
    const d = taskDepths([
      task('a'),
      task('b', ['a']),
      task('c', ['a', 'b', 'ghost']),
      task('x', ['y']),
      task('y', ['x']),
    ]);
    expect(Object.fromEntries(d)).toEqual({ a: 0, b: 1, c: 2, x: 0, y: 0 });
  });
});

describe('layout of a large pipeline', () => {
  it('places every task with its dependencies to its left and no two tasks on top of each other', () => {
    const tasks = ranks(LARGE_LAYOUT_TASKS + 200);
    const phases: LayoutPhase[] = [];
    const p = layoutTasks(tasks, (phase) => phases.push(phase));
    expect(phases).toEqual(['ranking', 'ordering', 'placing']);
    expect(Object.keys(p)).toHaveLength(tasks.length);
    for (const t of tasks) {
      expect(Number.isFinite(p[t.id].x) && Number.isFinite(p[t.id].y), t.id).toBe(true);
      for (const dep of t.depends_on ?? []) expect(p[dep].x, `${dep} -> ${t.id}`).toBeLessThan(p[t.id].x);
    }
    // Same column, then no overlap along it.
    const byColumn = new Map<number, number[]>();
    for (const t of tasks) byColumn.set(p[t.id].x, [...(byColumn.get(p[t.id].x) ?? []), p[t.id].y]);
    for (const ys of byColumn.values()) {
      ys.sort((a, b) => a - b);
      for (let i = 1; i < ys.length; i++) expect(ys[i] - ys[i - 1]).toBeGreaterThanOrEqual(NODE_HEIGHT);
    }
    const columns = [...byColumn.keys()].sort((a, b) => a - b);
    for (let i = 1; i < columns.length; i++)
      expect(columns[i] - columns[i - 1]).toBeGreaterThanOrEqual(NODE_WIDTH);
  });

  it('reports the same phases for a small pipeline laid out in place', () => {
    const phases: LayoutPhase[] = [];
    layoutTasks(ranks(30), (phase) => phases.push(phase));
    expect(phases).toEqual(['ranking', 'ordering', 'placing']);
  });
});

describe('cycle check on a large graph', () => {
  it('names the cycle an edge would close, and lets a harmless edge through, in a 5,000-task graph', () => {
    const tasks = ranks(5000);
    expect(cycleReason(tasks, 't4999', 't3')).toMatch(
      /^t3 cannot depend on t4999: tasks t4999 -> t3 -> .* -> t4999/,
    );
    expect(cycleReason(tasks, 't3', 't4999')).toBeNull();
    expect(cycleReason(tasks, 't7', 't7')).toBe('a task cannot depend on itself (t7)');
  });
});

const ti = (runId: string, taskId: string, state: TaskInstanceSummary['state']) =>
  taskSummary(runId, taskId, { state });
const run = (runId: string, tasks: TaskInstanceSummary[]) => runSummary(runId, tasks);

/** A run of `n` tasks and a copy with one task's instance replaced, as a task event does. */
function runAndEvent(n: number, changed: number) {
  const before = run(
    'r1',
    Array.from({ length: n }, (_, i) => ti('r1', `t${i}`, 'queued')),
  );
  const after = {
    ...before,
    tasks: before.tasks.map((t, i) => (i === changed ? ti('r1', t.taskId, 'running') : t)),
  };
  return { before, after };
}

describe('task states on the canvas', () => {
  it('finds the tasks whose instance an event replaced', () => {
    const { before, after } = runAndEvent(5000, 1234);
    expect([...changedTasks(instancesOf(before), instancesOf(after))]).toEqual(['t1234']);
    expect(changedTasks(instancesOf(before), instancesOf(before)).size).toBe(0);
    expect(changedTasks(null, instancesOf(run('r2', [ti('r2', 'a', 'success')])))).toEqual(new Set(['a']));
    expect(changedTasks(instancesOf(run('r2', [ti('r2', 'a', 'success')])), null)).toEqual(new Set(['a']));
  });

  it('wakes only the nodes whose task changed, once per frame however many events came', () => {
    const { before, after } = runAndEvent(5000, 42);
    let current: PipelineRunSummary | null = before;
    const frames: (() => void)[] = [];
    const feed = new TaskStatusFeed(
      () => current,
      (f) => frames.push(f),
    );
    feed.publish();
    const woken: string[] = [];
    for (let i = 0; i < 5000; i++) feed.subscribe(`t${i}`, () => woken.push(`t${i}`));
    expect(feed.get('t42')?.state).toBe('queued');

    current = after;
    feed.changed();
    feed.changed();
    feed.changed();
    expect(frames).toHaveLength(1);
    expect(woken).toEqual([]);
    frames[0]();
    expect(woken).toEqual(['t42']);
    expect(feed.get('t42')?.state).toBe('running');

    // Another run coloured, or none: every node is woken.
    woken.length = 0;
    current = null;
    feed.publish();
    expect(woken).toHaveLength(5000);
    expect(feed.get('t42')).toBeUndefined();
  });

  it('stops waking a node once it unsubscribed', () => {
    const { before, after } = runAndEvent(3, 1);
    let current: PipelineRunSummary | null = before;
    const feed = new TaskStatusFeed(
      () => current,
      () => undefined,
    );
    feed.publish();
    let woken = 0;
    const off = feed.subscribe('t1', () => woken++);
    off();
    current = after;
    feed.publish();
    expect(woken).toBe(0);
  });
});
