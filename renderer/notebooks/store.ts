import { create } from 'zustand';
import type { LakebenchErrorData } from '../../shared/errors';
import type { KernelInfo } from '../../shared/kernels/contract';
import type { NotebookDocument } from '../../shared/notebook/model';
import { cellRuntimeReducer, emptyRuntime, type CellAction, type NotebookRuntime } from './cell-runtime';

/** One open notebook tab: the stored document, its save state, and what its cells are doing. */
export interface OpenNotebook {
  path: string;
  status: 'loading' | 'ready' | 'invalid';
  doc: NotebookDocument | null;
  /** Why the notebook could not be opened (shown in its tab; the file is never saved over). */
  loadError: LakebenchErrorData | null;
  /** Modification time of the file as last read or written, for conflict detection. */
  mtimeMs: number | null;
  /** Incremented on every edit; the notebook is dirty while it differs from savedVersion. */
  editVersion: number;
  savedVersion: number;
  saving: boolean;
  /** The file changed on disk since it was read: the user must choose reload or overwrite. */
  conflict: boolean;
  runtime: NotebookRuntime;
  executionCounter: number;
  /** The cell that should take keyboard focus (after Shift+Enter, after adding a cell). */
  focusCellId: string | null;
  /** The notebook's Python kernel as the host last reported it; null before it is asked. */
  kernel: KernelInfo | null;
}

interface NotebooksState {
  tabs: string[];
  active: string | null;
  open: Record<string, OpenNotebook>;
  addTab(path: string): void;
  closeTab(path: string): void;
  setActive(path: string | null): void;
  patch(path: string, patch: Partial<OpenNotebook>): void;
  /** Changes the document (marks the notebook dirty). */
  edit(path: string, change: (doc: NotebookDocument) => NotebookDocument, focusCellId?: string | null): void;
  dispatch(path: string, action: CellAction): void;
}

export function isDirty(nb: OpenNotebook): boolean {
  return nb.editVersion !== nb.savedVersion;
}

export function newOpenNotebook(path: string): OpenNotebook {
  return {
    path,
    status: 'loading',
    doc: null,
    loadError: null,
    mtimeMs: null,
    editVersion: 0,
    savedVersion: 0,
    saving: false,
    conflict: false,
    runtime: emptyRuntime,
    executionCounter: 0,
    focusCellId: null,
    kernel: null,
  };
}

export const useNotebooks = create<NotebooksState>((set) => ({
  tabs: [],
  active: null,
  open: {},
  addTab: (path) =>
    set((s) => {
      if (s.open[path]) return { active: path };
      return { tabs: [...s.tabs, path], active: path, open: { ...s.open, [path]: newOpenNotebook(path) } };
    }),
  closeTab: (path) =>
    set((s) => {
      const i = s.tabs.indexOf(path);
      if (i < 0) return s;
      const tabs = s.tabs.filter((p) => p !== path);
      const open = { ...s.open };
      delete open[path];
      const active = s.active === path ? (tabs[Math.min(i, tabs.length - 1)] ?? null) : s.active;
      return { tabs, open, active };
    }),
  setActive: (path) => set({ active: path }),
  patch: (path, patch) =>
    set((s) => {
      const nb = s.open[path];
      return nb ? { open: { ...s.open, [path]: { ...nb, ...patch } } } : s;
    }),
  edit: (path, change, focusCellId) =>
    set((s) => {
      const nb = s.open[path];
      if (!nb || !nb.doc) return s;
      const doc = change(nb.doc);
      if (doc === nb.doc) return s;
      const next: OpenNotebook = { ...nb, doc, editVersion: nb.editVersion + 1 };
      if (focusCellId !== undefined) next.focusCellId = focusCellId;
      return { open: { ...s.open, [path]: next } };
    }),
  dispatch: (path, action) =>
    set((s) => {
      const nb = s.open[path];
      if (!nb) return s;
      const runtime = cellRuntimeReducer(nb.runtime, action);
      return runtime === nb.runtime ? s : { open: { ...s.open, [path]: { ...nb, runtime } } };
    }),
}));

export function getNotebook(path: string): OpenNotebook | undefined {
  return useNotebooks.getState().open[path];
}
