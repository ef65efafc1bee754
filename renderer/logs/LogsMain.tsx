import { Radio } from 'lucide-react';
import { useEffect } from 'react';
import type { LogSort } from '../../shared/logs/model';
import { loadSavedSearches, runSearch, setSort, startTail, stopTail } from './actions';
import { ContextView } from './ContextView';
import { DocumentTable } from './DocumentTable';
import { Histogram } from './Histogram';
import './logs.css';
import { QueryBar } from './QueryBar';
import { RecordDetail } from './RecordDetail';
import { formatTime, useLogs } from './store';
import { logsTestIds } from './testids';
import { TimePicker } from './TimePicker';

let searchedOnce = false;

/** The Logs area's main view, like Discover: query bar and time, histogram, the hits, a record's details. */
export function LogsMain() {
  const histogram = useLogs((s) => s.histogram);
  const total = useLogs((s) => s.total);
  const tookMs = useLogs((s) => s.tookMs);
  const loading = useLogs((s) => s.loading);
  const error = useLogs((s) => s.error);
  const resolved = useLogs((s) => s.resolved);
  const liveTail = useLogs((s) => s.liveTail);
  const sort = useLogs((s) => s.sort);
  const hits = useLogs((s) => s.hits);
  const detailId = useLogs((s) => s.detailId);
  const context = useLogs((s) => s.context);
  const detail = detailId ? hits.find((h) => h.record.id === detailId) : undefined;

  useEffect(() => {
    if (searchedOnce) return;
    searchedOnce = true;
    loadSavedSearches();
    void runSearch();
  }, []);
  // Live tail stops when the area is left.
  useEffect(() => () => stopTail(), []);

  return (
    <div className="logs-main">
      <div className="logs-toolbar">
        <QueryBar />
        <TimePicker />
        <button
          className={`btn${liveTail ? ' btn-primary' : ''}`}
          data-testid={logsTestIds.liveTail}
          aria-pressed={liveTail}
          title="Follow new records as they are written"
          onClick={() => (liveTail ? stopTail() : void startTail())}
        >
          <Radio size={14} /> Live
        </button>
      </div>
      <div className="logs-summary">
        <span data-testid={logsTestIds.count}>
          {loading
            ? 'Searching…'
            : total
              ? `${total.relation === 'gte' ? '≥ ' : ''}${total.value.toLocaleString()} hits`
              : ''}
        </span>
        {tookMs !== null && !loading && <span className="muted">{tookMs} ms</span>}
        <select
          className="logs-sort"
          value={sort}
          data-testid={logsTestIds.sort}
          aria-label="Order of the hits"
          onChange={(e) => void setSort(e.target.value as LogSort)}
        >
          <option value="newest">Newest first</option>
          <option value="oldest">Oldest first</option>
          <option value="relevance">Best match first</option>
        </select>
        {resolved.from !== null && (
          <span className="muted">
            {formatTime(resolved.from)} → {resolved.to !== null ? formatTime(resolved.to) : 'now'}
          </span>
        )}
      </div>
      {error && (
        <div className="logs-search-error" data-testid={logsTestIds.searchError}>
          {error}
        </div>
      )}
      {histogram && <Histogram histogram={histogram} />}
      <div className="logs-body">
        <div className="logs-results">
          {!loading && hits.length === 0 && !error ? (
            <div className="panel-empty">No records match in this time range.</div>
          ) : (
            <DocumentTable />
          )}
          {context && <ContextView />}
        </div>
        {detail && <RecordDetail hit={detail} />}
      </div>
    </div>
  );
}
