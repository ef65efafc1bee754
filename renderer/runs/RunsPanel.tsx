import { FlaskConical } from 'lucide-react';

export function RunsPanel() {
  return (
    <div className="panel">
      <div className="panel-header">
        <span>Runs</span>
      </div>
      <div className="panel-empty area-empty">
        <FlaskConical size={28} strokeWidth={1.2} />
        <p>
          Experiments, runs, metrics and models will be tracked and compared here; nothing is logged to the
          tracker yet.
        </p>
      </div>
    </div>
  );
}
