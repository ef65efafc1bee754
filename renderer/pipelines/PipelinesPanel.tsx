import { Workflow } from 'lucide-react';

export function PipelinesPanel() {
  return (
    <div className="panel">
      <div className="panel-header">
        <span>Pipelines</span>
      </div>
      <div className="panel-empty area-empty">
        <Workflow size={28} strokeWidth={1.2} />
        <p>
          DAGs of SQL, notebook and Python tasks with schedules and retries will be edited and run here;
          today, notebooks run one cell at a time.
        </p>
      </div>
    </div>
  );
}
