import type { GraphTask } from '../../shared/pipeline/graph';
import type { NodePosition } from '../../shared/pipeline/model';
import { BACKGROUND_LAYOUT_TASKS, layoutTasks } from './layout';

type Positions = Record<string, NodePosition>;
let worker: Worker | null = null;
let seq = 0;
const waiting = new Map<number, (p: Positions) => void>();

/** The dagre layout: in place for small graphs, in a worker for large ones. */
export function layoutSoon(tasks: readonly GraphTask[]): Promise<Positions> {
  if (tasks.length <= BACKGROUND_LAYOUT_TASKS || typeof Worker === 'undefined')
    return Promise.resolve(layoutTasks(tasks));
  if (!worker) {
    worker = new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<{ seq: number; positions: Positions }>) => {
      waiting.get(e.data.seq)?.(e.data.positions);
      waiting.delete(e.data.seq);
    };
  }
  const id = ++seq;
  const slim = tasks.map((t) => ({ id: t.id, depends_on: t.depends_on ? [...t.depends_on] : undefined }));
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    worker?.postMessage({ seq: id, tasks: slim });
  });
}
