import type { NodeTypes } from '@xyflow/react';
import type { TaskType } from '../../../shared/pipeline/model';
import { NotebookNode } from './NotebookNode';
import { PythonNode } from './PythonNode';
import { ShellNode } from './ShellNode';
import { SqlNode } from './SqlNode';

/** Defined once at module level: a new object per render would remount every node. */
export const nodeTypes = {
  sql: SqlNode,
  notebook: NotebookNode,
  python: PythonNode,
  shell: ShellNode,
} satisfies Record<TaskType, NodeTypes[string]>;
