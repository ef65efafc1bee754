import { Search } from 'lucide-react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { applyCompletion, completionsAt, validateFilter, type Completion } from './filter-box';
import { useRuns } from './store';
import { runsTestIds } from './testids';

/**
 * The runs filter: MLflow's grammar plus OR and parentheses, checked as the user types (the fault's column is
 * marked under the text) and applied when valid, on Enter or after a pause. Tab or Enter takes a completion.
 */
export function FilterBox() {
  const applied = useRuns((s) => s.filter);
  const keys = useRuns((s) => s.keys);
  const [text, setText] = useState(applied);
  const [cursor, setCursor] = useState(applied.length);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => setText(applied), [applied]);

  const problem = useMemo(() => validateFilter(text), [text]);
  const completions = useMemo<Completion[]>(
    () => (open ? completionsAt(text, cursor, keys) : []),
    [open, text, cursor, keys],
  );

  // Apply a valid filter after a pause in typing.
  useEffect(() => {
    if (problem || text === applied) return;
    const t = setTimeout(() => useRuns.getState().setFilter(text), 500);
    return () => clearTimeout(t);
  }, [text, problem, applied]);

  const take = (c: Completion) => {
    const next = applyCompletion(text, cursor, c);
    setText(next.text);
    setCursor(next.cursor);
    setActive(0);
    requestAnimationFrame(() => {
      input.current?.focus();
      input.current?.setSelectionRange(next.cursor, next.cursor);
    });
  };

  const sync = () => setCursor(input.current?.selectionStart ?? text.length);

  return (
    <div className="runs-filter">
      <div className={`runs-filter-box${problem ? ' invalid' : ''}`}>
        <Search size={13} className="runs-filter-icon" />
        <input
          ref={input}
          className="runs-filter-input"
          data-testid={runsTestIds.filter}
          value={text}
          spellCheck={false}
          placeholder="metrics.rmse < 0.5 and (params.alpha = '0.1' or tags.team LIKE 'ml%')"
          aria-invalid={Boolean(problem)}
          aria-label="Filter runs"
          onChange={(e) => {
            setText(e.target.value);
            setCursor(e.target.selectionStart ?? e.target.value.length);
            setOpen(true);
            setActive(0);
          }}
          onKeyUp={sync}
          onClick={() => {
            sync();
            setOpen(true);
          }}
          onFocus={() => setOpen(true)}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
          onKeyDown={(e) => {
            if (completions.length && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
              e.preventDefault();
              const d = e.key === 'ArrowDown' ? 1 : -1;
              setActive((a) => (a + d + completions.length) % completions.length);
            } else if (completions.length && e.key === 'Tab') {
              e.preventDefault();
              take(completions[active] ?? completions[0]);
            } else if (e.key === 'Enter') {
              e.preventDefault();
              if (
                open &&
                completions.length &&
                text.trim() &&
                active >= 0 &&
                completions[active] &&
                problem
              ) {
                take(completions[active]);
              } else if (!problem) {
                setOpen(false);
                useRuns.getState().setFilter(text);
              }
            } else if (e.key === 'Escape') {
              setOpen(false);
            }
          }}
        />
        {text && (
          <button
            className="icon-btn"
            title="Clear the filter"
            onClick={() => {
              setText('');
              useRuns.getState().setFilter('');
            }}
          >
            ×
          </button>
        )}
      </div>
      {problem && text.trim() && (
        <div className="runs-filter-error" data-testid={runsTestIds.filterError} role="alert">
          <pre className="runs-filter-caret">
            {text}
            {'\n'}
            {' '.repeat(Math.min(problem.offset, text.length))}^
          </pre>
          <span>{problem.message}</span>
        </div>
      )}
      {completions.length > 0 && (
        <ul className="runs-filter-menu" role="listbox">
          {completions.map((c, i) => (
            <li
              key={`${c.label}:${c.detail}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : ''}
              data-testid={runsTestIds.filterSuggestion}
              onMouseDown={(e) => {
                e.preventDefault();
                take(c);
              }}
            >
              <span className="runs-filter-label">{c.label}</span>
              <span className="runs-filter-detail">{c.detail}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
