import { describe, expect, it } from 'vitest';
import {
  addDependency,
  copyTasks,
  cycleReason,
  freeTaskId,
  newTask,
  pasteTasks,
  readEditorGraph,
  removeDependencies,
  removeTasks,
  renameTask,
  taskIdProblem,
  toEdges,
  toNodes,
  type DraftTask,
} from '../../renderer/pipelines/graph-model';
import { emptyHistory, record, redo, undo, HISTORY_LIMIT } from '../../renderer/pipelines/history';
import { fillMissingPositions, layoutTasks } from '../../renderer/pipelines/layout';
import { parsePipelineYaml } from '../../shared/pipeline/parse';
import { TASK_TYPES } from '../../shared/pipeline/model';

const HELLO = `id: hello
schedule: "@daily"
start_date: 2026-01-01
default_args: { retries: 1, retry_delay: 1s }
tasks:
  - { id: extract, type: shell, command: "echo 42" }
  - { id: load, type: sql, sql: "CREATE OR REPLACE TABLE hello AS SELECT 42 AS answer", depends_on: [extract] }
  - { id: report, type: python, code: "print('done')", depends_on: [load], trigger_rule: all_done }
`;

const chain = (...ids: string[]): DraftTask[] =>
  ids.map((id, i) => ({
    id,
    type: 'shell',
    command: `echo ${id}`,
    ...(i ? { depends_on: [ids[i - 1]] } : {}),
  }));

describe('reading a pipeline into the editor', () => {
  it('reads the issue pipeline into its header and tasks in file order', () => {
    const r = readEditorGraph(HELLO);
    expect(r.blocked).toBeNull();
    expect(r.graph?.header).toEqual({
      id: 'hello',
      schedule: '@daily',
      start_date: '2026-01-01',
      default_args: { retries: 1, retry_delay: '1s' },
    });
    expect(r.graph?.tasks.map((t) => t.id)).toEqual(['extract', 'load', 'report']);
  });

  it('keeps a pipeline with problems editable, so they can be fixed on the canvas', () => {
    const text =
      'id: p\ntasks:\n  - { id: a, type: shell, command: x, depends_on: [ghost] }\n  - { id: b, type: sql }\n';
    expect(parsePipelineYaml(text).pipeline).toBeNull();
    const r = readEditorGraph(text);
    expect(r.blocked).toBeNull();
    expect(r.graph?.tasks.map((t) => t.id)).toEqual(['a', 'b']);
    // The unknown dependency draws no edge.
    expect(toEdges(r.graph?.tasks ?? [])).toEqual([]);
  });

  it('refuses to edit on the graph what it could not write back without losing text', () => {
    expect(readEditorGraph('id: p\ntasks: [\n').blocked).toMatch(/does not parse/);
    expect(readEditorGraph('id: p\ntasks:\n  - { type: shell, command: x }\n').blocked).toBe(
      'task #1 has no id',
    );
    expect(
      readEditorGraph(
        'id: p\ntasks:\n  - { id: a, type: shell, command: x }\n  - { id: a, type: shell, command: y }\n',
      ).blocked,
    ).toBe('task id "a" is used twice');
    expect(readEditorGraph('- 1\n').blocked).toMatch(/mapping/);
  });
});

describe('nodes and edges', () => {
  it('makes a node per task of its type and an edge per dependency', () => {
    const tasks = readEditorGraph(HELLO).graph?.tasks ?? [];
    const nodes = toNodes(tasks, { extract: { x: 1, y: 2 } });
    expect(nodes.map((n) => [n.id, n.type])).toEqual([
      ['extract', 'shell'],
      ['load', 'sql'],
      ['report', 'python'],
    ]);
    expect(nodes[0].position).toEqual({ x: 1, y: 2 });
    expect(toEdges(tasks).map((e) => [e.source, e.target])).toEqual([
      ['extract', 'load'],
      ['load', 'report'],
    ]);
  });

  it('reuses unchanged node and edge objects, so memoized nodes do not re-render', () => {
    const tasks = chain('a', 'b', 'c');
    const positions = { a: { x: 0, y: 0 }, b: { x: 1, y: 0 }, c: { x: 2, y: 0 } };
    const nodes = toNodes(tasks, positions);
    const edges = toEdges(tasks);
    const changed = tasks.map((t) => (t.id === 'b' ? { ...t, command: 'echo B' } : t)) as DraftTask[];
    const next = toNodes(changed, positions, nodes);
    expect(next[0]).toBe(nodes[0]);
    expect(next[1]).not.toBe(nodes[1]);
    expect(next[2]).toBe(nodes[2]);
    expect(toEdges(changed, edges)[0]).toBe(edges[0]);
  });
});

describe('edits', () => {
  it('refuses an edge that closes a cycle and names the cycle', () => {
    const tasks = chain('extract', 'transform', 'load');
    expect(cycleReason(tasks, 'extract', 'load')).toBeNull();
    expect(cycleReason(tasks, 'load', 'extract')).toBe(
      'extract cannot depend on load: tasks load -> extract -> transform -> load would form a cycle',
    );
    expect(cycleReason(tasks, 'load', 'load')).toBe('a task cannot depend on itself (load)');
  });

  it('adds and removes dependencies; a task left with none has no depends_on key', () => {
    const tasks = chain('a', 'b');
    const added = addDependency(tasks, 'a', 'b');
    expect(added).toEqual(tasks);
    const more = addDependency([...tasks, { id: 'c', type: 'shell', command: 'x' }], 'b', 'c');
    expect(more[2].depends_on).toEqual(['b']);
    const removed = removeDependencies(more, [{ source: 'b', target: 'c' }]);
    expect('depends_on' in removed[2]).toBe(false);
    expect(removed[0]).toBe(more[0]);
  });

  it('removes tasks with every dependency on them, and renames a task with its dependents', () => {
    const tasks = chain('a', 'b', 'c');
    expect(removeTasks(tasks, new Set(['b']))).toEqual([
      { id: 'a', type: 'shell', command: 'echo a' },
      { id: 'c', type: 'shell', command: 'echo c' },
    ]);
    expect(renameTask(tasks, 'b', 'middle').map((t) => [t.id, t.depends_on ?? []])).toEqual([
      ['a', []],
      ['middle', ['a']],
      ['c', ['middle']],
    ]);
    expect(taskIdProblem(tasks, 'a', 'b')).toBe('a task "a" exists already');
    expect(taskIdProblem(tasks, '-x')).toMatch(/letters/);
    expect(taskIdProblem(tasks, 'b', 'b')).toBeNull();
  });

  it('creates new tasks that validate as they are', () => {
    for (const type of TASK_TYPES) {
      if (type === 'notebook') continue; // needs a notebook chosen
      const text = `id: p\ntasks:\n  - ${JSON.stringify(newTask(type, 't'))}\n`;
      expect(parsePipelineYaml(text).problems).toEqual([]);
    }
    expect(freeTaskId(new Set(['command', 'command_2']), 'command')).toBe('command_3');
  });

  it('pastes copies under fresh ids, keeping dependencies among the copies only', () => {
    const tasks = chain('a', 'b', 'c');
    const positions = { a: { x: 0, y: 0 }, b: { x: 100, y: 0 }, c: { x: 200, y: 0 } };
    const clip = copyTasks(tasks, new Set(['b', 'c']), positions);
    const r = pasteTasks(tasks, clip, { x: 40, y: 40 });
    expect(r.added.map((t) => [t.id, t.depends_on ?? []])).toEqual([
      ['b_2', []],
      ['c_2', ['b_2']],
    ]);
    expect(r.positions).toEqual({ b_2: { x: 140, y: 40 }, c_2: { x: 240, y: 40 } });
    expect(r.tasks.slice(0, 3)).toEqual(tasks);
    // The copy is deep: editing it leaves the original alone.
    (r.added[0] as { command: string }).command = 'changed';
    expect((tasks[1] as { command: string }).command).toBe('echo b');
  });
});

describe('undo and redo', () => {
  it('steps back and forth through snapshots', () => {
    let h = emptyHistory<number>();
    h = record(h, 1, null, 0);
    h = record(h, 2, null, 10);
    const u = undo(h, 3);
    expect(u?.state).toBe(2);
    const u2 = undo(u!.history, 2);
    expect(u2?.state).toBe(1);
    expect(undo(u2!.history, 1)).toBeNull();
    const r = redo(u2!.history, 1);
    expect(r?.state).toBe(2);
    // A new edit after undo drops the redo steps.
    expect(record(r!.history, 2, null, 20).future).toEqual([]);
  });

  it('merges keystrokes in one field into one step, and caps the past', () => {
    let h = emptyHistory<string>();
    h = record(h, 'a', 'cmd', 0);
    h = record(h, 'ab', 'cmd', 300);
    h = record(h, 'abc', 'cmd', 600);
    expect(h.past).toEqual(['a']);
    h = record(h, 'abcd', 'cmd', 5000);
    expect(h.past).toEqual(['a', 'abcd']);
    let big = emptyHistory<number>();
    for (let i = 0; i < HISTORY_LIMIT + 20; i++) big = record(big, i, null, i);
    expect(big.past.length).toBe(HISTORY_LIMIT);
    expect(big.past[0]).toBe(20);
  });
});

describe('layout', () => {
  it('lays a chain out left to right, and fills only missing positions', () => {
    const tasks = chain('a', 'b', 'c');
    const p = layoutTasks(tasks);
    expect(p.a.x).toBeLessThan(p.b.x);
    expect(p.b.x).toBeLessThan(p.c.x);
    const filled = fillMissingPositions(tasks, { a: { x: -500, y: 7 } });
    expect(filled.a).toEqual({ x: -500, y: 7 });
    expect(filled.c).toEqual(p.c);
  });

  it('lays out a thousand tasks with the fast ranker', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `t${i}`);
    const tasks: DraftTask[] = ids.map((id, i) => ({
      id,
      type: 'shell',
      command: 'true',
      ...(i >= 10 ? { depends_on: [ids[i - 10]] } : {}),
    }));
    const p = layoutTasks(tasks);
    expect(Object.keys(p)).toHaveLength(1000);
  });
});
