import { Pencil } from 'lucide-react';
import { useMemo, useState } from 'react';
import type { Run } from '../../../shared/tracker/model';
import { renderMarkdown } from '../../notebooks/markdown';
import { reportError } from '../../state/toasts';
import { saveRunDescription } from '../actions';
import { runsTestIds } from '../testids';

/** The run's Markdown description, edited in place. */
export function Description({ run, onSaved }: { run: Run; onSaved(r: Run): void }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(run.info.description);
  const html = useMemo(() => renderMarkdown(run.info.description), [run.info.description]);
  const save = async () => {
    try {
      onSaved(await saveRunDescription(run.info.runId, text));
      setEditing(false);
    } catch (err) {
      reportError('Could not save the description', err);
    }
  };
  return (
    <section className="cmp-section" data-testid={runsTestIds.runDescription}>
      <div className="cmp-section-head">
        <h3>Description</h3>
        <span className="spacer" />
        {!editing && (
          <button
            className="btn btn-small"
            data-testid={runsTestIds.runDescriptionEdit}
            onClick={() => (setText(run.info.description), setEditing(true))}
          >
            <Pencil size={12} /> Edit
          </button>
        )}
      </div>
      {editing ? (
        <div className="run-desc-edit">
          <textarea
            className="run-desc-text"
            value={text}
            autoFocus
            placeholder="Markdown: what this run tried, what came out of it"
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void save();
              if (e.key === 'Escape') setEditing(false);
            }}
          />
          <div className="dialog-buttons">
            <button className="btn btn-small" onClick={() => setEditing(false)}>
              Cancel
            </button>
            <button className="btn btn-small btn-primary" onClick={() => void save()}>
              Save
            </button>
          </div>
        </div>
      ) : run.info.description.trim() ? (
        <div className="markdown-body run-desc" dangerouslySetInnerHTML={{ __html: html }} />
      ) : (
        <div className="muted cmp-empty">No description.</div>
      )}
    </section>
  );
}
