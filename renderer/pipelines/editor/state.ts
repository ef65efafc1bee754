import type { Edge } from '@xyflow/react';
import { create } from 'zustand';
import type { PipelineListItem } from '../../../shared/pipeline/contract';
import { parsePipelineYaml } from '../../../shared/pipeline/parse';
import type { NodePosition, Pipeline, PipelineProblem } from '../../../shared/pipeline/model';
import { type Clipboard, type DraftTask, type PipelineHeader, type TaskFlowNode } from '../graph-model';
import { emptyHistory, type History } from '../history';
import { type LayoutPhase } from '../layout';

/**
 * The pipeline editor's state (one zustand store) and what its slices share. The slices: document.ts (the
 * file: open, save, conflicts with the disk, the list), graph-edits.ts (edits on the canvas and in the YAML tab,
 * undo and redo) and layout-progress.ts (layouts that run in the background).
 */

/** What undo and redo restore. */
export interface GraphSnapshot {
  header: PipelineHeader;
  tasks: DraftTask[];
  positions: Record<string, NodePosition>;
  /** The text then, so undoing back to it gives its exact bytes (comments, quoting, spacing). */
  yaml: string;
}

export type EditorTab = 'graph' | 'yaml' | 'grid' | 'gantt' | 'runs';

export interface PipelineEditorState {
  list: PipelineListItem[];
  listLoaded: boolean;
  /** The open pipeline. */
  id: string | null;
  file: string;
  status: 'idle' | 'loading' | 'ready' | 'error';
  loadError: string | null;
  tab: EditorTab;
  /** The YAML as the editor holds it (what the YAML tab shows and what is saved). */
  yaml: string;
  savedYaml: string;
  mtimeMs: number | null;
  saving: boolean;
  /** The graph changed and its YAML is not written yet (debounced). */
  graphPending: boolean;
  /** The file changed on disk while it had unsaved edits: the user chooses reload or overwrite. */
  conflict: boolean;
  problems: PipelineProblem[];
  /** The valid pipeline (null while the file has problems). */
  pipeline: Pipeline | null;
  /** Why the graph cannot be edited right now (a YAML syntax error...), or null. */
  blocked: string | null;
  header: PipelineHeader;
  tasks: DraftTask[];
  positions: Record<string, NodePosition>;
  nodes: TaskFlowNode[];
  edges: Edge[];
  history: History<GraphSnapshot>;
  /** The task whose form is open. */
  formTaskId: string | null;
  /** Why the edge being drawn (or just refused) is not allowed. */
  refusal: string | null;
  /** Asks the canvas to fit the view (incremented). */
  fitRequest: number;
  /** A layout running in the background (large pipelines): how many tasks, dagre's phase, since when. */
  layout: { tasks: number; phase: LayoutPhase | 'starting'; startedAt: number } | null;
}

export const COMMIT_MS = 300;
export const POSITIONS_MS = 600;

export const initial = {
  list: [] as PipelineListItem[],
  listLoaded: false,
  id: null,
  file: '',
  status: 'idle' as const,
  loadError: null,
  tab: 'graph' as EditorTab,
  yaml: '',
  savedYaml: '',
  mtimeMs: null,
  saving: false,
  graphPending: false,
  conflict: false,
  problems: [] as PipelineProblem[],
  pipeline: null,
  blocked: null,
  header: { id: '' } as PipelineHeader,
  tasks: [] as DraftTask[],
  positions: {} as Record<string, NodePosition>,
  nodes: [] as TaskFlowNode[],
  edges: [] as Edge[],
  history: emptyHistory<GraphSnapshot>(),
  formTaskId: null,
  refusal: null,
  fitRequest: 0,
  layout: null,
};

export const usePipelineEditor = create<PipelineEditorState>(() => ({ ...initial }));

export const get = () => usePipelineEditor.getState();
export const set = (patch: Partial<PipelineEditorState>) => usePipelineEditor.setState(patch);

/** What the editor keeps beside its state: its debounce timers and the copied tasks. */
export const session: {
  commitTimer: ReturnType<typeof setTimeout> | null;
  positionsTimer: ReturnType<typeof setTimeout> | null;
  clipboard: Clipboard | null;
} = { commitTimer: null, positionsTimer: null, clipboard: null };

export function isDirty(s: PipelineEditorState = get()): boolean {
  return s.graphPending || s.yaml !== s.savedYaml;
}

export function validate(yaml: string, id: string, file: string) {
  return parsePipelineYaml(yaml, { file, expectedId: id });
}
