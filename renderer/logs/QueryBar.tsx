import { Search } from 'lucide-react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { loadFieldValues, runSearch, setQueryText } from './actions';
import { completionContext, fixedValues, knownFields } from './query-language';
import { fieldKeysOf, quoteValue, useLogs } from './store';
import { logsTestIds } from './testids';

interface Suggestion {
  label: string;
  insert: string;
  start: number;
  hint: string;
}

/** The KQL-style query bar: Enter searches, fields and values complete, a mistake is marked where it is. */
export function QueryBar() {
  const text = useLogs((s) => s.queryText);
  const error = useLogs((s) => s.parseError);
  const hits = useLogs((s) => s.hits);
  const fieldValues = useLogs((s) => s.fieldValues);
  const input = useRef<HTMLInputElement>(null);
  const [cursor, setCursor] = useState(0);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);

  const fields = useMemo(() => knownFields(fieldKeysOf(hits)), [hits]);
  const ctx = completionContext(text, cursor);
  const suggestions = useMemo<Suggestion[]>(() => {
    if (ctx.kind === 'field') {
      if (!ctx.prefix) return [];
      const p = ctx.prefix.toLowerCase();
      return fields
        .filter((f) => f.toLowerCase().startsWith(p) && f !== ctx.prefix)
        .slice(0, 10)
        .map((f) => ({ label: f, insert: `${f}:`, start: ctx.start, hint: 'field' }));
    }
    const fv = fieldValues[ctx.field];
    const values =
      fixedValues(ctx.field) ??
      (fv && typeof fv === 'object' && 'values' in fv ? fv.values.map((v) => String(v.value)) : []);
    const p = ctx.prefix.toLowerCase();
    return values
      .filter((v) => v.toLowerCase().startsWith(p))
      .slice(0, 10)
      .map((v) => ({ label: v, insert: `${quoteValue(v)} `, start: ctx.start, hint: 'value' }));
  }, [ctx, fields, fieldValues]);

  // Values of a field are read once the user types `field:` (the fixed ones are known).
  const valueField = ctx.kind === 'value' ? ctx.field : null;
  useEffect(() => {
    if (!valueField || fixedValues(valueField) || !fields.includes(valueField)) return;
    if (useLogs.getState().fieldValues[valueField]) return;
    void loadFieldValues(valueField);
  }, [valueField, fields]);

  const accept = (s: Suggestion) => {
    const before = text.slice(0, s.start);
    const afterWord = text.slice(cursor).replace(/^[^\s()]*/, '');
    const next = before + s.insert + afterWord;
    setQueryText(next);
    const at = (before + s.insert).length;
    setCursor(at);
    setActive(0);
    requestAnimationFrame(() => {
      input.current?.focus();
      input.current?.setSelectionRange(at, at);
    });
  };

  const showList = open && suggestions.length > 0;
  return (
    <div className="logs-querybar">
      <div className="logs-query-wrap">
        <input
          ref={input}
          className={`input logs-query${error ? ' logs-query-bad' : ''}`}
          data-testid={logsTestIds.query}
          value={text}
          spellCheck={false}
          placeholder='Search: level:error AND NOT fields.user:ana, "connection refused", durationMs >= 100'
          aria-invalid={error ? true : undefined}
          onChange={(e) => {
            setQueryText(e.target.value);
            setCursor(e.target.selectionStart ?? e.target.value.length);
            setOpen(true);
            setActive(0);
          }}
          onSelect={(e) => setCursor(e.currentTarget.selectionStart ?? 0)}
          onBlur={() => setOpen(false)}
          onFocus={() => setOpen(true)}
          onKeyDown={(e) => {
            if (showList && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
              e.preventDefault();
              const n = suggestions.length;
              setActive((a) => (a + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
            } else if (showList && e.key === 'Tab') {
              e.preventDefault();
              const s = suggestions[active];
              if (s) accept(s);
            } else if (e.key === 'Enter') {
              e.preventDefault();
              const s = showList ? suggestions[active] : undefined;
              if (s && e.currentTarget.selectionStart === text.length && ctx.prefix) accept(s);
              else {
                setOpen(false);
                void runSearch();
              }
            } else if (e.key === 'Escape') setOpen(false);
          }}
        />
        {error && (
          <div className="logs-query-marker" aria-hidden>
            <span className="logs-query-marker-pre">{text.slice(0, error.offset)}</span>
            <span className="logs-query-marker-at">{text.slice(error.offset, error.offset + 1) || ' '}</span>
          </div>
        )}
        {showList && (
          <ul className="logs-suggestions" role="listbox">
            {suggestions.map((s, i) => (
              <li
                key={s.label}
                role="option"
                aria-selected={i === active}
                className={i === active ? 'active' : undefined}
                data-testid={logsTestIds.querySuggestion}
                onMouseDown={(e) => {
                  e.preventDefault();
                  accept(s);
                }}
              >
                <span>{s.label}</span>
                <span className="muted">{s.hint}</span>
              </li>
            ))}
          </ul>
        )}
        {error && (
          <div className="logs-query-error" data-testid={logsTestIds.queryError} data-offset={error.offset}>
            {error.message} (at character {error.offset + 1})
          </div>
        )}
      </div>
      <button
        className="btn btn-primary"
        data-testid={logsTestIds.search}
        onClick={() => void runSearch()}
        title="Search (Enter)"
      >
        <Search size={14} /> Search
      </button>
    </div>
  );
}
