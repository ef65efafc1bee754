import { FileWarning, NotebookText, X } from 'lucide-react';
import { closeNotebook } from '../notebooks/actions';
import { isDirty, useNotebooks } from '../notebooks/store';
import { testIds } from '../testids';

function baseName(path: string): string {
  return path.split('/').pop() ?? path;
}

export function Tabs() {
  const tabs = useNotebooks((s) => s.tabs);
  const active = useNotebooks((s) => s.active);
  const open = useNotebooks((s) => s.open);
  const setActive = useNotebooks((s) => s.setActive);
  if (!tabs.length) return null;
  return (
    <div className="tabs" role="tablist">
      {tabs.map((path) => {
        const nb = open[path];
        const dirty = nb ? isDirty(nb) : false;
        const invalid = nb?.status === 'invalid';
        return (
          <div
            key={path}
            role="tab"
            aria-selected={path === active}
            className={`tab${path === active ? ' active' : ''}${dirty ? ' dirty' : ''}${invalid ? ' invalid' : ''}`}
            title={invalid ? `${path}: ${nb?.loadError?.message ?? 'could not be opened'}` : path}
            data-testid={testIds.tab(path)}
            onClick={() => setActive(path)}
            onMouseDown={(e) => {
              if (e.button === 1) {
                e.preventDefault();
                void closeNotebook(path);
              }
            }}
          >
            {invalid ? (
              <FileWarning size={13} className="tab-icon warn" />
            ) : (
              <NotebookText size={13} className="tab-icon" />
            )}
            <span className="tab-name">{baseName(path)}</span>
            <button
              className="tab-close"
              aria-label={dirty ? 'Unsaved changes; close' : 'Close'}
              title={dirty ? 'Unsaved changes (saved on close)' : 'Close'}
              onClick={(e) => {
                e.stopPropagation();
                void closeNotebook(path);
              }}
            >
              <span className="dirty-dot" />
              <X size={13} className="close-x" />
            </button>
          </div>
        );
      })}
    </div>
  );
}
