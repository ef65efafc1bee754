import type { NodeProps } from '@xyflow/react';
import { Database } from 'lucide-react';
import { memo } from 'react';
import type { SqlTaskNode } from '../graph-model';
import { TaskNodeBody } from './TaskNodeBody';

/** A sql task on the canvas. */
export const SqlNode = memo(function SqlNode({ data, selected }: NodeProps<SqlTaskNode>) {
  return <TaskNodeBody task={data.task} type="sql" icon={<Database size={13} />} selected={selected} />;
});
