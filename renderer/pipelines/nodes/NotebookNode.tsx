import type { NodeProps } from '@xyflow/react';
import { NotebookText } from 'lucide-react';
import { memo } from 'react';
import type { NotebookTaskNode } from '../graph-model';
import { TaskNodeBody } from './TaskNodeBody';

/** One element for every node, so the memoized body is not redrawn for a new icon. */
const ICON = <NotebookText size={13} />;

/** A notebook task on the canvas. */
export const NotebookNode = memo(function NotebookNode({ data, selected }: NodeProps<NotebookTaskNode>) {
  return <TaskNodeBody task={data.task} type="notebook" icon={ICON} selected={selected} />;
});
