import type { PipelineProblem, PipelineRunSummary, TaskInstanceSummary } from '../../shared/pipeline/model';
import { usePipelineEditor } from './store';
import { useRuns } from './runs-store';

/**
 * Per-node lookups, cached per state object so 5,000 nodes each asking for their own entry cost one index build
 * per change, not 5,000 scans. Selectors return primitives or stable arrays, so only nodes whose entry changed
 * re-render.
 */
const problemIndex = new WeakMap<readonly PipelineProblem[], Map<string, PipelineProblem[]>>();
const runIndex = new WeakMap<PipelineRunSummary, Map<string, TaskInstanceSummary>>();

function problemsOf(problems: readonly PipelineProblem[], id: string): PipelineProblem[] | undefined {
  let index = problemIndex.get(problems);
  if (!index) {
    index = new Map();
    for (const p of problems) {
      if (!p.task) continue;
      const list = index.get(p.task) ?? [];
      list.push(p);
      index.set(p.task, list);
    }
    problemIndex.set(problems, index);
  }
  return index.get(id);
}

export function useTaskProblems(id: string): PipelineProblem[] | undefined {
  return usePipelineEditor((s) => problemsOf(s.problems, id));
}

function instanceOf(run: PipelineRunSummary, id: string): TaskInstanceSummary | undefined {
  let index = runIndex.get(run);
  if (!index) {
    index = new Map(run.tasks.map((t) => [t.taskId, t]));
    runIndex.set(run, index);
  }
  return index.get(id);
}

/** The coloured run's instance of a task, when the graph is coloured by a run. */
export function useTaskRunInstance(id: string): TaskInstanceSummary | undefined {
  const colour = usePipelineEditor((s) => s.tab === 'graph');
  return useRuns((s) => {
    if (!colour || !s.selectedRunId) return undefined;
    const run = s.runs.find((r) => r.runId === s.selectedRunId);
    return run ? instanceOf(run, id) : undefined;
  });
}

/** The coloured run's state of a task, outside React (the minimap's colours). */
export function runStateOf(id: string): TaskInstanceSummary['state'] | undefined {
  const s = useRuns.getState();
  if (!s.selectedRunId) return undefined;
  const run = s.runs.find((r) => r.runId === s.selectedRunId);
  return run ? instanceOf(run, id)?.state : undefined;
}
