import { ChevronDown, ChevronRight, Columns3, Minus, Plus } from 'lucide-react';
import { useMemo } from 'react';
import { closeFieldValues, filterOn, loadFieldValues, toggleTableColumn } from './actions';
import { fieldKeysOf, useLogs } from './store';
import { logsTestIds } from './testids';

/** The fields a sidebar lists before the structured ones seen in the hits. */
const SIDEBAR_COLUMNS = [
  'level',
  'source',
  'stream',
  'pipelineId',
  'taskId',
  'notebook',
  'table',
  'component',
];

/** Fields of the hits with their top values and one-click include/exclude filters, like Discover's sidebar. */
export function FieldSidebar() {
  const hits = useLogs((s) => s.hits);
  const fieldValues = useLogs((s) => s.fieldValues);
  const columns = useLogs((s) => s.columns);
  const fields = useMemo(() => [...SIDEBAR_COLUMNS, ...fieldKeysOf(hits).map((k) => `fields.${k}`)], [hits]);
  return (
    <div className="logs-fields">
      <div className="panel-subheader">Fields</div>
      {fields.map((f) => {
        const fv = fieldValues[f];
        const open = fv !== undefined;
        return (
          <div key={f} className="logs-field">
            <div className="logs-field-row">
              <button
                className="logs-field-name"
                data-testid={logsTestIds.field(f)}
                aria-expanded={open}
                onClick={() => (open ? closeFieldValues(f) : void loadFieldValues(f))}
              >
                {open ? <ChevronDown size={12} /> : <ChevronRight size={12} />} {f}
              </button>
              <button
                className={`icon-btn${columns.includes(f) ? ' active' : ''}`}
                data-testid={logsTestIds.columnToggle(f)}
                title={columns.includes(f) ? 'Remove the column' : 'Show as a column'}
                onClick={() => toggleTableColumn(f)}
              >
                <Columns3 size={12} />
              </button>
            </div>
            {fv === 'loading' && <div className="logs-field-note muted">Reading…</div>}
            {fv && typeof fv === 'object' && 'error' in fv && (
              <div className="logs-field-note logs-query-error">{fv.error}</div>
            )}
            {fv && typeof fv === 'object' && 'values' in fv && (
              <div className="logs-field-values">
                {fv.values.length === 0 && (
                  <div className="logs-field-note muted">No values in the sample.</div>
                )}
                {fv.values.map((v) => {
                  const pct = fv.sampled ? Math.round((v.count / fv.sampled) * 100) : 0;
                  return (
                    <div
                      key={String(v.value)}
                      className="logs-field-value"
                      data-testid={logsTestIds.fieldValue}
                      data-field={f}
                      data-value={String(v.value)}
                    >
                      <span className="logs-field-value-text" title={String(v.value)}>
                        {String(v.value)}
                      </span>
                      <span className="muted">{pct}%</span>
                      <button
                        className="icon-btn"
                        title={`Filter for ${f}:${String(v.value)}`}
                        data-testid={logsTestIds.filterInclude}
                        onClick={() => void filterOn(f, v.value, false)}
                      >
                        <Plus size={12} />
                      </button>
                      <button
                        className="icon-btn"
                        title={`Filter out ${f}:${String(v.value)}`}
                        data-testid={logsTestIds.filterExclude}
                        onClick={() => void filterOn(f, v.value, true)}
                      >
                        <Minus size={12} />
                      </button>
                      <span className="logs-field-bar" style={{ width: `${pct}%` }} />
                    </div>
                  );
                })}
                <div className="logs-field-note muted">
                  In {fv.present.toLocaleString()} of the newest {fv.sampled.toLocaleString()} records
                </div>
              </div>
            )}
          </div>
        );
      })}
    </div>
  );
}
