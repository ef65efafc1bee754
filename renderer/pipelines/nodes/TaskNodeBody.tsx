import { Handle, Position } from '@xyflow/react';
import { AlertTriangle, RotateCw } from 'lucide-react';
import type { ReactNode } from 'react';
import type { TaskType } from '../../../shared/pipeline/model';
import { taskSummary, type DraftTask } from '../graph-model';
import { useTaskProblems, useTaskRunInstance } from '../node-status';
import { STATE_COLORS, STATE_LABELS } from '../run-views';
import { pipelineTestIds as ids } from '../testids';

interface Props {
  task: DraftTask;
  type: TaskType;
  icon: ReactNode;
  selected: boolean;
}

/** What every task node shows: type and id, what it runs, its problems, and its state in the coloured run. */
export function TaskNodeBody({ task, type, icon, selected }: Props) {
  const problems = useTaskProblems(task.id);
  const instance = useTaskRunInstance(task.id);
  const state = instance?.state;
  const problem = problems?.[0];
  const classes = ['task-node', `task-node-${type}`];
  if (selected) classes.push('selected');
  if (problem) classes.push('has-problem');
  if (state && state !== 'none') classes.push(`state-${state}`);
  const summary = taskSummary(task);
  return (
    <div
      className={classes.join(' ')}
      data-testid={ids.node(task.id)}
      data-state={state ?? ''}
      data-problem={problem ? 'true' : 'false'}
      style={state && state !== 'none' ? { ['--state-color' as string]: STATE_COLORS[state] } : undefined}
      title={problem ? problems.map((p) => p.message).join('\n') : summary}
    >
      <Handle
        type="target"
        position={Position.Left}
        className="task-handle"
        data-testid={ids.handleIn(task.id)}
      />
      <div className="task-node-head">
        <span className={`task-node-icon type-${type}`}>{icon}</span>
        <span className="task-node-id">{task.id}</span>
        {instance && instance.tryNumber > 1 && (
          <span className="task-node-tries" title={`try ${instance.tryNumber} of ${instance.maxTries}`}>
            <RotateCw size={10} /> {instance.tryNumber}
          </span>
        )}
        {state && state !== 'none' && (
          <span className="task-node-state" data-testid={ids.nodeState(task.id)}>
            {STATE_LABELS[state]}
          </span>
        )}
      </div>
      {problem ? (
        <div className="task-node-problem" data-testid={ids.nodeProblem(task.id)}>
          <AlertTriangle size={11} /> {problem.message}
        </div>
      ) : (
        <div className="task-node-summary">{summary || <span className="muted">{type}</span>}</div>
      )}
      <Handle
        type="source"
        position={Position.Right}
        className="task-handle"
        data-testid={ids.handleOut(task.id)}
      />
    </div>
  );
}
