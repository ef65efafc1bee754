/**
 * Undo and redo over whole snapshots of the graph (tasks, header, positions). Snapshots share unchanged objects,
 * so keeping a hundred of them costs little even for large pipelines. Edits with the same `mergeKey` made within
 * `mergeMs` of each other (typing in one field) become one step.
 */
export interface History<T> {
  past: T[];
  future: T[];
  lastKey: string | null;
  lastAt: number;
}

export const HISTORY_LIMIT = 100;

export function emptyHistory<T>(): History<T> {
  return { past: [], future: [], lastKey: null, lastAt: 0 };
}

/** Records `before` as the state to return to, unless this edit continues the previous one. */
export function record<T>(
  h: History<T>,
  before: T,
  mergeKey: string | null,
  now: number,
  mergeMs = 1000,
): History<T> {
  if (mergeKey !== null && mergeKey === h.lastKey && now - h.lastAt < mergeMs && h.past.length > 0)
    return { ...h, future: [], lastAt: now };
  const past = [...h.past, before];
  if (past.length > HISTORY_LIMIT) past.splice(0, past.length - HISTORY_LIMIT);
  return { past, future: [], lastKey: mergeKey, lastAt: now };
}

export function undo<T>(h: History<T>, current: T): { history: History<T>; state: T } | null {
  if (h.past.length === 0) return null;
  const state = h.past[h.past.length - 1];
  return {
    history: { past: h.past.slice(0, -1), future: [current, ...h.future], lastKey: null, lastAt: 0 },
    state,
  };
}

export function redo<T>(h: History<T>, current: T): { history: History<T>; state: T } | null {
  if (h.future.length === 0) return null;
  const [state, ...future] = h.future;
  return { history: { past: [...h.past, current], future, lastKey: null, lastAt: 0 }, state };
}
