import type { NodePosition } from '../../../shared/pipeline/model';
import { type DraftTask } from '../graph-model';
import { BACKGROUND_LAYOUT_TASKS } from '../layout';
import { cancelLayouts, layoutSoon } from '../layout-async';
import { get, set } from './state';

// Layouts of large pipelines run in a worker; the editor shows how far one got and lets the user stop it.

/** Runs a layout, showing its progress while it runs in the background; null when cancelled. */
export async function runLayout(tasks: readonly DraftTask[]): Promise<Record<string, NodePosition> | null> {
  if (tasks.length <= BACKGROUND_LAYOUT_TASKS) return layoutSoon(tasks);
  if (get().layout) cancelLayouts();
  const startedAt = Date.now();
  set({ layout: { tasks: tasks.length, phase: 'starting', startedAt } });
  try {
    return await layoutSoon(tasks, (phase) => {
      if (get().layout?.startedAt === startedAt) set({ layout: { tasks: tasks.length, phase, startedAt } });
    });
  } finally {
    if (get().layout?.startedAt === startedAt) set({ layout: null });
  }
}

/** Stops the background layout; the tasks keep the places they have. */
export function cancelLayout(): void {
  cancelLayouts();
  set({ layout: null });
}
