import type {
  PipelineRun,
  PipelineRunSummary,
  RunState,
  TaskInstance,
  TaskInstanceSummary,
  TaskState,
  TaskTry,
} from '../../shared/pipeline/model';

/** Airflow's state colours, tuned for the dark theme. */
export const STATE_COLORS: Record<TaskState | RunState, string> = {
  none: 'transparent',
  scheduled: '#c9b38a',
  queued: '#9ca3af',
  running: '#7fdc34',
  success: '#2fb36b',
  failed: '#e5484d',
  up_for_retry: '#f5c542',
  upstream_failed: '#f0903b',
  skipped: '#e879c8',
};

export const STATE_LABELS: Record<TaskState, string> = {
  none: 'no state',
  scheduled: 'scheduled',
  queued: 'queued',
  running: 'running',
  success: 'success',
  failed: 'failed',
  up_for_retry: 'up for retry',
  upstream_failed: 'upstream failed',
  skipped: 'skipped',
};

/** "850 ms", "12.4 s", "3m 05s", "2h 01m". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** How long something has run: its duration when ended, the time since it started while running. */
export function elapsedMs(
  item: { startedAt: string | null; endedAt: string | null; durationMs: number | null },
  now: number,
): number | null {
  if (item.durationMs !== null) return item.durationMs;
  if (!item.startedAt) return null;
  const end = item.endedAt ? Date.parse(item.endedAt) : now;
  return Math.max(0, end - Date.parse(item.startedAt));
}

/** The rows and columns of the Grid: tasks top to bottom, runs oldest to newest left to right (Airflow's grid). */
export interface GridModel {
  taskIds: string[];
  runs: PipelineRunSummary[];
  /** runIndex -> taskId -> square */
  cells: Map<string, TaskInstanceSummary>[];
  /** Longest run duration, to scale the duration bars above the columns. */
  maxDurationMs: number;
}

export function gridModel(
  runsNewestFirst: readonly PipelineRunSummary[],
  taskIds: readonly string[],
  now: number,
): GridModel {
  const runs = [...runsNewestFirst].reverse();
  const cells = runs.map((r) => new Map(r.tasks.map((t) => [t.taskId, t])));
  let maxDurationMs = 0;
  for (const r of runs) maxDurationMs = Math.max(maxDurationMs, elapsedMs(r, now) ?? 0);
  return { taskIds: [...taskIds], runs, cells, maxDurationMs };
}

/** The rows a window shows (with a few more on each side), for a list of fixed-height rows. */
export function visibleRows(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan = 8,
): { start: number; end: number } {
  const start = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const end = Math.min(count, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan);
  return { start, end: Math.max(start, end) };
}

/** Replaces a run's square for a task instance that changed (an event), keeping everything else. */
export function applyTaskChange(
  runs: readonly PipelineRunSummary[],
  ti: TaskInstanceSummary,
): PipelineRunSummary[] | null {
  const i = runs.findIndex((r) => r.runId === ti.runId);
  if (i < 0) return null;
  const run = runs[i];
  const j = run.tasks.findIndex((t) => t.taskId === ti.taskId);
  const tasks = j < 0 ? [...run.tasks, ti] : run.tasks.map((t, k) => (k === j ? ti : t));
  const out = [...runs];
  out[i] = { ...run, tasks };
  return out;
}

/** Puts a run that was created or changed into the newest-first list. */
export function applyRunChange(runs: readonly PipelineRunSummary[], run: PipelineRun): PipelineRunSummary[] {
  const i = runs.findIndex((r) => r.runId === run.runId);
  if (i >= 0) {
    const out = [...runs];
    out[i] = { ...runs[i], ...run };
    return out;
  }
  const out = [...runs, { ...run, tasks: [] }];
  out.sort((a, b) => (a.logicalDate < b.logicalDate ? 1 : a.logicalDate > b.logicalDate ? -1 : 0));
  return out;
}

/** One try in the Gantt: the time it waited in the queue, then the time it ran (ms since the chart's start). */
export interface GanttBar {
  tryNumber: number;
  state: TaskTry['state'];
  queuedFrom: number | null;
  runFrom: number | null;
  to: number;
}
export interface GanttRow {
  taskId: string;
  state: TaskState;
  bars: GanttBar[];
}
export interface GanttModel {
  rows: GanttRow[];
  /** Absolute time (ms) of the chart's left edge, and its span. */
  startMs: number;
  spanMs: number;
}

/**
 * The Gantt of a run: a row per task in the order given, a bar per try (so retries show as separate bars), each
 * with its queued part and its running part. Unfinished tries reach `now`.
 */
export function ganttModel(
  run: PipelineRun,
  instances: readonly TaskInstance[],
  order: readonly string[],
  now: number,
): GanttModel {
  const t = (iso: string | null) => (iso ? Date.parse(iso) : null);
  let start = t(run.startedAt) ?? t(run.queuedAt) ?? now;
  let end = t(run.endedAt) ?? now;
  for (const ti of instances)
    for (const tr of ti.tries) {
      const q = t(tr.queuedAt) ?? t(tr.startedAt);
      if (q !== null) start = Math.min(start, q);
      end = Math.max(
        end,
        t(tr.endedAt) ?? (tr.state === 'queued' || tr.state === 'running' ? now : (q ?? start)),
      );
    }
  const rank = new Map(order.map((id, i) => [id, i]));
  const sorted = [...instances].sort(
    (a, b) =>
      (rank.get(a.taskId) ?? Number.MAX_SAFE_INTEGER) - (rank.get(b.taskId) ?? Number.MAX_SAFE_INTEGER),
  );
  const rows = sorted.map((ti) => ({
    taskId: ti.taskId,
    state: ti.state,
    bars: ti.tries
      .filter((tr) => tr.queuedAt || tr.startedAt)
      .map((tr) => {
        const q = t(tr.queuedAt);
        const s = t(tr.startedAt);
        const e =
          t(tr.endedAt) ?? (tr.state === 'queued' || tr.state === 'running' ? now : (s ?? q ?? start));
        return {
          tryNumber: tr.tryNumber,
          state: tr.state,
          queuedFrom: q === null ? null : q - start,
          runFrom: s === null ? null : s - start,
          to: e - start,
        };
      }),
  }));
  return { rows, startMs: start, spanMs: Math.max(1, end - start) };
}

/** Tick marks for a time axis: about `target` of them at a round step. */
export function axisTicks(spanMs: number, target = 6): number[] {
  const steps = [
    10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
    900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000,
  ];
  const step = steps.find((s) => spanMs / s <= target) ?? steps[steps.length - 1];
  const out: number[] = [];
  for (let v = 0; v <= spanMs; v += step) out.push(v);
  return out;
}

/** A moment as `2026-03-01 06:00` in a timezone (a pipeline's), so plans read in the dates the user wrote. */
export function formatInZone(iso: string, timeZone: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(date);
  } catch {
    return iso.slice(0, 16).replace('T', ' ');
  }
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
}

export interface LogQuery {
  query: string;
  regex: boolean;
  caseSensitive: boolean;
}

/**
 * Where a log search matches in a line, as [start, end) ranges, to highlight them. It matches as the host's
 * search does (a substring, or a regular expression); an expression that does not compile matches nothing.
 */
export function matchRanges(line: string, q: LogQuery): [number, number][] {
  if (!q.query) return [];
  let re: RegExp;
  try {
    const source = q.regex ? q.query : q.query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    re = new RegExp(source, q.caseSensitive ? 'g' : 'gi');
  } catch {
    return [];
  }
  const out: [number, number][] = [];
  for (let m = re.exec(line); m !== null && out.length < 1000; m = re.exec(line)) {
    if (m[0].length === 0) {
      // An empty match (e.g. `^`) highlights nothing; step past it so the loop ends.
      re.lastIndex++;
      continue;
    }
    out.push([m.index, m.index + m[0].length]);
  }
  return out;
}

/**
 * Adds the squares a run list lacks from a fresh listing: tasks that have not changed since their run was
 * created send no event, so a new run's tasks would look absent. What events brought is never overwritten, as
 * it may be newer than the listing.
 */
export function addMissingTasks(
  runs: readonly PipelineRunSummary[],
  listed: readonly PipelineRunSummary[],
): PipelineRunSummary[] | null {
  const byId = new Map(listed.map((r) => [r.runId, r]));
  let changed = false;
  const out = runs.map((r) => {
    const fresh = byId.get(r.runId);
    if (!fresh) return r;
    const have = new Set(r.tasks.map((t) => t.taskId));
    const missing = fresh.tasks.filter((t) => !have.has(t.taskId));
    if (!missing.length) return r;
    changed = true;
    return { ...r, tasks: [...r.tasks, ...missing] };
  });
  return changed ? out : null;
}
