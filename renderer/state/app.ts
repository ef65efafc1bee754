import { create } from 'zustand';
import type { FileEntry, TableInfo, WorkspaceInfo } from '../../shared/api/contract';
import { client, connection } from '../api';
import type { ConnectionStatus } from '../api/connection';
import { reportError } from './toasts';

export type Area = 'notebooks' | 'data' | 'pipelines' | 'runs' | 'logs';
export const AREAS: readonly Area[] = ['notebooks', 'data', 'pipelines', 'runs', 'logs'];

export interface LastQuery {
  status: 'succeeded' | 'failed' | 'cancelled';
  rows: number;
  elapsedMs: number;
}

interface AppState {
  area: Area;
  sidePanelOpen: boolean;
  connection: ConnectionStatus;
  appVersion: string | null;
  workspace: WorkspaceInfo | null;
  /** True once app.getInfo answered, so "no workspace" is not shown while still asking. */
  infoLoaded: boolean;
  files: FileEntry[];
  filesLoading: boolean;
  tables: TableInfo[];
  tablesLoading: boolean;
  runningQueries: number;
  lastQuery: LastQuery | null;
  setArea(area: Area): void;
  showArea(area: Area): void;
  toggleSidePanel(): void;
  loadInfo(): Promise<void>;
  openWorkspace(path: string): Promise<void>;
  refreshFiles(): Promise<void>;
  refreshTables(): Promise<void>;
  queryStarted(): void;
  queryEnded(last: LastQuery | null): void;
}

export const useApp = create<AppState>((set, get) => ({
  area: 'notebooks',
  sidePanelOpen: true,
  connection: connection.getStatus(),
  appVersion: null,
  workspace: null,
  infoLoaded: false,
  files: [],
  filesLoading: false,
  tables: [],
  tablesLoading: false,
  runningQueries: 0,
  lastQuery: null,
  setArea: (area) => set({ area, sidePanelOpen: true }),
  showArea: (area) => set({ area, sidePanelOpen: true }),
  toggleSidePanel: () => set((s) => ({ sidePanelOpen: !s.sidePanelOpen })),
  async loadInfo() {
    try {
      const info = await client.call('app.getInfo', {});
      set({ appVersion: info.version, workspace: info.workspace, infoLoaded: true });
      if (info.workspace) await Promise.all([get().refreshFiles(), get().refreshTables()]);
    } catch (err) {
      set({ infoLoaded: true });
      reportError('Could not ask Lakebench what is open', err);
    }
  },
  async openWorkspace(path) {
    try {
      const ws = await client.call('workspace.open', { path, create: true });
      set({ workspace: ws });
      await Promise.all([get().refreshFiles(), get().refreshTables()]);
    } catch (err) {
      reportError(`Could not open the workspace ${path}`, err);
    }
  },
  async refreshFiles() {
    set({ filesLoading: true });
    try {
      const files = await client.call('workspace.listFiles', {});
      set({ files });
    } catch (err) {
      reportError('Could not list the workspace files', err);
    } finally {
      set({ filesLoading: false });
    }
  },
  async refreshTables() {
    set({ tablesLoading: true });
    try {
      const tables = await client.call('warehouse.listTables', {});
      set({ tables });
    } catch (err) {
      reportError('Could not list the tables', err);
    } finally {
      set({ tablesLoading: false });
    }
  },
  queryStarted: () => set((s) => ({ runningQueries: s.runningQueries + 1 })),
  queryEnded: (last) =>
    set((s) => ({ runningQueries: Math.max(0, s.runningQueries - 1), lastQuery: last ?? s.lastQuery })),
}));

let filesTimer: ReturnType<typeof setTimeout> | null = null;

/** Wires the host's events to the app state; called once at start. */
export function installAppEvents(): void {
  client.on('workspace.onOpened', (ws) => {
    useApp.setState({ workspace: ws });
    void useApp.getState().refreshFiles();
    void useApp.getState().refreshTables();
  });
  client.on('workspace.onFilesChanged', () => {
    // Bursts of changes (a save writes a temp file and renames it) become one listing.
    if (filesTimer) clearTimeout(filesTimer);
    filesTimer = setTimeout(() => {
      filesTimer = null;
      void useApp.getState().refreshFiles();
    }, 150);
  });
  connection.onStatus((status) => {
    const was = useApp.getState().connection.state;
    useApp.setState({ connection: status });
    // Events were missed while away: ask again for everything shown.
    if (status.state === 'connected' && was === 'reconnecting') void useApp.getState().loadInfo();
  });
}
