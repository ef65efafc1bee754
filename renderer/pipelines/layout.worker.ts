import type { GraphTask } from '../../shared/pipeline/graph';
import { layoutTasks } from './layout';

/** Lays out large pipelines off the UI thread (dagre takes seconds at thousands of tasks). */
const scope = self as unknown as {
  onmessage: ((e: MessageEvent<{ seq: number; tasks: GraphTask[] }>) => void) | null;
  postMessage(message: unknown): void;
};
scope.onmessage = (e) => {
  scope.postMessage({ seq: e.data.seq, positions: layoutTasks(e.data.tasks) });
};
