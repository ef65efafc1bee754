/**
 * The DAG of a pipeline: topological order, cycles, what is upstream and downstream. Pure, so the editor checks
 * an edge while it is drawn with the same code the runner trusts.
 */

/** The part of a task the graph needs. */
export interface GraphTask {
  id: string;
  depends_on?: readonly string[];
}

/** Downstream adjacency: task id -> the tasks that depend on it (unknown dependencies are ignored). */
export function downstreamMap(tasks: readonly GraphTask[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const t of tasks) if (!map.has(t.id)) map.set(t.id, []);
  for (const t of tasks) {
    for (const dep of t.depends_on ?? []) map.get(dep)?.push(t.id);
  }
  return map;
}

/**
 * The first cycle found, as a path that starts and ends with the same task in dependency order
 * (`['load', 'clean', 'load']`: clean depends on load, load depends on clean); null when there is none.
 */
export function findCycle(tasks: readonly GraphTask[]): string[] | null {
  const down = downstreamMap(tasks);
  const WHITE = 0;
  const GREY = 1;
  const BLACK = 2;
  const color = new Map<string, number>();
  for (const id of down.keys()) color.set(id, WHITE);
  for (const start of down.keys()) {
    if (color.get(start) !== WHITE) continue;
    // Iterative DFS: a 5,000-task chain must not overflow the stack.
    const stack: { id: string; next: number }[] = [{ id: start, next: 0 }];
    color.set(start, GREY);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const children = down.get(top.id) ?? [];
      if (top.next >= children.length) {
        color.set(top.id, BLACK);
        stack.pop();
        continue;
      }
      const child = children[top.next++];
      const c = color.get(child);
      if (c === GREY) {
        const from = stack.findIndex((f) => f.id === child);
        return [...stack.slice(from).map((f) => f.id), child];
      }
      if (c === WHITE) {
        color.set(child, GREY);
        stack.push({ id: child, next: 0 });
      }
    }
  }
  return null;
}

/** Formats a cycle path the way problems name it: `load -> clean -> load`. */
export function formatCycle(path: readonly string[]): string {
  return path.join(' -> ');
}

/**
 * Task ids in an order where every task comes after its dependencies (Kahn's algorithm, ties in file order, so
 * the order is stable). Throws nothing: tasks in a cycle are left out, which `findCycle` reports.
 */
export function topologicalOrder(tasks: readonly GraphTask[]): string[] {
  const down = downstreamMap(tasks);
  const indegree = new Map<string, number>();
  const position = new Map<string, number>();
  tasks.forEach((t, i) => {
    if (!position.has(t.id)) position.set(t.id, i);
  });
  for (const id of down.keys()) indegree.set(id, 0);
  for (const t of tasks) {
    const deps = new Set((t.depends_on ?? []).filter((d) => down.has(d)));
    indegree.set(t.id, (indegree.get(t.id) ?? 0) + deps.size);
  }
  // A min-heap by file position keeps the order stable and the sort O(n log n) at 5,000 tasks.
  const heap: string[] = [];
  const less = (a: string, b: string) => (position.get(a) ?? 0) < (position.get(b) ?? 0);
  const push = (id: string) => {
    heap.push(id);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const pop = (): string => {
    const top = heap[0];
    const last = heap.pop() as string;
    if (heap.length) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l], heap[m])) m = l;
        if (r < heap.length && less(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  };
  for (const [id, d] of indegree) if (d === 0) push(id);
  const out: string[] = [];
  const seenEdge = new Set<string>();
  while (heap.length) {
    const id = pop();
    out.push(id);
    for (const child of down.get(id) ?? []) {
      const key = `${id}\u0000${child}`;
      if (seenEdge.has(key)) continue;
      seenEdge.add(key);
      const d = (indegree.get(child) ?? 0) - 1;
      indegree.set(child, d);
      if (d === 0) push(child);
    }
  }
  return out;
}

/**
 * Whether a new edge `from -> to` (to depends on from) would close a cycle. Returns the cycle it would close
 * (`['from', 'to', ..., 'from']`), found breadth first so the shortest one is named, or null when the edge is
 * fine. The editor, which checks many edges against one set of tasks, passes their `downstreamMap` in.
 */
export function wouldCreateCycle(
  tasks: readonly GraphTask[],
  from: string,
  to: string,
  down: ReadonlyMap<string, readonly string[]> = downstreamMap(tasks),
): string[] | null {
  if (from === to) return [from, from];
  // A path to -> ... -> from already exists downstream of `to` iff the edge closes a cycle.
  const parent = new Map<string, string>();
  const queue = [to];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    if (id === from) {
      const path = [from];
      let cur = from;
      while (cur !== to) {
        cur = parent.get(cur) as string;
        path.unshift(cur);
      }
      return [from, ...path];
    }
    for (const child of down.get(id) ?? []) {
      // `to` and every task with a parent were reached already.
      if (child === to || parent.has(child)) continue;
      parent.set(child, id);
      queue.push(child);
    }
  }
  return null;
}

/** Every task downstream of the given ones (not including them). */
export function downstreamOf(tasks: readonly GraphTask[], ids: readonly string[]): Set<string> {
  const down = downstreamMap(tasks);
  const out = new Set<string>();
  const queue = [...ids];
  while (queue.length) {
    const id = queue.pop() as string;
    for (const child of down.get(id) ?? []) {
      if (out.has(child)) continue;
      out.add(child);
      queue.push(child);
    }
  }
  for (const id of ids) out.delete(id);
  return out;
}

/** Every task upstream of the given ones (not including them). */
export function upstreamOf(tasks: readonly GraphTask[], ids: readonly string[]): Set<string> {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const out = new Set<string>();
  const queue = [...ids];
  while (queue.length) {
    const id = queue.pop() as string;
    for (const dep of byId.get(id)?.depends_on ?? []) {
      if (out.has(dep) || !byId.has(dep)) continue;
      out.add(dep);
      queue.push(dep);
    }
  }
  for (const id of ids) out.delete(id);
  return out;
}
