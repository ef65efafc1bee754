import { Calendar, RefreshCw } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { runSearch, setRange } from './actions';
import { QUICK_RANGES, describeRange, resolveRange, useLogs } from './store';
import { logsTestIds } from './testids';

/** `YYYY-MM-DDTHH:mm:ss` in local time, what a datetime-local input holds. */
function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
}

/** The time picker: quick ranges relative to now, or an absolute from/to; refresh searches again. */
export function TimePicker() {
  const range = useLogs((s) => s.range);
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  // A click elsewhere or Escape closes the picker.
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
  const now = Date.now();
  const r = resolveRange(range, now);
  const [from, setFrom] = useState(toLocalInput(r.from ?? now - 3_600_000));
  const [to, setTo] = useState(toLocalInput(r.to ?? now));
  const fromMs = new Date(from).getTime();
  const toMs = new Date(to).getTime();
  const absValid = Number.isFinite(fromMs) && Number.isFinite(toMs) && fromMs < toMs;

  return (
    <div className="logs-timepicker" ref={box}>
      <button
        className="btn"
        data-testid={logsTestIds.time}
        aria-expanded={open}
        onClick={() => {
          const cur = resolveRange(useLogs.getState().range, Date.now());
          if (cur.from !== null) setFrom(toLocalInput(cur.from));
          if (cur.to !== null) setTo(toLocalInput(cur.to));
          setOpen(!open);
        }}
      >
        <Calendar size={14} /> <span data-testid={logsTestIds.range}>{describeRange(range)}</span>
      </button>
      <button className="btn icon-btn" title="Search again now" onClick={() => void runSearch()}>
        <RefreshCw size={14} />
      </button>
      {open && (
        <div className="logs-time-popover" role="dialog" aria-label="Time range">
          <div className="logs-time-section">
            <div className="logs-time-title">Quick ranges</div>
            <div className="logs-quick-grid">
              {QUICK_RANGES.map((q) => (
                <button
                  key={q.lastMs}
                  className={`logs-quick${range.kind === 'relative' && range.lastMs === q.lastMs ? ' active' : ''}`}
                  data-testid={logsTestIds.quick(q.lastMs)}
                  onClick={() => {
                    setOpen(false);
                    void setRange({ kind: 'relative', lastMs: q.lastMs, label: q.label });
                  }}
                >
                  {q.label}
                </button>
              ))}
            </div>
          </div>
          <div className="logs-time-section">
            <div className="logs-time-title">Absolute</div>
            <label className="logs-abs">
              From
              <input
                className="input"
                type="datetime-local"
                step={1}
                value={from}
                data-testid={logsTestIds.absFrom}
                onChange={(e) => setFrom(e.target.value)}
              />
            </label>
            <label className="logs-abs">
              To
              <input
                className="input"
                type="datetime-local"
                step={1}
                value={to}
                data-testid={logsTestIds.absTo}
                onChange={(e) => setTo(e.target.value)}
              />
            </label>
            {!absValid && <div className="logs-query-error">The start must be before the end.</div>}
            <button
              className="btn btn-primary"
              disabled={!absValid}
              data-testid={logsTestIds.absApply}
              onClick={() => {
                setOpen(false);
                void setRange({ kind: 'absolute', from: fromMs, to: toMs });
              }}
            >
              Apply
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
