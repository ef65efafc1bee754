import type { NodeProps } from '@xyflow/react';
import { FileCode } from 'lucide-react';
import { memo } from 'react';
import type { PythonTaskNode } from '../graph-model';
import { TaskNodeBody } from './TaskNodeBody';

/** One element for every node, so the memoized body is not redrawn for a new icon. */
const ICON = <FileCode size={13} />;

/** A python task on the canvas. */
export const PythonNode = memo(function PythonNode({ data, selected }: NodeProps<PythonTaskNode>) {
  return <TaskNodeBody task={data.task} type="python" icon={ICON} selected={selected} />;
});
