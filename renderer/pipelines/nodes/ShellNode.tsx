import type { NodeProps } from '@xyflow/react';
import { SquareTerminal } from 'lucide-react';
import { memo } from 'react';
import type { ShellTaskNode } from '../graph-model';
import { TaskNodeBody } from './TaskNodeBody';

/** One element for every node, so the memoized body is not redrawn for a new icon. */
const ICON = <SquareTerminal size={13} />;

/** A shell task on the canvas. */
export const ShellNode = memo(function ShellNode({ data, selected }: NodeProps<ShellTaskNode>) {
  return <TaskNodeBody task={data.task} type="shell" icon={ICON} selected={selected} />;
});
