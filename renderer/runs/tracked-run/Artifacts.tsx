import { File, Folder, FolderOpen } from 'lucide-react';
import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../../../shared/errors';
import type { ArtifactContent, ArtifactEntry, Run } from '../../../shared/tracker/model';
import { ErrorBoundary } from '../../common/ErrorBoundary';
import { listRunArtifacts, readRunArtifact } from '../actions';
import { runsTestIds } from '../testids';
import { ArtifactPreview } from './ArtifactPreview';

/** The run's artifact folders as a tree, and a preview of the file chosen. */
export function Artifacts({ run }: { run: Run }) {
  const [dirs, setDirs] = useState<Record<string, ArtifactEntry[]>>({});
  const [open, setOpen] = useState<Set<string>>(() => new Set(['']));
  const [chosen, setChosen] = useState<string | null>(null);
  const [content, setContent] = useState<ArtifactContent | null>(null);
  const [error, setError] = useState<string | null>(null);
  const list = useCallback(
    async (path: string) => {
      try {
        const files = await listRunArtifacts(run.info.runId, path);
        setDirs((d) => ({ ...d, [path]: files }));
      } catch (err) {
        setError(errorMessage(err));
      }
    },
    [run.info.runId],
  );
  useEffect(() => void list(''), [list]);
  const show = async (path: string) => {
    setChosen(path);
    setContent(null);
    try {
      setContent(await readRunArtifact(run.info.runId, path));
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const tree = (path: string, depth: number): React.ReactNode =>
    (dirs[path] ?? []).map((e) => {
      const name = e.path.split('/').pop() ?? e.path;
      const isOpen = open.has(e.path);
      return (
        <div key={e.path}>
          <div
            className={`tree-row${chosen === e.path ? ' active' : ''}`}
            style={{ paddingLeft: 8 + depth * 12 }}
            data-testid={runsTestIds.runArtifact(e.path)}
            onClick={() => {
              if (!e.isDir) return void show(e.path);
              setOpen((o) => {
                const n = new Set(o);
                if (n.has(e.path)) n.delete(e.path);
                else {
                  n.add(e.path);
                  if (!dirs[e.path]) void list(e.path);
                }
                return n;
              });
            }}
          >
            {e.isDir ? (
              isOpen ? (
                <FolderOpen size={13} className="file-icon dir" />
              ) : (
                <Folder size={13} className="file-icon dir" />
              )
            ) : (
              <File size={13} className="file-icon" />
            )}
            <span className="tree-name">{name}</span>
            {e.fileSize !== null && <span className="tree-meta">{e.fileSize.toLocaleString()}</span>}
          </div>
          {e.isDir && isOpen && tree(e.path, depth + 1)}
        </div>
      );
    });
  return (
    <section className="cmp-section">
      <div className="cmp-section-head">
        <h3>Artifacts</h3>
      </div>
      {error && <div className="runs-search-error">{error}</div>}
      {dirs['']?.length === 0 ? (
        <div className="muted cmp-empty">No artifacts logged.</div>
      ) : (
        <div className="artifact-browser">
          <div className="artifact-tree">{tree('', 0)}</div>
          <div className="artifact-preview" data-testid={runsTestIds.runArtifactPreview}>
            {chosen === null ? (
              <div className="muted">Choose a file to preview it.</div>
            ) : content ? (
              <ErrorBoundary what="This preview" resetKey={chosen}>
                <div className="artifact-path mono">{chosen}</div>
                <ArtifactPreview content={content} />
              </ErrorBoundary>
            ) : (
              <div className="muted">Loading {chosen}…</div>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
