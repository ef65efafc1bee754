import type { GraphTask } from '../../shared/pipeline/graph';
import type { NodePosition } from '../../shared/pipeline/model';
import { BACKGROUND_LAYOUT_TASKS, layoutTasks, type LayoutPhase } from './layout';
import type { LayoutWorkerMessage } from './layout.worker';

type Positions = Record<string, NodePosition>;
interface Waiting {
  resolve: (p: Positions | null) => void;
  onPhase: (phase: LayoutPhase) => void;
}

let worker: Worker | null = null;
let seq = 0;
const waiting = new Map<number, Waiting>();

function startWorker(): Worker {
  const w = new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (e: MessageEvent<LayoutWorkerMessage>) => {
    const job = waiting.get(e.data.seq);
    if (!job) return;
    if ('phase' in e.data) {
      job.onPhase(e.data.phase);
      return;
    }
    waiting.delete(e.data.seq);
    job.resolve(e.data.positions);
  };
  return w;
}

/**
 * The dagre layout: in place for small graphs, in a worker for large ones, reporting dagre's phases as it goes.
 * Resolves to null when the layout was cancelled.
 */
export function layoutSoon(
  tasks: readonly GraphTask[],
  onPhase: (phase: LayoutPhase) => void = () => undefined,
): Promise<Positions | null> {
  if (tasks.length <= BACKGROUND_LAYOUT_TASKS || typeof Worker === 'undefined')
    return Promise.resolve(layoutTasks(tasks, onPhase));
  worker ??= startWorker();
  const id = ++seq;
  const slim = tasks.map((t) => ({ id: t.id, depends_on: t.depends_on ? [...t.depends_on] : undefined }));
  return new Promise((resolve) => {
    waiting.set(id, { resolve, onPhase });
    worker?.postMessage({ seq: id, tasks: slim });
  });
}

/** Stops every layout in progress (dagre cannot be interrupted, so its worker is ended); they resolve to null. */
export function cancelLayouts(): void {
  worker?.terminate();
  worker = null;
  for (const job of waiting.values()) job.resolve(null);
  waiting.clear();
}
