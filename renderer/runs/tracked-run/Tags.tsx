import { Plus, Trash2 } from 'lucide-react';
import { useState } from 'react';
import type { Run } from '../../../shared/tracker/model';
import { reportError } from '../../state/toasts';
import { deleteRunTag, setRunTag } from '../actions';
import { runsTestIds } from '../testids';

/** The run's tags: each value edited in place, deleted, or a new one added. */
export function Tags({ run, reload }: { run: Run; reload(): void }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [showSystem, setShowSystem] = useState(false);
  const entries = Object.entries(run.tags)
    .filter(([k]) => showSystem || !(k.startsWith('mlflow.') || k.startsWith('lakebench.')))
    .sort(([a], [b]) => a.localeCompare(b));
  const set = async (k: string, v: string) => {
    try {
      await setRunTag(run.info.runId, k, v);
      reload();
    } catch (err) {
      reportError(`Could not set the tag ${k}`, err);
    }
  };
  const del = async (k: string) => {
    try {
      await deleteRunTag(run.info.runId, k);
      reload();
    } catch (err) {
      reportError(`Could not delete the tag ${k}`, err);
    }
  };
  return (
    <section className="cmp-section">
      <div className="cmp-section-head">
        <h3>Tags</h3>
        <span className="spacer" />
        <label className="cmp-switch">
          <input type="checkbox" checked={showSystem} onChange={(e) => setShowSystem(e.target.checked)} />{' '}
          System tags
        </label>
      </div>
      <table className="cmp-table run-kv">
        <tbody>
          {entries.map(([k, v]) => (
            <tr key={k} data-testid={runsTestIds.runTag(k)}>
              <td className="cmp-key-col">{k}</td>
              <td>
                <input
                  className="run-tag-input"
                  defaultValue={v}
                  key={v}
                  aria-label={`Value of ${k}`}
                  onKeyDown={(e) => e.key === 'Enter' && void set(k, e.currentTarget.value)}
                  onBlur={(e) => e.currentTarget.value !== v && void set(k, e.currentTarget.value)}
                />
              </td>
              <td className="run-kv-actions">
                <button className="icon-btn" title={`Delete the tag ${k}`} onClick={() => void del(k)}>
                  <Trash2 size={13} />
                </button>
              </td>
            </tr>
          ))}
          <tr>
            <td className="cmp-key-col">
              <input
                className="run-tag-input"
                placeholder="new tag"
                value={key}
                onChange={(e) => setKey(e.target.value)}
                aria-label="New tag key"
              />
            </td>
            <td>
              <input
                className="run-tag-input"
                placeholder="value"
                value={value}
                aria-label="New tag value"
                onChange={(e) => setValue(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' && key.trim())
                    void set(key.trim(), value).then(() => (setKey(''), setValue('')));
                }}
              />
            </td>
            <td className="run-kv-actions">
              <button
                className="icon-btn"
                title="Add the tag"
                disabled={!key.trim()}
                onClick={() => void set(key.trim(), value).then(() => (setKey(''), setValue('')))}
              >
                <Plus size={13} />
              </button>
            </td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}
