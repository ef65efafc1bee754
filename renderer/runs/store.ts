import { create } from 'zustand';
import type { RequestResult } from '../../shared/api/contract';
import type { RunSelect } from '../../shared/tracker/contract';
import type { Experiment, Run, RunKeys } from '../../shared/tracker/model';
import { client } from '../api';
import { reportError } from '../state/toasts';

/**
 * The Runs area's state. Runs themselves live in `runRows` outside React state: the grid reads them by index
 * as it draws, and only `version` changes when they do, so thousands of runs never become thousands of
 * React props. Filtering, sorting and paging are the store's (`tracker.searchRuns`).
 */

export type RunsView =
  | { kind: 'table' }
  | { kind: 'run'; runId: string }
  /** `selectedCount`: how many runs were selected when more than the compared ones (the compare cap). */
  | { kind: 'compare'; runIds: string[]; selectedCount?: number }
  | { kind: 'models'; name: string | null };

export const PAGE_SIZE = 500;
/**
 * Runs the compare view shows side by side: a column each in its tables and a line each in its charts. More
 * selected runs open the first ones (in selection or table order) with a note saying so.
 */
export const COMPARE_MAX_RUNS = 100;

/** The params, metrics and tags of the table's columns: all a search needs to bring for each run. */
export function selectForColumns(columns: readonly string[]): RunSelect {
  const select: RunSelect = { params: [], metrics: [], tags: [], inputs: false };
  for (const c of columns) {
    const m = /^(metrics|params|tags)\.(.+)$/.exec(c);
    if (m) select[m[1] as 'metrics' | 'params' | 'tags'].push(m[2]);
  }
  return select;
}

/** The compare view of a selection: at most COMPARE_MAX_RUNS runs, remembering how many were selected. */
export function compareView(selected: readonly string[]): RunsView {
  const runIds = selected.slice(0, COMPARE_MAX_RUNS);
  return runIds.length < selected.length
    ? { kind: 'compare', runIds, selectedCount: selected.length }
    : { kind: 'compare', runIds };
}
const EMPTY_KEYS: RunKeys = { params: [], metrics: [], tags: [], datasets: [] };

/** The loaded rows of the runs table, in the store's order. */
let runRows: Run[] = [];
let nextPageToken: string | null = null;
/** Bumped by each new search so answers to stale ones are dropped. */
let generation = 0;
/** The page being fetched, so callers wait for it instead of asking twice. */
let pageInFlight: Promise<void> | null = null;

export function runAt(index: number): Run | undefined {
  return runRows[index];
}

export function loadedRuns(): readonly Run[] {
  return runRows;
}

interface RunsState {
  experiments: Experiment[];
  experimentsLoaded: boolean;
  showDeleted: boolean;
  /** Experiments whose runs are listed; empty means every active experiment. */
  experimentIds: string[];
  view: RunsView;
  /** The applied filter (the box may hold an unfinished one). */
  filter: string;
  orderBy: string[];
  /** Extra columns: `metrics.<key>`, `params.<key>`, `tags.<key>`. */
  columns: string[];
  columnsChosen: boolean;
  keys: RunKeys;
  total: number;
  loaded: number;
  version: number;
  loading: boolean;
  /** Why the last search failed (e.g. the store refused the filter), shown in place of the runs. */
  searchError: string | null;
  /** Selected run ids, in the order they were selected (the compare view's order and colors). */
  selected: string[];
  /**
   * Set while the selection is every run matching the current search ("select all"): how many. Cleared when the
   * selection or the search changes.
   */
  allMatching: number | null;
  /** A "select all matching runs" is asking the store for the ids. */
  selectingAll: boolean;

  loadExperiments(): Promise<void>;
  setShowDeleted(show: boolean): void;
  selectExperiment(id: string | null, additive: boolean): void;
  setView(view: RunsView): void;
  setFilter(filter: string): void;
  setOrderBy(orderBy: string[]): void;
  setColumns(columns: string[]): void;
  setSelected(ids: string[]): void;
  /** Selects every run matching the current experiments and filter, not only the loaded rows. */
  selectAllMatching(): Promise<void>;
  search(): Promise<void>;
  loadMore(): Promise<void>;
  /** Loads pages until row `index` is loaded (a scroll far down the table), one page after another. */
  ensureLoaded(index: number): Promise<void>;
  /** Re-reads what is loaded (after live changes), keeping the scroll position's rows. */
  refresh(): Promise<void>;
  loadKeys(): Promise<void>;
}

export const useRuns = create<RunsState>((set, get) => ({
  experiments: [],
  experimentsLoaded: false,
  showDeleted: false,
  experimentIds: [],
  view: { kind: 'table' },
  filter: '',
  orderBy: [],
  columns: [],
  columnsChosen: false,
  keys: EMPTY_KEYS,
  total: 0,
  loaded: 0,
  version: 0,
  loading: false,
  searchError: null,
  selected: [],
  allMatching: null,
  selectingAll: false,

  async loadExperiments() {
    try {
      const experiments = await client.call('tracker.listExperiments', { includeDeleted: get().showDeleted });
      const known = new Set(
        experiments.filter((e) => e.lifecycleStage === 'active').map((e) => e.experimentId),
      );
      const kept = get().experimentIds.filter((id) => known.has(id));
      const changed = kept.length !== get().experimentIds.length;
      set({ experiments, experimentsLoaded: true, experimentIds: kept });
      if (changed) void get().search();
    } catch (err) {
      set({ experimentsLoaded: true });
      reportError('Could not list the experiments', err);
    }
  },
  setShowDeleted(show) {
    set({ showDeleted: show });
    void get().loadExperiments();
  },
  selectExperiment(id, additive) {
    let ids: string[];
    if (id === null) ids = [];
    else if (additive) {
      const cur = get().experimentIds;
      ids = cur.includes(id) ? cur.filter((x) => x !== id) : [...cur, id];
    } else ids = [id];
    set({ experimentIds: ids, view: { kind: 'table' }, allMatching: null });
    void get().loadKeys();
    void get().search();
  },
  setView: (view) => set({ view }),
  setFilter(filter) {
    if (filter === get().filter) return;
    set({ filter, allMatching: null });
    void get().search();
  },
  setOrderBy(orderBy) {
    set({ orderBy });
    void get().search();
  },
  setColumns(columns) {
    const before = new Set(get().columns);
    set({ columns, columnsChosen: true });
    // Rows carry only the shown columns' keys: a new column needs its values read.
    if (columns.some((c) => !before.has(c))) void get().refresh();
  },
  setSelected: (selected) => set({ selected, allMatching: null }),

  async selectAllMatching() {
    const { experimentIds, filter, orderBy } = get();
    // Another filter or experiment chosen meanwhile: these ids are not what the table shows any more.
    const stale = () => get().filter !== filter || get().experimentIds !== experimentIds;
    set({ selectingAll: true });
    try {
      const ids: string[] = [];
      let pageToken: string | null = null;
      do {
        const page: RequestResult<'tracker.searchRuns'> = await client.call('tracker.searchRuns', {
          experimentIds,
          filter,
          orderBy,
          pageToken,
          idsOnly: true,
        });
        if (stale()) return;
        ids.push(...(page.runIds ?? []));
        pageToken = page.nextPageToken;
      } while (pageToken);
      set({ selected: ids, allMatching: ids.length });
    } catch (err) {
      reportError('Could not select every matching run', err);
    } finally {
      set({ selectingAll: false });
    }
  },

  async search() {
    const gen = ++generation;
    pageInFlight = null;
    const { experimentIds, filter, orderBy, columns } = get();
    set({ loading: true });
    try {
      const page = await client.call('tracker.searchRuns', {
        experimentIds,
        filter,
        orderBy,
        maxResults: PAGE_SIZE,
        pageToken: null,
        select: selectForColumns(columns),
      });
      if (gen !== generation) return;
      runRows = page.runs;
      nextPageToken = page.nextPageToken;
      set((s) => ({
        total: page.totalCount,
        loaded: runRows.length,
        version: s.version + 1,
        loading: false,
        searchError: null,
        allMatching: s.allMatching === page.totalCount ? s.allMatching : null,
      }));
    } catch (err) {
      if (gen !== generation) return;
      runRows = [];
      nextPageToken = null;
      set((s) => ({
        total: 0,
        loaded: 0,
        version: s.version + 1,
        loading: false,
        searchError: err instanceof Error ? err.message : String(err),
      }));
    }
  },
  loadMore() {
    if (pageInFlight) return pageInFlight;
    if (!nextPageToken) return Promise.resolve();
    const gen = generation;
    const { experimentIds, filter, orderBy, columns } = get();
    const token = nextPageToken;
    set({ loading: true });
    const request: Promise<void> = client
      .call('tracker.searchRuns', {
        experimentIds,
        filter,
        orderBy,
        maxResults: PAGE_SIZE,
        pageToken: token,
        select: selectForColumns(columns),
      })
      .then((page) => {
        if (gen !== generation) return;
        runRows = runRows.concat(page.runs);
        nextPageToken = page.nextPageToken;
        set((s) => ({
          total: page.totalCount,
          loaded: runRows.length,
          version: s.version + 1,
          loading: false,
        }));
      })
      .catch((err: unknown) => {
        if (gen !== generation) return;
        set({ loading: false });
        reportError('Could not load more runs', err);
      })
      .finally(() => {
        if (pageInFlight === request) pageInFlight = null;
      });
    pageInFlight = request;
    return request;
  },
  async ensureLoaded(index) {
    while (runRows.length <= index && nextPageToken && !get().searchError) {
      const before = runRows.length;
      const gen = generation;
      await get().loadMore();
      if (gen !== generation || runRows.length === before) return;
    }
  },
  async refresh() {
    const gen = ++generation;
    pageInFlight = null;
    const { experimentIds, filter, orderBy, columns } = get();
    try {
      const page = await client.call('tracker.searchRuns', {
        experimentIds,
        filter,
        orderBy,
        maxResults: Math.min(50_000, Math.max(PAGE_SIZE, runRows.length)),
        pageToken: null,
        select: selectForColumns(columns),
      });
      if (gen !== generation) return;
      runRows = page.runs;
      nextPageToken = page.nextPageToken;
      set((s) => ({
        total: page.totalCount,
        loaded: runRows.length,
        version: s.version + 1,
        loading: false,
        searchError: null,
        // Runs logged or deleted since "select all": the selection is no longer every matching run.
        allMatching: s.allMatching === page.totalCount ? s.allMatching : null,
      }));
    } catch (err) {
      // A refresh that fails leaves the rows shown; the next change or search tries again. With no rows shown
      // (it overtook the first search), its error is the search's.
      if (gen !== generation) return;
      set({ loading: false });
      if (runRows.length === 0) set({ searchError: err instanceof Error ? err.message : String(err) });
    }
  },
  async loadKeys() {
    try {
      const keys = await client.call('tracker.listRunKeys', { experimentIds: get().experimentIds });
      const s = get();
      // Until the user picks columns, show a few metrics and params of what is logged.
      const columns = s.columnsChosen
        ? s.columns
        : [
            ...keys.metrics.slice(0, 4).map((k) => `metrics.${k}`),
            ...keys.params.slice(0, 4).map((k) => `params.${k}`),
          ];
      const before = new Set(s.columns);
      set({ keys, columns });
      // Rows carry only the shown columns' keys: newly shown columns need their values read.
      if (columns.some((c) => !before.has(c))) void get().refresh();
    } catch (err) {
      reportError('Could not list the logged keys', err);
    }
  },
}));

let eventsInstalled = false;
let refreshTimer: ReturnType<typeof setTimeout> | null = null;
let experimentsTimer: ReturnType<typeof setTimeout> | null = null;

/** Listens to the tracker's events once: the table and the sidebar follow runs being logged. */
export function installRunsEvents(): void {
  if (eventsInstalled) return;
  eventsInstalled = true;
  client.on('tracker.onRunsChanged', ({ experimentId }) => {
    const ids = useRuns.getState().experimentIds;
    if (ids.length && !ids.includes(experimentId)) return;
    if (refreshTimer) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      void useRuns.getState().refresh();
      void useRuns.getState().loadKeys();
    }, 300);
  });
  client.on('tracker.onExperimentsChanged', () => {
    if (experimentsTimer) return;
    experimentsTimer = setTimeout(() => {
      experimentsTimer = null;
      void useRuns.getState().loadExperiments();
    }, 200);
  });
}
