import { Handle, Position, useStore, type ReactFlowState } from '@xyflow/react';
import { AlertTriangle, RotateCw } from 'lucide-react';
import { memo, type CSSProperties, type ReactNode } from 'react';
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

/**
 * Below this zoom a node's text is too small to read (12 px shows as 4), so nodes draw as coloured boxes:
 * thousands of them stay cheap to draw while the whole pipeline is in view.
 */
export const FAR_ZOOM = 0.4;
const isFar = (s: ReactFlowState) => s.transform[2] < FAR_ZOOM;

/** What every task node shows: type and id, what it runs, its problems, and its state in the coloured run. */
export const TaskNodeBody = memo(function TaskNodeBody({ task, type, icon, selected }: Props) {
  const problems = useTaskProblems(task.id);
  const instance = useTaskRunInstance(task.id);
  const far = useStore(isFar);
  const state = instance?.state;
  const problem = problems?.[0];
  const coloured = state !== undefined && state !== 'none';
  const classes = ['task-node', `task-node-${type}`];
  if (far) classes.push('far');
  if (selected) classes.push('selected');
  if (problem) classes.push('has-problem');
  if (coloured) classes.push(`state-${state}`);
  const style: CSSProperties | undefined = coloured
    ? { ['--state-color' as string]: STATE_COLORS[state] }
    : undefined;
  // The handles stay in both forms: edges are drawn to them.
  const handleIn = (
    <Handle
      type="target"
      position={Position.Left}
      className="task-handle"
      data-testid={ids.handleIn(task.id)}
    />
  );
  const handleOut = (
    <Handle
      type="source"
      position={Position.Right}
      className="task-handle"
      data-testid={ids.handleOut(task.id)}
    />
  );
  if (far)
    return (
      <div
        className={classes.join(' ')}
        data-testid={ids.node(task.id)}
        data-state={state ?? ''}
        data-problem={problem ? 'true' : 'false'}
        style={style}
        title={task.id}
      >
        {handleIn}
        {handleOut}
      </div>
    );
  const summary = taskSummary(task);
  return (
    <div
      className={classes.join(' ')}
      data-testid={ids.node(task.id)}
      data-state={state ?? ''}
      data-problem={problem ? 'true' : 'false'}
      style={style}
      title={problem ? problems.map((p) => p.message).join('\n') : summary}
    >
      {handleIn}
      <div className="task-node-head">
        <span className={`task-node-icon type-${type}`}>{icon}</span>
        <span className="task-node-id">{task.id}</span>
        {instance && instance.tryNumber > 1 && (
          <span className="task-node-tries" title={`try ${instance.tryNumber} of ${instance.maxTries}`}>
            <RotateCw size={10} /> {instance.tryNumber}
          </span>
        )}
        {coloured && (
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
      {handleOut}
    </div>
  );
});
