import { X } from 'lucide-react';
import { useEffect, useRef } from 'react';
import { closeContext, CONTEXT_MAX, CONTEXT_STEP, showContext } from './actions';
import { formatTime, useLogs } from './store';
import { logsTestIds } from './testids';

/** "Show in context": the lines before and after a record in its own stream, the record marked. */
export function ContextView() {
  const ctx = useLogs((s) => s.context);
  const anchor = useRef<HTMLDivElement>(null);
  useEffect(() => anchor.current?.scrollIntoView({ block: 'center' }), [ctx?.context]);
  if (!ctx) return null;
  return (
    <section className="logs-context" data-testid={logsTestIds.context} aria-label="Record in context">
      <div className="logs-detail-head">
        <span>In context: {ctx.id}</span>
        <span className="logs-detail-spacer" />
        <button
          className="icon-btn"
          data-testid={logsTestIds.contextClose}
          aria-label="Close the context"
          onClick={closeContext}
        >
          <X size={14} />
        </button>
      </div>
      {ctx.loading && !ctx.context && <div className="panel-empty">Reading the lines around it…</div>}
      {ctx.error && <div className="logs-query-error">{ctx.error}</div>}
      {ctx.context && (
        <div className="logs-context-body">
          {ctx.context.hasMoreBefore && ctx.around < CONTEXT_MAX && (
            <button
              className="logs-context-more"
              data-testid={logsTestIds.contextMore}
              onClick={() => void showContext(ctx.id, Math.min(CONTEXT_MAX, ctx.around + CONTEXT_STEP))}
            >
              … show {CONTEXT_STEP} more lines around it
            </button>
          )}
          {ctx.context.records.map((r, i) => {
            const isAnchor = i === ctx.context?.anchor;
            return (
              <div
                key={r.id}
                ref={isAnchor ? anchor : undefined}
                className={`logs-context-row${isAnchor ? ' anchor' : ''}`}
                data-testid={logsTestIds.contextRow}
                data-anchor={isAnchor ? 'true' : undefined}
              >
                <span className="logs-context-line">{r.line}</span>
                <span className="logs-time">{formatTime(r.time)}</span>
                <span className={`logs-level logs-level-${r.level}`}>{r.level}</span>
                <span className="logs-message">{r.message}</span>
              </div>
            );
          })}
          {ctx.context.hasMoreAfter && ctx.around < CONTEXT_MAX && (
            <button
              className="logs-context-more"
              onClick={() => void showContext(ctx.id, Math.min(CONTEXT_MAX, ctx.around + CONTEXT_STEP))}
            >
              show {CONTEXT_STEP} more lines around it …
            </button>
          )}
        </div>
      )}
    </section>
  );
}
