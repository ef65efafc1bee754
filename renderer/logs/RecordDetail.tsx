import { Columns3, ExternalLink, GitBranch, ListTree, Minus, Plus, X } from 'lucide-react';
import { QUERY_COLUMNS, type LogHit, type LogRecord } from '../../shared/logs/model';
import {
  filterOn,
  loadFullMessage,
  openRecordNotebook,
  openRecordTry,
  showContext,
  toggleDetail,
  toggleTableColumn,
} from './actions';
import { cellText, Highlighted } from './DocumentTable';
import { formatTime, useLogs } from './store';
import { logsTestIds } from './testids';

/** The record columns shown in the details, in this order, when they have a value. */
const DETAIL_COLUMNS: readonly (keyof LogRecord)[] = [
  ...QUERY_COLUMNS.filter((c) => c !== 'time' && c !== 'message'),
  'messageBytes',
];

function flatFields(obj: Record<string, unknown>, prefix = 'fields'): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(obj)) {
    const name = `${prefix}.${k}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      out.push(...flatFields(v as Record<string, unknown>, name));
    else out.push([name, v]);
  }
  return out;
}

function FieldRow({ name, value }: { name: string; value: unknown }) {
  const columns = useLogs((s) => s.columns);
  const filterable = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  return (
    <tr data-testid={logsTestIds.detailField} data-field={name}>
      <td className="logs-detail-actions">
        {filterable && (
          <>
            <button
              className="icon-btn"
              title={`Filter for ${name}:${String(value)}`}
              data-testid={logsTestIds.filterInclude}
              onClick={() => void filterOn(name, value, false)}
            >
              <Plus size={12} />
            </button>
            <button
              className="icon-btn"
              title={`Filter out ${name}:${String(value)}`}
              data-testid={logsTestIds.filterExclude}
              onClick={() => void filterOn(name, value, true)}
            >
              <Minus size={12} />
            </button>
          </>
        )}
        <button
          className={`icon-btn${columns.includes(name) ? ' active' : ''}`}
          title={columns.includes(name) ? 'Remove the column' : 'Show as a column'}
          onClick={() => toggleTableColumn(name)}
        >
          <Columns3 size={12} />
        </button>
      </td>
      <td className="logs-detail-name">{name}</td>
      <td className="logs-detail-value">{cellText(value)}</td>
    </tr>
  );
}

/** The open record: its message (whole on demand), every field with filters, context and where it came from. */
export function RecordDetail({ hit }: { hit: LogHit }) {
  const r = hit.record;
  const full = useLogs((s) => s.fullMessages[r.id]);
  return (
    <aside className="logs-detail" data-testid={logsTestIds.detail} aria-label="Record details">
      <div className="logs-detail-head">
        <span>{formatTime(r.time)}</span>
        <span className="logs-detail-spacer" />
        <button className="btn" data-testid={logsTestIds.showContext} onClick={() => void showContext(r.id)}>
          <ListTree size={13} /> Show in context
        </button>
        {r.pipelineId && (
          <button
            className="btn"
            data-testid={logsTestIds.openTry}
            title={`Open the try in the Pipelines area`}
            onClick={() => void openRecordTry(r)}
          >
            <GitBranch size={13} /> {r.taskId ? `${r.taskId} try ${r.tryNumber ?? ''}` : r.pipelineId}
          </button>
        )}
        {r.notebook && (
          <button
            className="btn"
            data-testid={logsTestIds.openNotebook}
            title="Open the notebook"
            onClick={() => void openRecordNotebook(r)}
          >
            <ExternalLink size={13} /> {r.notebook}
            {r.cellId ? `, cell ${r.cellId}` : ''}
          </button>
        )}
        <button className="icon-btn" aria-label="Close the details" onClick={() => toggleDetail(r.id)}>
          <X size={14} />
        </button>
      </div>
      <pre className="logs-detail-message">
        {full && full !== 'loading' ? (
          <span data-testid={logsTestIds.fullText}>{full.message}</span>
        ) : (
          <Highlighted hit={hit} />
        )}
      </pre>
      {r.truncated && (!full || full === 'loading') && (
        <button
          className="btn"
          data-testid={logsTestIds.fullMessage}
          disabled={full === 'loading'}
          onClick={() => void loadFullMessage(r.id)}
        >
          {full === 'loading' ? 'Reading…' : `Show full message (${r.messageBytes.toLocaleString()} bytes)`}
        </button>
      )}
      {full && full !== 'loading' && !full.complete && (
        <div className="muted">Only the start of this message was kept.</div>
      )}
      {r.invalidUtf8 && <div className="muted">The output was not valid UTF-8; bad bytes show as �.</div>}
      <table className="logs-detail-fields">
        <tbody>
          {DETAIL_COLUMNS.filter((c) => r[c] !== null).map((c) => (
            <FieldRow key={c} name={c} value={r[c]} />
          ))}
          {flatFields(r.fields).map(([k, v]) => (
            <FieldRow key={k} name={k} value={v} />
          ))}
        </tbody>
      </table>
    </aside>
  );
}
