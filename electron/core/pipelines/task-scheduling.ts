import { FINISHED_TASK_STATES, type EffectiveTaskSettings } from '../../../shared/pipeline/model';
import { evaluateTriggerRule } from '../../../shared/pipeline/trigger-rules';
import { iso, type ActivePipelineRun, type ActiveTi } from './pipeline-run-state';

/**
 * The runner's decisions, apart from how they are stored and announced: which queued pipeline runs start,
 * which task instances trigger rules settle, which scheduled ones start a try, and when a run is done. They
 * change only the in-memory state they are given.
 */

/** Queued runs to start now, as max_active_runs allows; backfills have their own limit, so they never take the slots scheduled runs need. */
export function runsToStart(
  active: Iterable<ActivePipelineRun>,
  backfillLimit: (backfillId: string) => number,
): ActivePipelineRun[] {
  const start: ActivePipelineRun[] = [];
  const byPipeline = new Map<string, ActivePipelineRun[]>();
  for (const a of active) {
    const list = byPipeline.get(a.run.pipelineId) ?? [];
    list.push(a);
    byPipeline.set(a.run.pipelineId, list);
  }
  for (const runs of byPipeline.values()) {
    const limit = runs[0].pipeline.max_active_runs ?? 16;
    const regular = runs.filter((a) => !a.run.backfillId);
    let running = regular.filter((a) => a.run.state === 'running').length;
    for (const a of regular
      .filter((r) => r.run.state === 'queued')
      .sort((x, y) => x.run.logicalDate.localeCompare(y.run.logicalDate))) {
      if (running >= limit) break;
      start.push(a);
      running++;
    }
    const byBackfill = new Map<string, ActivePipelineRun[]>();
    for (const a of runs) {
      if (!a.run.backfillId) continue;
      const list = byBackfill.get(a.run.backfillId) ?? [];
      list.push(a);
      byBackfill.set(a.run.backfillId, list);
    }
    for (const [backfillId, list] of byBackfill) {
      const max = backfillLimit(backfillId);
      let n = list.filter((a) => a.run.state === 'running').length;
      for (const a of list
        .filter((r) => r.run.state === 'queued')
        .sort((x, y) => x.run.logicalDate.localeCompare(y.run.logicalDate))) {
        if (n >= max) break;
        start.push(a);
        n++;
      }
    }
  }
  return start;
}

/**
 * Applies trigger rules and retry times to a running pipeline run's task instances. Returns the instances whose
 * state changed, and when to look again (a retry's time), or Infinity.
 */
export function settleTaskInstances(
  a: ActivePipelineRun,
  now: number,
): { wake: number; changes: ActiveTi[] } {
  let wake = Infinity;
  const changes: ActiveTi[] = [];
  a.lastPassWasFull = a.fullScan;
  let ids: string[];
  if (a.fullScan) {
    a.fullScan = false;
    ids = a.order;
    a.retrying.clear();
  } else {
    ids = [...new Set([...a.dirty, ...a.retrying])].sort(
      (x, y) => (a.rank.get(x) as number) - (a.rank.get(y) as number),
    );
  }
  a.dirty.clear();
  // Settling a task as skipped or upstream_failed can settle its downstream in the same pass.
  for (let round = 0; ids.length > 0 && round < 10_000; round++) {
    for (const id of ids) {
      const ti = a.tis.get(id) as ActiveTi;
      if (ti.state === 'up_for_retry') {
        if (ti.nextTryAt !== null && ti.nextTryAt > now) {
          a.retrying.add(id);
          wake = Math.min(wake, ti.nextTryAt);
          continue;
        }
        a.retrying.delete(id);
        ti.state = 'scheduled';
        changes.push(ti);
        continue;
      }
      a.retrying.delete(id);
      if (ti.state !== 'none') continue;
      const upstreamStates = (a.upstream.get(id) ?? []).map((u) => (a.tis.get(u) as ActiveTi).state);
      const decision = evaluateTriggerRule(
        (a.settings.get(id) as EffectiveTaskSettings).triggerRule,
        upstreamStates,
      );
      if (decision === 'wait') continue;
      if (decision === 'run') ti.state = 'scheduled';
      else {
        ti.state = decision === 'skip' ? 'skipped' : 'upstream_failed';
        ti.endedAt = iso(now);
        for (const d of a.downstream.get(id) ?? []) a.dirty.add(d);
      }
      changes.push(ti);
    }
    ids = [...a.dirty].sort((x, y) => (a.rank.get(x) as number) - (a.rank.get(y) as number));
    a.dirty.clear();
  }
  return { wake, changes };
}

/** A task finished a try: its downstream tasks' rules (and its own retry) must be looked at again. */
export function markChanged(a: ActivePipelineRun, ti: ActiveTi): void {
  if (ti.state === 'up_for_retry') a.retrying.add(ti.taskId);
  for (const d of a.downstream.get(ti.taskId) ?? []) a.dirty.add(d);
}

/** Scheduled task instances to start a try of now, as each pipeline's max_active_tasks allows, scheduled runs first. */
export function triesToStart(active: Iterable<ActivePipelineRun>): [ActivePipelineRun, ActiveTi][] {
  const start: [ActivePipelineRun, ActiveTi][] = [];
  const byPipeline = new Map<string, ActivePipelineRun[]>();
  for (const a of active) {
    if (a.run.state !== 'running') continue;
    const list = byPipeline.get(a.run.pipelineId) ?? [];
    list.push(a);
    byPipeline.set(a.run.pipelineId, list);
  }
  for (const runs of byPipeline.values()) {
    const limit = runs[0].pipeline.max_active_tasks ?? 16;
    let busy = 0;
    let backfillBusy = 0;
    for (const a of runs) {
      for (const ti of a.tis.values()) {
        if (ti.state === 'queued' || ti.state === 'running') {
          busy++;
          if (a.run.backfillId) backfillBusy++;
        }
      }
    }
    // Scheduled and manual runs first, oldest first; a backfill keeps one slot free for them.
    runs.sort(
      (x, y) =>
        Number(!!x.run.backfillId) - Number(!!y.run.backfillId) ||
        x.run.logicalDate.localeCompare(y.run.logicalDate),
    );
    const backfillLimit = limit > 1 ? limit - 1 : limit;
    for (const a of runs) {
      for (const id of a.order) {
        if (busy >= limit) break;
        const ti = a.tis.get(id) as ActiveTi;
        if (ti.state !== 'scheduled') continue;
        if (a.run.backfillId && backfillBusy >= backfillLimit) break;
        busy++;
        if (a.run.backfillId) backfillBusy++;
        start.push([a, ti]);
      }
    }
  }
  return start;
}

/**
 * Whether a running pipeline run is done. `running`: something runs or can; `look-again`: nothing seems to, but
 * the last pass did not look at every task; `done`: the run ends, with the task instances that can never run
 * (Airflow's deadlock), which become upstream_failed.
 */
export function runCompletion(
  a: ActivePipelineRun,
): { kind: 'running' } | { kind: 'look-again' } | { kind: 'done'; deadlocked: ActiveTi[] } {
  let unfinished = 0;
  let progressing = 0;
  for (const ti of a.tis.values()) {
    if (FINISHED_TASK_STATES.includes(ti.state)) continue;
    unfinished++;
    if (ti.state !== 'none') progressing++;
  }
  if (unfinished > 0 && progressing > 0) return { kind: 'running' };
  if (unfinished > 0 && !a.lastPassWasFull) return { kind: 'look-again' };
  const deadlocked = unfinished > 0 ? [...a.tis.values()].filter((ti) => ti.state === 'none') : [];
  return { kind: 'done', deadlocked };
}

/** As in Airflow, the leaves decide: a pipeline run failed if a leaf failed or could not run. */
export function leavesFailed(a: ActivePipelineRun): boolean {
  for (const [id, ti] of a.tis) {
    if ((a.downstreamCount.get(id) ?? 0) > 0) continue;
    if (ti.state === 'failed' || ti.state === 'upstream_failed') return true;
  }
  return false;
}
