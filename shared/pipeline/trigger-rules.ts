import type { TaskState, TriggerRule } from './model';

/**
 * What a task's trigger rule says given its upstream task states, as Airflow 3's TriggerRuleDep decides it
 * (airflow-core/src/airflow/ti_deps/deps/trigger_rule_dep.py, with flag_upstream_failed): a task may run, must
 * wait, or is settled as skipped or upstream_failed without running. That last step is how skips and failures
 * cascade down a pipeline. Lakebench has no setup tasks, so `all_done_setup_success` acts as `all_done`.
 */
export type TriggerDecision = 'run' | 'wait' | 'skip' | 'upstream_failed';

export interface UpstreamCounts {
  upstream: number;
  success: number;
  skipped: number;
  failed: number;
  upstreamFailed: number;
  /** success + skipped + failed + upstream_failed: upstream tasks that will not change any more. */
  done: number;
}

export function countUpstream(states: readonly TaskState[]): UpstreamCounts {
  const c: UpstreamCounts = {
    upstream: states.length,
    success: 0,
    skipped: 0,
    failed: 0,
    upstreamFailed: 0,
    done: 0,
  };
  for (const s of states) {
    if (s === 'success') c.success++;
    else if (s === 'skipped') c.skipped++;
    else if (s === 'failed') c.failed++;
    else if (s === 'upstream_failed') c.upstreamFailed++;
  }
  c.done = c.success + c.skipped + c.failed + c.upstreamFailed;
  return c;
}

export function evaluateTriggerRule(
  rule: TriggerRule,
  upstreamStates: readonly TaskState[],
): TriggerDecision {
  // A task without upstream tasks has nothing to wait for, whatever its rule.
  if (upstreamStates.length === 0 || rule === 'always') return 'run';
  const { upstream, success, skipped, failed, upstreamFailed, done } = countUpstream(upstreamStates);
  const upstreamDone = done >= upstream;

  // First: states the rule settles without running the task (Airflow's flag_upstream_failed branch).
  switch (rule) {
    case 'all_success':
      if (upstreamFailed || failed) return 'upstream_failed';
      if (skipped) return 'skip';
      break;
    case 'all_failed':
      if (success || skipped) return 'skip';
      break;
    case 'one_success':
      if (upstreamDone && done === skipped) return 'skip';
      if (upstreamDone && success <= 0) return 'upstream_failed';
      break;
    case 'one_failed':
      if (upstreamDone && !(failed || upstreamFailed)) return 'skip';
      break;
    case 'one_done':
      if (upstreamDone && !(failed || success)) return 'skip';
      break;
    case 'none_failed':
      if (upstreamFailed || failed) return 'upstream_failed';
      break;
    case 'none_failed_min_one_success':
      if (upstreamFailed || failed) return 'upstream_failed';
      if (skipped === upstream) return 'skip';
      break;
    case 'none_skipped':
      if (skipped) return 'skip';
      break;
    case 'all_skipped':
      if (success || failed || upstreamFailed) return 'skip';
      break;
    case 'all_done_min_one_success': {
      const nonSkippedDone = success + failed + upstreamFailed;
      const nonSkippedUpstream = upstream - skipped;
      if (skipped > 0) return 'skip';
      if (nonSkippedDone >= nonSkippedUpstream && success === 0) return 'upstream_failed';
      break;
    }
    case 'all_done':
    case 'all_done_setup_success':
      break;
    default: {
      const never: never = rule;
      return never;
    }
  }

  // Then: whether the task may run now.
  switch (rule) {
    case 'all_success':
      return upstream - success > 0 ? 'wait' : 'run';
    case 'all_failed':
      return upstream - failed - upstreamFailed > 0 ? 'wait' : 'run';
    case 'all_done':
    case 'all_done_setup_success':
      return upstreamDone ? 'run' : 'wait';
    case 'one_success':
      return success > 0 ? 'run' : 'wait';
    case 'one_failed':
      return failed || upstreamFailed ? 'run' : 'wait';
    case 'one_done':
      return success + failed > 0 ? 'run' : 'wait';
    case 'none_failed':
    case 'none_failed_min_one_success':
      return upstream - success - skipped > 0 ? 'wait' : 'run';
    case 'none_skipped':
      return !upstreamDone || skipped > 0 ? 'wait' : 'run';
    case 'all_skipped':
      return upstream - skipped > 0 ? 'wait' : 'run';
    case 'all_done_min_one_success': {
      const nonSkippedDone = success + failed + upstreamFailed;
      if (skipped > 0 || nonSkippedDone < upstream - skipped || success === 0) return 'wait';
      return 'run';
    }
    default: {
      const never: never = rule;
      return never;
    }
  }
}
