import { Database, FlaskConical, Notebook, ScrollText, Workflow, type LucideIcon } from 'lucide-react';
import { AREAS, useApp, type Area } from '../state/app';
import { testIds } from '../testids';

export const AREA_INFO: Record<Area, { label: string; icon: LucideIcon }> = {
  notebooks: { label: 'Notebooks', icon: Notebook },
  data: { label: 'Data', icon: Database },
  pipelines: { label: 'Pipelines', icon: Workflow },
  runs: { label: 'Runs', icon: FlaskConical },
  logs: { label: 'Logs', icon: ScrollText },
};

export function ActivityBar() {
  const area = useApp((s) => s.area);
  const open = useApp((s) => s.sidePanelOpen);
  const setArea = useApp((s) => s.setArea);
  return (
    <nav className="activity-bar" aria-label="Areas">
      <div className="activity-logo" title="Lakebench">
        LB
      </div>
      {AREAS.map((a) => {
        const { label, icon: Icon } = AREA_INFO[a];
        const isActive = a === area && open;
        return (
          <button
            key={a}
            className={`activity-btn${isActive ? ' active' : ''}`}
            title={label}
            aria-label={label}
            aria-pressed={isActive}
            data-testid={testIds.activity(a)}
            onClick={() => setArea(a)}
          >
            <Icon size={22} strokeWidth={1.6} />
          </button>
        );
      })}
    </nav>
  );
}
