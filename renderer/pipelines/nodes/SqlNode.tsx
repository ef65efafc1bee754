import type { NodeProps } from '@xyflow/react';
import { Database } from 'lucide-react';
import { memo } from 'react';
import type { SqlTaskNode } from '../graph-model';
import { TaskNodeBody } from './TaskNodeBody';

/** One element for every node, so the memoized body is not redrawn for a new icon. */
const ICON = <Database size={13} />;

/** A sql task on the canvas. */
export const SqlNode = memo(function SqlNode({ data, selected }: NodeProps<SqlTaskNode>) {
  return <TaskNodeBody task={data.task} type="sql" icon={ICON} selected={selected} />;
});
