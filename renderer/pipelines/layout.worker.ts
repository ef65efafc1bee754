import type { GraphTask } from '../../shared/pipeline/graph';
import { layoutTasks, type LayoutPhase } from './layout';

/** What the worker says: the phase a layout reached, then its positions. */
export type LayoutWorkerMessage =
  { seq: number; phase: LayoutPhase } | { seq: number; positions: ReturnType<typeof layoutTasks> };

/** Lays out large pipelines off the UI thread (dagre takes seconds at thousands of tasks). */
const scope = self as unknown as {
  onmessage: ((e: MessageEvent<{ seq: number; tasks: GraphTask[] }>) => void) | null;
  postMessage(message: LayoutWorkerMessage): void;
};
scope.onmessage = (e) => {
  const { seq, tasks } = e.data;
  const positions = layoutTasks(tasks, (phase) => scope.postMessage({ seq, phase }));
  scope.postMessage({ seq, positions });
};
