import {
  CompactSelection,
  DataEditor,
  GridCellKind,
  type GridCell,
  type GridColumn,
  type GridSelection,
  type Item,
  type Rectangle,
  type Theme,
} from '@glideapps/glide-data-grid';
import '@glideapps/glide-data-grid/dist/index.css';
import { Columns3, GitCompare, RefreshCw, Trash2 } from 'lucide-react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { metricNumber, TAG, type Run } from '../../shared/tracker/model';
import { gridTheme } from '../notebooks/ResultGrid';
import { deleteSelectedRuns } from './actions';
import { FilterBox } from './FilterBox';
import { formatDuration, formatNumber, formatTime, keyRef, runDuration, STATUS_COLORS } from './format';
import { COMPARE_MAX_RUNS, compareView, loadedRuns, runAt, useRuns } from './store';
import { runsTestIds } from './testids';

export const RUNS_ROW_HEIGHT = 26;
export const RUNS_HEADER_HEIGHT = 30;
export const RUNS_MARKER_WIDTH = 34;
const GROUP_HEADER_HEIGHT = 22;

const runsGridTheme: Partial<Theme> = {
  ...gridTheme,
  textGroupHeader: '#8b93a1',
  bgGroupHeader: '#1f2228',
  bgGroupHeaderHovered: '#262a31',
};

interface ColumnDef {
  id: string;
  title: string;
  width: number;
  /** The order-by key a header click sorts on. */
  sortKey: string;
  text(run: Run, now: number): string;
  numeric?: boolean;
  color?(run: Run): string | undefined;
}

const BASE_COLUMNS: ColumnDef[] = [
  {
    id: 'status',
    title: 'Status',
    width: 92,
    sortKey: 'attributes.status',
    text: (r) => r.info.status,
    color: (r) => STATUS_COLORS[r.info.status],
  },
  { id: 'name', title: 'Run', width: 190, sortKey: 'attributes.run_name', text: (r) => r.info.runName },
  {
    id: 'start',
    title: 'Started',
    width: 150,
    sortKey: 'attributes.start_time',
    text: (r) => formatTime(r.info.startTime),
  },
  {
    id: 'duration',
    title: 'Duration',
    width: 84,
    sortKey: 'attributes.duration',
    numeric: true,
    text: (r, now) => formatDuration(runDuration(r.info.startTime, r.info.endTime, r.info.status, now)),
  },
  { id: 'user', title: 'User', width: 90, sortKey: 'attributes.user_id', text: (r) => r.info.userId },
  {
    id: 'source',
    title: 'Source',
    width: 170,
    sortKey: keyRef('tags', TAG.sourceName),
    text: (r) =>
      r.info.source.notebook ??
      (r.info.source.pipeline
        ? `${r.info.source.pipeline}/${r.info.source.task ?? ''}`
        : (r.info.source.name ?? '')),
  },
];

function extraColumn(id: string): ColumnDef | null {
  const m = /^(metrics|params|tags)\.(.+)$/.exec(id);
  if (!m) return null;
  const [, entity, key] = m;
  const width = Math.min(180, Math.max(entity === 'metrics' ? 100 : 80, key.length * 7.4 + 24));
  if (entity === 'metrics')
    return {
      id,
      title: key,
      width,
      numeric: true,
      sortKey: keyRef('metrics', key),
      text: (r) => (r.metrics[key] ? formatNumber(metricNumber(r.metrics[key].value)) : ''),
    };
  return {
    id,
    title: key,
    width,
    sortKey: keyRef(entity as 'params' | 'tags', key),
    text: (r) => (entity === 'params' ? r.params[key] : r.tags[key]) ?? '',
  };
}

const sortMark = (orderBy: string[], key: string) => {
  const first = orderBy[0];
  if (!first) return key === 'attributes.start_time' ? ' ↓' : '';
  if (first === key || first === `${key} ASC`) return ' ↑';
  if (first === `${key} DESC`) return ' ↓';
  return '';
};

const headerGroup = (id: string) =>
  id.startsWith('metrics.')
    ? 'Metrics'
    : id.startsWith('params.')
      ? 'Params'
      : id.startsWith('tags.')
        ? 'Tags'
        : 'Run';

function ColumnChooser({ onClose }: { onClose(): void }) {
  const keys = useRuns((s) => s.keys);
  const columns = useRuns((s) => s.columns);
  const [q, setQ] = useState('');
  const chosen = new Set(columns);
  const toggle = (id: string) =>
    useRuns.getState().setColumns(chosen.has(id) ? columns.filter((c) => c !== id) : [...columns, id]);
  const group = (title: string, entity: string, list: string[]) => {
    const shown = list.filter((k) => k.toLowerCase().includes(q.toLowerCase()));
    if (!shown.length) return null;
    return (
      <div className="runs-chooser-group">
        <div className="runs-chooser-title">
          {title} <span className="muted">({list.length})</span>
        </div>
        {shown.slice(0, 300).map((k) => {
          const id = `${entity}.${k}`;
          return (
            <label key={id} className="runs-chooser-item">
              <input type="checkbox" checked={chosen.has(id)} onChange={() => toggle(id)} />
              <span>{k}</span>
            </label>
          );
        })}
      </div>
    );
  };
  return (
    <div className="runs-popover" onMouseLeave={onClose}>
      <input
        className="input"
        autoFocus
        placeholder="Find a param, metric or tag"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      />
      <div className="runs-chooser-lists">
        {group('Metrics', 'metrics', keys.metrics)}
        {group('Params', 'params', keys.params)}
        {group(
          'Tags',
          'tags',
          keys.tags.filter((t) => !t.startsWith('mlflow.')),
        )}
        {keys.metrics.length + keys.params.length + keys.tags.length === 0 && (
          <div className="muted">Nothing logged yet in these experiments.</div>
        )}
      </div>
      <div className="runs-chooser-buttons">
        <button className="btn btn-small" onClick={() => useRuns.getState().setColumns([])}>
          Only run columns
        </button>
        <button className="btn btn-small" onClick={onClose}>
          Done
        </button>
      </div>
    </div>
  );
}

/** The runs of the selected experiments: a virtualized grid over the store's paged, sorted, filtered search. */
export function RunsTable() {
  const version = useRuns((s) => s.version);
  const total = useRuns((s) => s.total);
  const loaded = useRuns((s) => s.loaded);
  const loading = useRuns((s) => s.loading);
  const searchError = useRuns((s) => s.searchError);
  const columns = useRuns((s) => s.columns);
  const orderBy = useRuns((s) => s.orderBy);
  const selected = useRuns((s) => s.selected);
  const allMatching = useRuns((s) => s.allMatching);
  const selectingAll = useRuns((s) => s.selectingAll);
  const [chooser, setChooser] = useState(false);
  const [current, setCurrent] = useState<GridSelection['current']>(undefined);
  const now = useMemo(() => Date.now(), [version]);

  useEffect(() => {
    const s = useRuns.getState();
    if (s.version === 0) {
      void s.search();
      void s.loadKeys();
    }
  }, []);

  const defs = useMemo(
    () => [...BASE_COLUMNS, ...columns.map(extraColumn).filter((c): c is ColumnDef => c !== null)],
    [columns],
  );
  const gridColumns = useMemo<GridColumn[]>(
    () =>
      defs.map((d) => ({
        id: d.id,
        title: d.title + sortMark(orderBy, d.sortKey),
        width: d.width,
        group: headerGroup(d.id),
      })),
    [defs, orderBy],
  );

  const getCellContent = useCallback(
    ([col, row]: Item): GridCell => {
      const run = runAt(row);
      const def = defs[col];
      if (!run || !def) return { kind: GridCellKind.Loading, allowOverlay: false };
      const text = def.text(run, now);
      const color = def.color?.(run);
      return {
        kind: GridCellKind.Text,
        data: text,
        displayData: text,
        allowOverlay: false,
        readonly: true,
        contentAlign: def.numeric ? 'right' : 'left',
        themeOverride: color
          ? ({ textDark: color } as Partial<Theme>)
          : def.id === 'name'
            ? { textDark: '#61afef' }
            : undefined,
      };
    },
    // version: the rows changed under the same columns.
    [defs, now, version],
  );

  // The scrollbar covers every matching run; rows not loaded yet draw as loading cells.
  const rowCount = searchError ? 0 : Math.max(loaded, total);
  const rowCountRef = useRef(rowCount);
  rowCountRef.current = rowCount;

  // Selection is kept as run ids (rows move as runs are logged); the grid gets the rows of loaded ones, or
  // every row while the selection is all matching runs (rows not loaded yet included).
  const rowsSelection = useMemo(() => {
    if (allMatching !== null && rowCount > 0) return CompactSelection.fromSingleSelection([0, rowCount]);
    let sel = CompactSelection.empty();
    if (!selected.length) return sel;
    const want = new Set(selected);
    loadedRuns().forEach((r, i) => {
      if (want.has(r.info.runId)) sel = sel.add(i);
    });
    return sel;
  }, [selected, allMatching, rowCount, version]);

  const gridSelection = useMemo<GridSelection>(
    () => ({ rows: rowsSelection, columns: CompactSelection.empty(), current }),
    [rowsSelection, current],
  );

  const onSelection = useCallback((next: GridSelection) => {
    setCurrent(next.current);
    const store = useRuns.getState();
    const rows = loadedRuns();
    const count = rowCountRef.current;
    // The header checkbox selects every row: with rows not loaded yet, that is every run matching the search,
    // whose ids the store gives. (With every row loaded, the loaded runs are all of them.)
    if (store.allMatching === null && next.rows.length === count && rows.length < count) {
      void store.selectAllMatching();
      return;
    }
    if (store.allMatching !== null) {
      if (next.rows.length === 0) return store.setSelected([]);
      const dropped = new Set<string>();
      rows.forEach((r, i) => {
        if (!next.rows.hasIndex(i)) dropped.add(r.info.runId);
      });
      if (dropped.size) store.setSelected(store.selected.filter((id) => !dropped.has(id)));
      return;
    }
    const nowSelected = new Set<string>();
    for (const i of next.rows) if (rows[i]) nowSelected.add(rows[i].info.runId);
    const loadedIds = new Set(rows.map((r) => r.info.runId));
    const prev = store.selected;
    // Keep ids that are not loaded (filtered out or on later pages); keep the selection order.
    const kept = prev.filter((id) => !loadedIds.has(id) || nowSelected.has(id));
    const added = [...nowSelected].filter((id) => !prev.includes(id));
    store.setSelected([...kept, ...added]);
  }, []);

  const onHeaderClicked = useCallback(
    (col: number) => {
      const def = defs[col];
      if (!def) return;
      const first = useRuns.getState().orderBy[0] ?? 'attributes.start_time DESC';
      const next = first === `${def.sortKey} DESC` ? `${def.sortKey} ASC` : `${def.sortKey} DESC`;
      useRuns.getState().setOrderBy([next]);
    },
    [defs],
  );

  const onVisible = useCallback((range: Rectangle) => {
    // Rows past the loaded ones show as loading until their pages arrive.
    if (range.y + range.height >= loadedRuns().length - 50)
      void useRuns.getState().ensureLoaded(range.y + range.height + 100);
  }, []);

  const openRow = useCallback((row: number) => {
    const run = runAt(row);
    if (run) useRuns.getState().setView({ kind: 'run', runId: run.info.runId });
  }, []);

  const visible = loadedRuns().slice(0, 500);
  const wrap = useRef<HTMLDivElement>(null);
  const [boxHeight, setBoxHeight] = useState(400);
  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setBoxHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, [searchError, total]);
  // Only as tall as its rows, so an experiment with few runs has no empty ruled area under them.
  const gridHeight = Math.min(
    boxHeight,
    GROUP_HEADER_HEIGHT + RUNS_HEADER_HEIGHT + rowCount * RUNS_ROW_HEIGHT + 16,
  );

  return (
    <div className="runs-table-view">
      <div className="runs-toolbar">
        <FilterBox />
        <div className="runs-toolbar-buttons">
          <span className="runs-count muted" data-testid={runsTestIds.count}>
            {loading && loaded === 0
              ? 'Loading…'
              : `${total.toLocaleString()} ${total === 1 ? 'run' : 'runs'}`}
            {selectingAll
              ? ' · selecting every matching run…'
              : allMatching !== null && allMatching > 1
                ? ` · All ${allMatching.toLocaleString()} matching runs selected`
                : selected.length > 0 && ` · ${selected.length.toLocaleString()} selected`}
          </span>
          {allMatching === null && !selectingAll && selected.length > 0 && total > selected.length && (
            <button
              className="btn btn-small"
              data-testid={runsTestIds.selectAll}
              title="Select every run the filter matches, also those not scrolled to yet"
              onClick={() => void useRuns.getState().selectAllMatching()}
            >
              Select all {total.toLocaleString()}
            </button>
          )}
          <button
            className="btn btn-small btn-primary"
            data-testid={runsTestIds.compare}
            disabled={selected.length < 2 || selectingAll}
            title={
              selected.length < 2
                ? 'Select 2 or more runs with their checkboxes'
                : selected.length > COMPARE_MAX_RUNS
                  ? `Compare the first ${COMPARE_MAX_RUNS} of the ${selected.length.toLocaleString()} selected runs`
                  : 'Compare the selected runs'
            }
            onClick={() => useRuns.getState().setView(compareView(selected))}
          >
            <GitCompare size={13} /> Compare
            {selected.length >= 2 ? ` ${Math.min(selected.length, COMPARE_MAX_RUNS)}` : ''}
            {selected.length > COMPARE_MAX_RUNS && ` of ${selected.length.toLocaleString()}`}
          </button>
          {selected.length > 0 && (
            <>
              <button className="btn btn-small" onClick={() => useRuns.getState().setSelected([])}>
                Clear selection
              </button>
              <button
                className="btn btn-small btn-danger"
                title={`Delete the ${selected.length.toLocaleString()} selected runs (restorable)`}
                onClick={() => void deleteSelectedRuns()}
              >
                <Trash2 size={13} />
              </button>
            </>
          )}
          <div className="runs-popover-anchor">
            <button
              className="btn btn-small"
              data-testid={runsTestIds.columns}
              onClick={() => setChooser((c) => !c)}
              title="Choose the params, metrics and tags shown as columns"
            >
              <Columns3 size={13} /> Columns
            </button>
            {chooser && <ColumnChooser onClose={() => setChooser(false)} />}
          </div>
          <button className="icon-btn" title="Refresh" onClick={() => void useRuns.getState().search()}>
            <RefreshCw size={14} />
          </button>
        </div>
      </div>
      {searchError ? (
        <div className="runs-search-error" role="alert">
          {searchError}
        </div>
      ) : total === 0 && !loading ? (
        <div className="runs-empty muted">
          No runs match. Log runs with the <code>mlflow</code> client (<code>MLFLOW_TRACKING_URI</code> is set
          for notebooks and pipeline tasks) or <code>import lakebench as lb</code>.
        </div>
      ) : (
        <div className="runs-grid" ref={wrap} data-testid={runsTestIds.grid}>
          <DataEditor
            columns={gridColumns}
            rows={rowCount}
            getCellContent={getCellContent}
            theme={runsGridTheme}
            rowHeight={RUNS_ROW_HEIGHT}
            headerHeight={RUNS_HEADER_HEIGHT}
            groupHeaderHeight={GROUP_HEADER_HEIGHT}
            rowMarkers={{ kind: 'checkbox-visible', checkboxStyle: 'square', width: RUNS_MARKER_WIDTH }}
            rowSelectionMode="multi"
            gridSelection={gridSelection}
            onGridSelectionChange={onSelection}
            onHeaderClicked={onHeaderClicked}
            onVisibleRegionChanged={onVisible}
            onCellActivated={([, row]) => openRow(row)}
            onCellClicked={([col, row]) => {
              if (defs[col]?.id === 'name') openRow(row);
            }}
            rangeSelect="cell"
            columnSelect="none"
            smoothScrollY
            width="100%"
            height={gridHeight}
            getCellsForSelection={true}
          />
        </div>
      )}
      <ol className="sr-only" data-testid={runsTestIds.visibleRows} aria-label="Loaded runs">
        {visible.map((r, i) => (
          <li key={r.info.runId} data-run-id={r.info.runId} data-row={i}>
            {r.info.runName}
          </li>
        ))}
      </ol>
    </div>
  );
}
