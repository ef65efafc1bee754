import type { LogRecord, LogSort } from '../../shared/logs/model';
import { errorMessage } from '../../shared/errors';
import { client } from '../api';
import { openNotebook } from '../notebooks/actions';
import { useNotebooks } from '../notebooks/store';
import { loadRuns as loadPipelineRuns, openSquare } from '../pipelines/runs-store';
import { openPipeline, setTab } from '../pipelines/store';
import { useApp } from '../state/app';
import { reportError } from '../state/toasts';
import { parseQueryText } from './query-language';
import {
  SAVED_KEY,
  addFilter,
  histogramArgs,
  mergeTail,
  readSaved,
  resolveRange,
  searchArgs,
  toggleColumn,
  useLogs,
  withSaved,
  zoomRange,
  type RangeSpec,
} from './store';

/**
 * What the user does in the Logs area that asks the logs service: search, page, draw the histogram, read a
 * field's top values, a record's context and its whole message, follow new records. Components call these;
 * only this file talks to the host.
 */

const get = () => useLogs.getState();
const set = (patch: Partial<ReturnType<typeof get>>) => useLogs.setState(patch);

let searchSeq = 0;
/** The query id of the search under way, stopped with `logs.cancel` when a newer one starts. */
let runningQueryId: string | null = null;

function cancelRunning(): void {
  const id = runningQueryId;
  runningQueryId = null;
  if (!id) return;
  client.call('logs.cancel', { queryId: id }).catch((err: unknown) => {
    // The answer of a stopped query is ignored anyway; a failed cancel only means it runs to its end.
    console.warn('Lakebench: could not stop a log search', errorMessage(err));
  });
}

/** Parses the query bar and runs the search and the histogram; a mistake in the text is shown, nothing runs. */
export async function runSearch(now = Date.now()): Promise<void> {
  const parsed = parseQueryText(get().queryText, now);
  if ('error' in parsed) {
    set({ parseError: parsed.error });
    return;
  }
  cancelRunning();
  const seq = ++searchSeq;
  const queryId = `logs-ui-${seq}`;
  runningQueryId = queryId;
  const range = resolveRange(get().range, now);
  set({
    parseError: null,
    query: parsed.query,
    resolved: range,
    loading: true,
    error: null,
    detailId: null,
    fieldValues: {},
  });
  const { sort } = get();
  const [search, histogram] = await Promise.allSettled([
    client.call('logs.search', searchArgs(parsed.query, range, sort, null, queryId)),
    client.call('logs.histogram', histogramArgs(parsed.query, range)),
  ]);
  if (seq !== searchSeq) return;
  runningQueryId = null;
  if (search.status === 'fulfilled') {
    const r = search.value;
    set({ hits: r.hits, total: r.total, nextCursor: r.nextCursor, tookMs: r.tookMs, loading: false });
  } else {
    set({ hits: [], total: null, nextCursor: null, loading: false, error: errorMessage(search.reason) });
  }
  if (histogram.status === 'fulfilled') set({ histogram: histogram.value });
  else {
    set({ histogram: null });
    if (search.status === 'fulfilled')
      reportError('Could not count the log records over time', histogram.reason);
  }
}

/** The next page of hits, appended. */
export async function loadMore(): Promise<void> {
  const s = get();
  if (!s.nextCursor || s.loadingMore || s.loading) return;
  const seq = searchSeq;
  set({ loadingMore: true });
  try {
    const r = await client.call('logs.search', searchArgs(s.query, s.resolved, s.sort, s.nextCursor));
    if (seq !== searchSeq) return;
    set({ hits: [...get().hits, ...r.hits], nextCursor: r.nextCursor, total: r.total });
  } catch (err) {
    reportError('Could not read more log records', err);
  } finally {
    if (seq === searchSeq) set({ loadingMore: false });
  }
}

/** Newest or oldest first (or by relevance to the text); live tail keeps the newest first. */
export function setSort(sort: LogSort): Promise<void> {
  if (get().liveTail && sort !== 'newest') stopTail();
  set({ sort });
  return runSearch();
}

export function setQueryText(text: string): void {
  set({ queryText: text });
}

export function setRange(range: RangeSpec): Promise<void> {
  set({ range });
  return runSearch();
}

/** A drag over the histogram from bucket `a` to bucket `b`: the time range becomes what it covers. */
export function zoomTo(a: number, b: number): Promise<void> {
  const h = get().histogram;
  const r = h ? zoomRange(h, a, b) : null;
  if (!r) return Promise.resolve();
  return setRange(r);
}

/** The + and − of the field sidebar and the record detail: filter on a value and search again. */
export function filterOn(field: string, value: string | number | boolean, exclude: boolean): Promise<void> {
  set({ queryText: addFilter(get().queryText, field, value, exclude) });
  return runSearch();
}

export function toggleTableColumn(column: string): void {
  set({ columns: toggleColumn(get().columns, column) });
}

/** Opens a record's details, or closes them when they are open. */
export function toggleDetail(id: string): void {
  set({ detailId: get().detailId === id ? null : id });
}

/** A field's top values among the newest matching records, for the sidebar. */
export async function loadFieldValues(field: string): Promise<void> {
  const s = get();
  const seq = searchSeq;
  set({ fieldValues: { ...s.fieldValues, [field]: 'loading' } });
  try {
    const r = await client.call('logs.fieldValues', { query: s.query, range: s.resolved, field, size: 5 });
    if (seq === searchSeq) set({ fieldValues: { ...get().fieldValues, [field]: r } });
  } catch (err) {
    if (seq === searchSeq)
      set({ fieldValues: { ...get().fieldValues, [field]: { error: errorMessage(err) } } });
  }
}

export function closeFieldValues(field: string): void {
  const fieldValues = { ...get().fieldValues };
  delete fieldValues[field];
  set({ fieldValues });
}

/** Lines "more" adds on each side of the context, up to the service's limit. */
export const CONTEXT_STEP = 20;
export const CONTEXT_MAX = 1000;

/** The lines before and after a record in its own stream. */
export async function showContext(id: string, around = CONTEXT_STEP): Promise<void> {
  const shown = get().context;
  // Asking for more lines keeps the shown ones until the answer comes.
  const keep = shown?.id === id ? shown.context : null;
  set({ context: { id, around, loading: true, context: keep, error: null } });
  try {
    const context = await client.call('logs.context', { id, before: around, after: around });
    if (get().context?.id === id) set({ context: { id, around, loading: false, context, error: null } });
  } catch (err) {
    if (get().context?.id === id)
      set({ context: { id, around, loading: false, context: null, error: errorMessage(err) } });
  }
}

export function closeContext(): void {
  set({ context: null });
}

/** The whole message of a record that was cut at the source. */
export async function loadFullMessage(id: string): Promise<void> {
  set({ fullMessages: { ...get().fullMessages, [id]: 'loading' } });
  try {
    const full = await client.call('logs.get', { id });
    set({ fullMessages: { ...get().fullMessages, [id]: full } });
  } catch (err) {
    const fullMessages = { ...get().fullMessages };
    delete fullMessages[id];
    set({ fullMessages });
    reportError('Could not read the whole message', err);
  }
}

// --- Live tail ----------------------------------------------------------------------------------------------

export const TAIL_INTERVAL_MS = 2000;
let tailTimer: ReturnType<typeof setInterval> | null = null;
let tailBusy = false;

/** One poll: the records newer than the newest shown, put in front. */
export async function pollTail(now = Date.now()): Promise<void> {
  if (tailBusy) return;
  const s = get();
  const newest = s.hits[0]?.record.time ?? s.resolved.from ?? now - 60_000;
  tailBusy = true;
  const seq = searchSeq;
  try {
    const r = await client.call(
      'logs.search',
      searchArgs(s.query, { from: newest, to: null }, 'newest', null),
    );
    if (seq !== searchSeq || !get().liveTail) return;
    const before = get().hits.length;
    const hits = mergeTail(get().hits, r.hits);
    const added = hits.length - before;
    const total = get().total;
    set({
      hits,
      resolved: { from: get().resolved.from, to: now },
      ...(total && added > 0 ? { total: { ...total, value: total.value + added } } : {}),
    });
  } catch (err) {
    stopTail();
    reportError('Live tail stopped: could not read the newest log records', err);
  } finally {
    tailBusy = false;
  }
}

/** Follows new records: polls for those newer than the newest shown (the hits are put newest first). */
export async function startTail(): Promise<void> {
  if (tailTimer) return;
  const reorder = get().sort !== 'newest';
  set({ liveTail: true, sort: 'newest' });
  tailTimer = setInterval(() => void pollTail(), TAIL_INTERVAL_MS);
  if (reorder) await runSearch();
  await pollTail();
}

export function stopTail(): void {
  if (tailTimer) clearInterval(tailTimer);
  tailTimer = null;
  set({ liveTail: false });
}

// --- Saved searches -----------------------------------------------------------------------------------------

function storage(): Storage | null {
  return typeof localStorage === 'undefined' ? null : localStorage;
}

export function loadSavedSearches(): void {
  const st = storage();
  set({ saved: st ? readSaved(st) : [] });
}

export function saveSearch(name: string): void {
  const s = get();
  const saved = withSaved(s.saved, { name, query: s.queryText, range: s.range, columns: s.columns });
  set({ saved });
  try {
    storage()?.setItem(SAVED_KEY, JSON.stringify(saved));
  } catch (err) {
    reportError('Could not keep the saved search', err);
  }
}

export function deleteSavedSearch(name: string): void {
  const saved = get().saved.filter((s) => s.name !== name);
  set({ saved });
  try {
    storage()?.setItem(SAVED_KEY, JSON.stringify(saved));
  } catch (err) {
    reportError('Could not forget the saved search', err);
  }
}

export function openSavedSearch(name: string): Promise<void> {
  const s = get().saved.find((x) => x.name === name);
  if (!s) return Promise.resolve();
  set({ queryText: s.query, range: s.range, columns: [...s.columns] });
  return runSearch();
}

// --- Links to where a record came from ----------------------------------------------------------------------

/** Opens the pipeline try a record came from in the Pipelines area (its Grid, with the task's details open). */
export async function openRecordTry(r: LogRecord): Promise<void> {
  if (!r.pipelineId) return;
  useApp.getState().setArea('pipelines');
  await openPipeline(r.pipelineId);
  setTab('grid');
  if (!r.runId) return;
  await loadPipelineRuns(r.pipelineId);
  if (r.taskId) openSquare(r.runId, r.taskId);
}

/** Opens the notebook a record came from, with the record's cell focused when the notebook still has it. */
export async function openRecordNotebook(r: LogRecord): Promise<void> {
  const path = r.notebook;
  if (!path) return;
  useApp.getState().setArea('notebooks');
  await openNotebook(path);
  const cellId = r.cellId;
  const doc = useNotebooks.getState().open[path]?.doc;
  if (cellId && doc?.cells.some((c) => c.id === cellId))
    useNotebooks.getState().patch(path, { focusCellId: cellId });
}
