import { useEffect, useRef, useState } from 'react';
import { create } from 'zustand';
import { testIds } from '../testids';

/** In-app prompt (never window.prompt, which Electron does not support). */
export interface PromptOptions {
  title: string;
  label: string;
  placeholder?: string;
  initial?: string;
  okLabel?: string;
  inputTestId?: string;
  /** A message saying what is wrong with the value, or null when it is fine. */
  validate?: (value: string) => string | null;
}

interface PromptState {
  current: (PromptOptions & { resolve: (value: string | null) => void }) | null;
}

const usePrompt = create<PromptState>(() => ({ current: null }));

export function askText(options: PromptOptions): Promise<string | null> {
  return new Promise((resolve) => {
    usePrompt.getState().current?.resolve(null);
    usePrompt.setState({ current: { ...options, resolve } });
  });
}

export function PromptDialog() {
  const current = usePrompt((s) => s.current);
  const [value, setValue] = useState('');
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!current) return;
    setValue(current.initial ?? '');
    setTimeout(() => inputRef.current?.select(), 0);
  }, [current]);

  if (!current) return null;
  const problem = value.trim() ? (current.validate?.(value.trim()) ?? null) : null;
  const close = (result: string | null) => {
    usePrompt.setState({ current: null });
    current.resolve(result);
  };
  const submit = () => {
    if (!value.trim() || problem) return;
    close(value.trim());
  };

  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && close(null)}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="dialog-title">
        <div className="dialog-title" id="dialog-title">
          {current.title}
        </div>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <label className="dialog-label">
            {current.label}
            <input
              ref={inputRef}
              className="input"
              value={value}
              placeholder={current.placeholder}
              data-testid={current.inputTestId}
              onChange={(e) => setValue(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Escape') close(null);
              }}
              autoFocus
              spellCheck={false}
            />
          </label>
          <div className="dialog-problem">{problem ?? ''}</div>
          <div className="dialog-buttons">
            <button
              type="button"
              className="btn"
              data-testid={testIds.dialogCancel}
              onClick={() => close(null)}
            >
              Cancel
            </button>
            <button
              type="submit"
              className="btn btn-primary"
              data-testid={testIds.dialogOk}
              disabled={!value.trim() || Boolean(problem)}
            >
              {current.okLabel ?? 'OK'}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
