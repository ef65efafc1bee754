import { ScrollText } from 'lucide-react';

export function LogsPanel() {
  return (
    <div className="panel">
      <div className="panel-header">
        <span>Logs</span>
      </div>
      <div className="panel-empty area-empty">
        <ScrollText size={28} strokeWidth={1.2} />
        <p>
          Every task's and cell's logs will be searchable here; for now a query's errors show in its cell.
        </p>
      </div>
    </div>
  );
}
