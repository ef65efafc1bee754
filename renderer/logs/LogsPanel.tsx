import { Save, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { deleteSavedSearch, openSavedSearch, saveSearch } from './actions';
import { FieldSidebar } from './FieldSidebar';
import './logs.css';
import { describeRange, useLogs } from './store';
import { logsTestIds } from './testids';

/** The Logs side panel: saved searches (kept on this machine) and the field sidebar. */
export function LogsPanel() {
  const saved = useLogs((s) => s.saved);
  const [name, setName] = useState('');
  return (
    <div className="panel logs-panel">
      <div className="panel-header">
        <span>Logs</span>
      </div>
      <div className="panel-subheader">Saved searches</div>
      <form
        className="logs-save"
        onSubmit={(e) => {
          e.preventDefault();
          if (!name.trim()) return;
          saveSearch(name.trim());
          setName('');
        }}
      >
        <input
          className="input"
          placeholder="Save this search as…"
          value={name}
          data-testid={logsTestIds.savedName}
          onChange={(e) => setName(e.target.value)}
        />
        <button
          className="icon-btn"
          type="submit"
          disabled={!name.trim()}
          data-testid={logsTestIds.saveSearch}
          title="Save"
        >
          <Save size={14} />
        </button>
      </form>
      {saved.length === 0 && <div className="panel-empty">No saved searches yet.</div>}
      {saved.map((s) => (
        <div key={s.name} className="logs-saved">
          <button
            className="logs-saved-name"
            data-testid={logsTestIds.saved(s.name)}
            title={`${s.query || '(every record)'} · ${describeRange(s.range)}`}
            onClick={() => void openSavedSearch(s.name)}
          >
            {s.name}
          </button>
          <button
            className="icon-btn"
            data-testid={logsTestIds.savedDelete(s.name)}
            title="Forget this search"
            onClick={() => deleteSavedSearch(s.name)}
          >
            <Trash2 size={12} />
          </button>
        </div>
      ))}
      <FieldSidebar />
    </div>
  );
}
