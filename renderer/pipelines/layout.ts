import dagre from '@dagrejs/dagre';
import type { NodePosition } from '../../shared/pipeline/model';
import type { GraphTask } from '../../shared/pipeline/graph';
import { NODE_HEIGHT, NODE_WIDTH } from './graph-model';

/**
 * Left-to-right layered layout from dagre, as Airflow's graph reads: upstream on the left. Positions are the
 * top-left corners React Flow expects (dagre gives centres).
 */
export function layoutTasks(tasks: readonly GraphTask[]): Record<string, NodePosition> {
  const g = new dagre.graphlib.Graph({ multigraph: false });
  // network-simplex gives the tidiest ranks; longest-path keeps thousands of tasks to seconds.
  const ranker = tasks.length > 300 ? 'longest-path' : 'network-simplex';
  g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 64, marginx: 0, marginy: 0, ranker });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(tasks.map((t) => t.id));
  for (const t of tasks) g.setNode(t.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const t of tasks) for (const d of t.depends_on ?? []) if (ids.has(d) && d !== t.id) g.setEdge(d, t.id);
  dagre.layout(g);
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

/** Above this many tasks the layout runs in a worker, so the window stays responsive. */
export const BACKGROUND_LAYOUT_TASKS = 300;
