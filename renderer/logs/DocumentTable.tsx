import { ChevronRight } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import type { LogHit } from '../../shared/logs/model';
import { loadMore, toggleDetail } from './actions';
import { columnValue, formatTime, highlightSegments, useLogs } from './store';
import { logsTestIds } from './testids';

export const LOG_ROW_HEIGHT = 24;
/** Rows drawn above and below the visible ones. */
const OVERSCAN = 10;

/** A value as one line of table text. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function Highlighted({ hit, text }: { hit: LogHit; text?: string }) {
  const message = text ?? hit.record.message;
  const ranges = text === undefined ? hit.highlights : [];
  return (
    <>
      {highlightSegments(message, ranges).map((s, i) =>
        s.hit ? (
          <mark key={i} className="logs-mark" data-testid={logsTestIds.highlight}>
            {s.text}
          </mark>
        ) : (
          <span key={i}>{s.text}</span>
        ),
      )}
    </>
  );
}

function sourceLabel(hit: LogHit): string {
  const r = hit.record;
  switch (r.source) {
    case 'pipeline':
      return `${r.pipelineId ?? ''}/${r.taskId ?? ''}#${r.tryNumber ?? ''}`;
    case 'notebook':
      return `${r.notebook ?? ''}`;
    case 'ingest':
      return `${r.table ?? ''}`;
    case 'server':
      return `${r.requestMethod ?? ''} ${r.requestPath ?? ''}`;
    case 'kernel':
      return `${r.kernelId ?? ''}`;
    case 'app':
      return `${r.component ?? ''}`;
    default:
      return r.source;
  }
}

/** The hits, one line each (windowed: only the rows in view are in the DOM); the end of the list loads more. */
export function DocumentTable() {
  const hits = useLogs((s) => s.hits);
  const columns = useLogs((s) => s.columns);
  const detailId = useLogs((s) => s.detailId);
  const nextCursor = useLogs((s) => s.nextCursor);
  const loadingMore = useLogs((s) => s.loadingMore);
  const scroller = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 600 });

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setView({ top: el.scrollTop, height: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Reaching the last rows asks for the next page.
  const lastShown = Math.ceil((view.top + view.height) / LOG_ROW_HEIGHT);
  useEffect(() => {
    if (nextCursor && !loadingMore && lastShown >= hits.length - OVERSCAN) void loadMore();
  }, [lastShown, hits.length, nextCursor, loadingMore]);

  const first = Math.max(0, Math.floor(view.top / LOG_ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(hits.length, lastShown + OVERSCAN);
  const template = `20px 190px 56px 200px ${columns.map(() => '160px').join(' ')} minmax(300px, 1fr)`;

  return (
    <div className="logs-table" data-testid={logsTestIds.table}>
      <div className="logs-row logs-head" style={{ gridTemplateColumns: template }}>
        <span />
        <span>Time</span>
        <span>Level</span>
        <span>Source</span>
        {columns.map((c) => (
          <span key={c} title={c}>
            {c}
          </span>
        ))}
        <span>Message</span>
      </div>
      <div
        className="logs-table-body"
        ref={scroller}
        onScroll={(e) => setView({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })}
      >
        <div
          style={{
            height: hits.length * LOG_ROW_HEIGHT + (nextCursor ? LOG_ROW_HEIGHT : 0),
            position: 'relative',
          }}
        >
          {hits.slice(first, last).map((hit, k) => {
            const i = first + k;
            const r = hit.record;
            const open = detailId === r.id;
            return (
              <div
                key={r.id}
                className={`logs-row${open ? ' selected' : ''}`}
                style={{ gridTemplateColumns: template, top: i * LOG_ROW_HEIGHT, height: LOG_ROW_HEIGHT }}
                data-testid={logsTestIds.row}
                data-id={r.id}
                onClick={() => toggleDetail(r.id)}
              >
                <button
                  className="logs-row-toggle"
                  data-testid={logsTestIds.rowToggle}
                  aria-expanded={open}
                  aria-label={open ? 'Close the details' : 'Show the details'}
                  onClick={(e) => {
                    e.stopPropagation();
                    toggleDetail(r.id);
                  }}
                >
                  <ChevronRight size={12} className={open ? 'rot90' : undefined} />
                </button>
                <span className="logs-time">{formatTime(r.time)}</span>
                <span className={`logs-level logs-level-${r.level}`}>{r.level}</span>
                <span className="logs-source" title={sourceLabel(hit)}>
                  {sourceLabel(hit)}
                </span>
                {columns.map((c) => (
                  <span key={c} className="logs-cell">
                    {cellText(columnValue(hit, c))}
                  </span>
                ))}
                <span className="logs-message">
                  <Highlighted hit={hit} />
                  {r.truncated && <span className="muted"> (cut)</span>}
                </span>
              </div>
            );
          })}
          {nextCursor && (
            <div className="logs-more muted" style={{ top: hits.length * LOG_ROW_HEIGHT }}>
              {loadingMore ? 'Loading more…' : 'Scroll for more'}
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
