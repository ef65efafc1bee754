import { beforeEach, describe, expect, it } from 'vitest';
import { createMemoryClient } from '../../shared/api/memory-client';
import { LakebenchError } from '../../shared/errors';
import type { LogHistogram, LogHit, LogRecord } from '../../shared/logs/model';
import { setApiClient } from '../../renderer/api';

/** A logs service over `all` (newest first), paging by offset cursors, as the store would see it. */
const mem = createMemoryClient({});
setApiClient(mem.client);

const store = await import('../../renderer/logs/store');
const actions = await import('../../renderer/logs/actions');
const { parseQueryText } = await import('../../renderer/logs/query-language');
const { useLogs, initialLogsState, PAGE_SIZE } = store;

function record(i: number, patch: Partial<LogRecord> = {}): LogRecord {
  return {
    id: `pipeline/p/r/t/1#${i + 1}`,
    time: 1_000_000 + i * 1000,
    level: i % 3 === 0 ? 'error' : 'info',
    source: 'pipeline',
    stream: 'stdout',
    line: i + 1,
    pipelineId: 'p',
    runId: 'r',
    taskId: 't',
    tryNumber: 1,
    notebook: null,
    cellId: null,
    table: null,
    ingestFile: null,
    kernelId: null,
    component: null,
    requestMethod: null,
    requestPath: null,
    requestStatus: null,
    durationMs: null,
    message: `line ${i} timeout here`,
    fields: { user: i % 2 ? 'ana' : 'bo' },
    messageBytes: 20,
    truncated: false,
    invalidUtf8: false,
    ...patch,
  };
}
const all: LogHit[] = Array.from({ length: PAGE_SIZE + 30 }, (_, i) => ({
  record: record(PAGE_SIZE + 29 - i),
  highlights: [{ start: 0, end: 4 }],
}));
const histogram: LogHistogram = {
  intervalMs: 60_000,
  buckets: [0, 1, 2, 3].map((i) => ({ time: 1_000_000 + i * 60_000, count: i })),
  tookMs: 1,
};

beforeEach(() => {
  useLogs.setState(initialLogsState());
  mem.calls.length = 0;
  mem.handle({
    'logs.search': async (args) => {
      const start = args.cursor ? Number(args.cursor) : 0;
      const hits = all.slice(start, start + args.limit);
      const next = start + args.limit < all.length ? String(start + args.limit) : null;
      return { hits, total: { value: all.length, relation: 'eq' }, nextCursor: next, tookMs: 2 };
    },
    'logs.histogram': async () => histogram,
    'logs.cancel': async () => ({ cancelled: false }),
  });
});

const callsOf = (method: string) => mem.calls.filter((c) => c.method === method).map((c) => c.args);

describe('search', () => {
  it('sends the parsed query and the resolved time range', async () => {
    useLogs.setState({
      queryText: 'level:error AND NOT fields.user:ana timeout',
      range: { kind: 'relative', lastMs: 3_600_000, label: 'Last 1 hour' },
    });
    await actions.runSearch(5_000_000);
    const [args] = callsOf('logs.search') as Record<string, unknown>[];
    expect(args).toMatchObject({
      range: { from: 5_000_000 - 3_600_000, to: 5_000_000 },
      sort: 'newest',
      limit: PAGE_SIZE,
      cursor: null,
      query: {
        kind: 'and',
        clauses: [
          { kind: 'match', field: 'level', value: 'error' },
          { kind: 'not', clause: { kind: 'match', field: 'fields.user', value: 'ana' } },
          { kind: 'text', text: 'timeout' },
        ],
      },
    });
    expect(callsOf('logs.histogram')[0]).toMatchObject({
      range: { from: 5_000_000 - 3_600_000, to: 5_000_000 },
    });
    const s = useLogs.getState();
    expect(s.hits).toHaveLength(PAGE_SIZE);
    expect(s.total).toEqual({ value: all.length, relation: 'eq' });
    expect(s.histogram).toEqual(histogram);
    expect(s.parseError).toBeNull();
  });

  it('an empty query bar searches every record', async () => {
    await actions.runSearch(5_000_000);
    expect(callsOf('logs.search')[0]).toMatchObject({ query: { kind: 'all' } });
  });

  it('pages on with the cursor and appends', async () => {
    await actions.runSearch(5_000_000);
    await actions.loadMore();
    const searches = callsOf('logs.search') as Record<string, unknown>[];
    expect(searches[1]).toMatchObject({ cursor: String(PAGE_SIZE), range: searches[0]?.range });
    const s = useLogs.getState();
    expect(s.hits.map((h) => h.record.id)).toEqual(all.map((h) => h.record.id));
    expect(s.nextCursor).toBeNull();
    await actions.loadMore();
    expect(callsOf('logs.search')).toHaveLength(2);
  });

  it('shows a parse error at its offset and asks nothing', async () => {
    useLogs.setState({ queryText: 'level:error AND (timeout' });
    await actions.runSearch();
    expect(useLogs.getState().parseError).toMatchObject({
      message: "the '(' at column 17 is not closed",
      offset: 24,
    });
    expect(mem.calls).toHaveLength(0);
    useLogs.setState({ queryText: 'nosuch:1' });
    await actions.runSearch();
    expect(useLogs.getState().parseError?.offset).toBe(0);
    expect(useLogs.getState().parseError?.message).toMatch(/unknown field "nosuch"/);
  });

  it('shows what the service says when a search fails', async () => {
    mem.handle({
      'logs.search': async () => {
        throw new LakebenchError('QUERY_CANCELLED', 'the query took longer than 5 s');
      },
    });
    await actions.runSearch();
    expect(useLogs.getState().error).toMatch(/longer than 5 s/);
    expect(useLogs.getState().loading).toBe(false);
  });
});

describe('filters', () => {
  it('builds include and exclude filters into the query text', () => {
    const { addFilter } = store;
    expect(addFilter('', 'level', 'error', false)).toBe('level:error');
    expect(addFilter('', 'level', 'error', true)).toBe('NOT level:error');
    expect(addFilter('timeout', 'fields.user', 'ana maria', false)).toBe(
      'timeout AND fields.user:"ana maria"',
    );
    expect(addFilter('a OR b', 'level', 'warn', true)).toBe('(a OR b) AND NOT level:warn');
    // The opposite filter is replaced; the same one is not repeated.
    expect(addFilter('x AND level:error', 'level', 'error', true)).toBe('x AND NOT level:error');
    expect(addFilter('x AND level:error', 'level', 'error', false)).toBe('x AND level:error');
    expect(addFilter('', 'requestStatus', 500, false)).toBe('requestStatus:500');
    expect(addFilter('', 'message', 'say "hi"', false)).toBe('message:"say ""hi"""');
    expect(addFilter('', 'fields.when', 'now-1h', false)).toBe('fields.when:"now-1h"');
  });

  it('the filtered text parses to the filter the user meant', () => {
    const text = store.addFilter('a OR b', 'fields.user', 'ana "x"', true);
    expect(parseQueryText(text)).toEqual({
      query: {
        kind: 'and',
        clauses: [
          {
            kind: 'or',
            clauses: [
              { kind: 'text', text: 'a' },
              { kind: 'text', text: 'b' },
            ],
          },
          { kind: 'not', clause: { kind: 'match', field: 'fields.user', value: 'ana "x"' } },
        ],
      },
    });
  });

  it('a + in the sidebar searches again with the filter', async () => {
    useLogs.setState({ queryText: 'timeout' });
    await actions.filterOn('level', 'error', false);
    expect(useLogs.getState().queryText).toBe('timeout AND level:error');
    expect(callsOf('logs.search')[0]).toMatchObject({
      query: { kind: 'and', clauses: [{ kind: 'text' }, { kind: 'match', field: 'level', value: 'error' }] },
    });
  });

  it('reads a field’s top values for the shown query and range', async () => {
    mem.handle({
      'logs.fieldValues': async (args) => ({
        field: args.field,
        values: [{ value: 'ana', count: 3 }],
        sampled: 5,
        present: 4,
      }),
    });
    await actions.runSearch(5_000_000);
    await actions.loadFieldValues('fields.user');
    expect(callsOf('logs.fieldValues')[0]).toMatchObject({
      field: 'fields.user',
      range: useLogs.getState().resolved,
    });
    expect(useLogs.getState().fieldValues['fields.user']).toMatchObject({
      values: [{ value: 'ana', count: 3 }],
    });
  });
});

describe('histogram zoom', () => {
  it('a drag over buckets selects from the first bucket’s start to the last one’s end', () => {
    expect(store.zoomRange(histogram, 2, 1)).toEqual({ kind: 'absolute', from: 1_060_000, to: 1_180_000 });
    expect(store.zoomRange(histogram, -3, 99)).toEqual({ kind: 'absolute', from: 1_000_000, to: 1_240_000 });
    expect(store.zoomRange({ ...histogram, buckets: [] }, 0, 1)).toBeNull();
  });

  it('zooming searches the new window', async () => {
    await actions.runSearch(5_000_000);
    mem.calls.length = 0;
    await actions.zoomTo(1, 1);
    expect(useLogs.getState().range).toEqual({ kind: 'absolute', from: 1_060_000, to: 1_120_000 });
    expect(callsOf('logs.search')[0]).toMatchObject({ range: { from: 1_060_000, to: 1_120_000 } });
  });
});

describe('records', () => {
  it('loads the context of a record', async () => {
    const records = [record(4), record(5), record(6)];
    mem.handle({
      'logs.context': async () => ({ records, anchor: 1, hasMoreBefore: true, hasMoreAfter: false }),
    });
    const p = actions.showContext(records[1]!.id, 5);
    expect(useLogs.getState().context).toMatchObject({ id: records[1]!.id, loading: true });
    await p;
    expect(callsOf('logs.context')[0]).toEqual({ id: records[1]!.id, before: 5, after: 5 });
    expect(useLogs.getState().context).toMatchObject({ loading: false, error: null, context: { anchor: 1 } });
  });

  it('asks for more lines around the same record, keeping the shown ones meanwhile', async () => {
    const records = [record(4), record(5), record(6)];
    mem.handle({
      'logs.context': async () => ({ records, anchor: 1, hasMoreBefore: true, hasMoreAfter: true }),
    });
    await actions.showContext(records[1]!.id);
    const p = actions.showContext(records[1]!.id, 40);
    expect(useLogs.getState().context).toMatchObject({ loading: true, around: 40, context: { anchor: 1 } });
    await p;
    expect(callsOf('logs.context').map((a) => (a as { before: number }).before)).toEqual([
      actions.CONTEXT_STEP,
      40,
    ]);
  });

  it('shows why a context could not be read', async () => {
    mem.handle({
      'logs.context': async () => {
        throw new LakebenchError('NOT_FOUND', 'no record x#1');
      },
    });
    await actions.showContext('x#1');
    expect(useLogs.getState().context).toMatchObject({
      loading: false,
      context: null,
      error: 'no record x#1',
    });
  });

  it('reads the whole message of a truncated record', async () => {
    mem.handle({
      'logs.get': async ({ id }) => ({ id, message: 'the whole text', messageBytes: 14, complete: true }),
    });
    await actions.loadFullMessage('a#1');
    expect(useLogs.getState().fullMessages['a#1']).toMatchObject({ message: 'the whole text' });
  });

  it('cuts a message into highlighted pieces', () => {
    expect(
      store.highlightSegments('connection refused by host', [
        { start: 11, end: 18 },
        { start: 0, end: 4 },
        { start: 2, end: 6 },
      ]),
    ).toEqual([
      { text: 'connec', hit: true },
      { text: 'tion ', hit: false },
      { text: 'refused', hit: true },
      { text: ' by host', hit: false },
    ]);
    expect(store.highlightSegments('abc', [])).toEqual([{ text: 'abc', hit: false }]);
  });

  it('live tail puts newer records in front without repeats', async () => {
    await actions.runSearch(5_000_000);
    const newest = useLogs.getState().hits[0]!;
    const fresh: LogHit = { record: record(10_000), highlights: [] };
    mem.handle({
      'logs.search': async () => ({
        hits: [fresh, newest],
        total: { value: 2, relation: 'eq' },
        nextCursor: null,
        tookMs: 1,
      }),
    });
    useLogs.setState({ liveTail: true });
    mem.calls.length = 0;
    await actions.pollTail(6_000_000);
    expect(callsOf('logs.search')[0]).toMatchObject({ range: { from: newest.record.time, to: null } });
    const s = useLogs.getState();
    expect(s.hits[0]?.record.id).toBe(fresh.record.id);
    expect(s.hits[1]?.record.id).toBe(newest.record.id);
    expect(s.hits).toHaveLength(PAGE_SIZE + 1);
    expect(s.total?.value).toBe(all.length + 1);
    useLogs.setState({ liveTail: false });
  });
});

describe('saved searches', () => {
  it('keeps them by name and reads them back', () => {
    const mapStore = new Map<string, string>();
    const st = { getItem: (k: string) => mapStore.get(k) ?? null };
    let list = store.withSaved([], {
      name: 'b',
      query: 'x',
      range: { kind: 'relative', lastMs: 1, label: 'l' },
      columns: [],
    });
    list = store.withSaved(list, {
      name: 'a',
      query: 'y',
      range: { kind: 'absolute', from: 1, to: 2 },
      columns: ['taskId'],
    });
    list = store.withSaved(list, {
      name: 'b',
      query: 'z',
      range: { kind: 'relative', lastMs: 1, label: 'l' },
      columns: [],
    });
    mapStore.set(store.SAVED_KEY, JSON.stringify(list));
    expect(store.readSaved(st).map((s) => [s.name, s.query])).toEqual([
      ['a', 'y'],
      ['b', 'z'],
    ]);
    mapStore.set(store.SAVED_KEY, '{not json');
    expect(store.readSaved(st)).toEqual([]);
  });
});

describe('links from a record', () => {
  it('opens the notebook of a record with its cell focused', async () => {
    const { emptyNotebook, newCell } = await import('../../shared/notebook/model');
    const { useNotebooks } = await import('../../renderer/notebooks/store');
    const { useApp } = await import('../../renderer/state/app');
    const doc = emptyNotebook();
    const cell = newCell('sql', 'select 1');
    doc.cells.push(cell);
    mem.handle({ 'notebooks.open': async ({ path }) => ({ path, notebook: doc, mtimeMs: 1 }) });
    await actions.openRecordNotebook(
      record(1, { source: 'notebook', notebook: 'notebooks/trips.ipynb', cellId: cell.id, pipelineId: null }),
    );
    expect(useApp.getState().area).toBe('notebooks');
    expect(callsOf('notebooks.open')[0]).toEqual({ path: 'notebooks/trips.ipynb' });
    expect(useNotebooks.getState().open['notebooks/trips.ipynb']?.focusCellId).toBe(cell.id);
  });
});

describe('order', () => {
  it('asks for the chosen order, and pages in it', async () => {
    await actions.setSort('oldest');
    await actions.loadMore();
    expect(callsOf('logs.search').map((a) => (a as { sort: string }).sort)).toEqual(['oldest', 'oldest']);
  });
});

describe('live tail', () => {
  it('starting it from the oldest-first order searches newest first, and stopping it stops polling', async () => {
    useLogs.setState({ sort: 'oldest' });
    await actions.startTail();
    actions.stopTail();
    const sorts = callsOf('logs.search').map((a) => (a as { sort: string }).sort);
    expect(sorts).toEqual(['newest', 'newest']);
    expect(useLogs.getState()).toMatchObject({ liveTail: false, sort: 'newest' });
  });
});
