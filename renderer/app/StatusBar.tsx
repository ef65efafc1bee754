import { Globe, LoaderCircle, Monitor } from 'lucide-react';
import { formatElapsed } from '../notebooks/outputs';
import { useApp } from '../state/app';
import { useToasts } from '../state/toasts';
import { testIds } from '../testids';

export function StatusBar() {
  const ws = useApp((s) => s.workspace);
  const conn = useApp((s) => s.connection);
  const running = useApp((s) => s.runningQueries);
  const last = useApp((s) => s.lastQuery);
  const version = useApp((s) => s.appVersion);
  const storageProblem = useToasts((s) => s.storageProblem);
  const ModeIcon = conn.mode === 'desktop' ? Monitor : Globe;
  return (
    <footer className={`status-bar conn-${conn.state}`} data-testid={testIds.statusBar}>
      <span className="status-item" title={ws?.root ?? 'No workspace open'}>
        {ws ? (
          <>
            <strong>{ws.name}</strong>
            <span className="status-dim">{ws.root}</span>
          </>
        ) : (
          'No workspace'
        )}
      </span>
      <span className="spacer" />
      {storageProblem && (
        <span
          className="status-item"
          style={{ color: '#f48771', fontWeight: 600 }}
          data-testid="status-storage"
          title={storageProblem}
        >
          {storageProblem}
        </span>
      )}
      {running > 0 && (
        <span className="status-item">
          <LoaderCircle size={12} className="spin" /> {running} {running === 1 ? 'query' : 'queries'} running
        </span>
      )}
      {last && (
        <span className="status-item" title="Last query">
          Last:{' '}
          {last.status === 'succeeded'
            ? `${last.rows.toLocaleString('en-US')} ${last.rows === 1 ? 'row' : 'rows'}`
            : last.status}{' '}
          · {formatElapsed(last.elapsedMs)}
        </span>
      )}
      <span className="status-item" title={conn.detail ?? ''}>
        <ModeIcon size={12} /> {conn.mode} · {conn.state}
      </span>
      {version && <span className="status-item status-dim">v{version}</span>}
    </footer>
  );
}
