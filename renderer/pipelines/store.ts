/**
 * The pipeline editor's store: its state and the actions on it, from the slices in editor/ (the document on
 * disk, graph edits, background layouts). Components and tests import from here.
 */
import { cancelLayouts } from './layout-async';
import { initial, session, set } from './editor/state';

export {
  isDirty,
  usePipelineEditor,
  type EditorTab,
  type GraphSnapshot,
  type PipelineEditorState,
} from './editor/state';
export {
  checkDisk,
  createPipeline,
  deletePipeline,
  flush,
  openPipeline,
  overwriteDisk,
  refreshList,
  reloadFromDisk,
  save,
} from './editor/document';
export {
  addTaskAt,
  autoLayout,
  checkConnection,
  clearRefusal,
  connect,
  copySelection,
  deleteSelection,
  deleteTasks,
  onDelete,
  onEdgesChange,
  onNodesChange,
  paste,
  problemsByTask,
  redoEdit,
  renameTaskTo,
  selectAll,
  setDependencies,
  setFormTask,
  setTab,
  setYamlText,
  undoEdit,
  updateTask,
} from './editor/graph-edits';
export { cancelLayout } from './editor/layout-progress';

/** Test hook: reset between unit tests. */
export function resetEditor(): void {
  if (session.commitTimer) clearTimeout(session.commitTimer);
  if (session.positionsTimer) clearTimeout(session.positionsTimer);
  session.commitTimer = null;
  session.positionsTimer = null;
  session.clipboard = null;
  cancelLayouts();
  set({ ...initial });
}
