import dagre, { type GraphLabel, type graphlib } from '@dagrejs/dagre';
import type { NodePosition } from '../../shared/pipeline/model';
import type { GraphTask } from '../../shared/pipeline/graph';
import { NODE_HEIGHT, NODE_WIDTH } from './graph-model';

/** Where a layout is: dagre gives no finer progress than its phases. */
export type LayoutPhase = 'ranking' | 'ordering' | 'placing';

/** Above this many tasks the layout runs in a worker, so the window stays responsive. */
export const BACKGROUND_LAYOUT_TASKS = 300;

/**
 * Above this many tasks dagre gets a lighter problem (see `layoutTasks`): its full pipeline takes minutes at
 * 5,000 tasks with long edges, and its crossing reduction alone about as long as everything else.
 */
export const LARGE_LAYOUT_TASKS = 1000;

/**
 * Each task's column: one more than its deepest dependency's (sources are 0), so upstream reads left. Unknown
 * dependencies and cycles are ignored (a cycle's tasks get the column they reach before it).
 */
export function taskDepths(tasks: readonly GraphTask[]): Map<string, number> {
  const ids = new Set(tasks.map((t) => t.id));
  const down = new Map<string, string[]>();
  const waiting = new Map<string, number>();
  for (const t of tasks) {
    const deps = new Set((t.depends_on ?? []).filter((d) => ids.has(d) && d !== t.id));
    waiting.set(t.id, deps.size);
    for (const d of deps) {
      const list = down.get(d);
      if (list) list.push(t.id);
      else down.set(d, [t.id]);
    }
  }
  const depth = new Map<string, number>();
  const queue: string[] = [];
  for (const t of tasks)
    if (waiting.get(t.id) === 0) {
      depth.set(t.id, 0);
      queue.push(t.id);
    }
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    const d = (depth.get(id) as number) + 1;
    for (const child of down.get(id) ?? []) {
      if ((depth.get(child) ?? -1) < d) depth.set(child, d);
      const left = (waiting.get(child) as number) - 1;
      waiting.set(child, left);
      if (left === 0) queue.push(child);
    }
  }
  for (const t of tasks) if (!depth.has(t.id)) depth.set(t.id, 0);
  return depth;
}

/**
 * Left-to-right layered layout from dagre, as Airflow's graph reads: upstream on the left. Positions are the
 * top-left corners React Flow expects (dagre gives centres).
 *
 * Up to 300 tasks dagre ranks with network simplex (the tidiest ranks); up to 1,000 with longest path (its
 * network simplex recurses once per node and overflows the stack at thousands). Above that dagre still orders
 * and places every task, on a lighter problem: each task's column is given (one past its deepest dependency),
 * only the edges between neighbouring columns are laid out (dagre turns every longer edge into a chain of dummy
 * nodes, tens of thousands at this size), and its crossing-reduction sweeps are skipped. The canvas still draws
 * every edge.
 */
export function layoutTasks(
  tasks: readonly GraphTask[],
  onPhase: (phase: LayoutPhase) => void = () => undefined,
): Record<string, NodePosition> {
  const large = tasks.length > LARGE_LAYOUT_TASKS;
  const ids = new Set(tasks.map((t) => t.id));
  const depth = large ? taskDepths(tasks) : null;
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({
    rankdir: 'LR',
    nodesep: 18,
    ranksep: 64,
    marginx: 0,
    marginy: 0,
    ranker: depth
      ? // dagre doubles every edge's length to leave room for labels: two of its ranks per column.
        (inner: graphlib.Graph) => {
          onPhase('ranking');
          for (const v of inner.nodes()) inner.node(v).rank = 2 * (depth.get(v) ?? -1);
        }
      : tasks.length > BACKGROUND_LAYOUT_TASKS
        ? 'longest-path'
        : 'network-simplex',
  } as GraphLabel);
  g.setDefaultEdgeLabel(() => ({}));
  for (const t of tasks) g.setNode(t.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const t of tasks)
    for (const d of t.depends_on ?? []) {
      if (!ids.has(d) || d === t.id) continue;
      if (depth && depth.get(d) !== (depth.get(t.id) as number) - 1) continue;
      g.setEdge(d, t.id);
    }
  if (!depth) onPhase('ranking');
  dagre.layout(g, {
    customOrder: (graph, order) => {
      onPhase('ordering');
      order(graph, { disableOptimalOrderHeuristic: large });
      onPhase('placing');
    },
  });
  const out: Record<string, NodePosition> = {};
  for (const t of tasks) {
    const n = g.node(t.id);
    out[t.id] = { x: Math.round(n.x - NODE_WIDTH / 2), y: Math.round(n.y - NODE_HEIGHT / 2) };
  }
  return out;
}

/** Positions for tasks that have none: a layout of the whole graph, keeping the positions that exist. */
export function fillMissingPositions(
  tasks: readonly GraphTask[],
  positions: Readonly<Record<string, NodePosition>>,
): Record<string, NodePosition> {
  if (tasks.every((t) => positions[t.id])) return { ...positions };
  const auto = layoutTasks(tasks);
  const out: Record<string, NodePosition> = {};
  for (const t of tasks) out[t.id] = positions[t.id] ?? auto[t.id];
  return out;
}

/** Positions in a simple grid, shown at once while a large graph is laid out in the background. */
export function gridPositions(
  tasks: readonly GraphTask[],
  positions: Readonly<Record<string, NodePosition>>,
): Record<string, NodePosition> {
  const out: Record<string, NodePosition> = {};
  const cols = Math.max(1, Math.ceil(Math.sqrt(tasks.length)));
  tasks.forEach((t, i) => {
    out[t.id] = positions[t.id] ?? {
      x: (i % cols) * (NODE_WIDTH + 40),
      y: Math.floor(i / cols) * (NODE_HEIGHT + 30),
    };
  });
  return out;
}
