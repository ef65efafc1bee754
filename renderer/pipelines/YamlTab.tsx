import { lazy, Suspense, useMemo, useState } from 'react';
import { setYamlText, usePipelineEditor } from './store';
import { pipelineTestIds as ids } from './testids';

const CodeEditor = lazy(() => import('./CodeEditor').then((m) => ({ default: m.CodeEditor })));

/** The pipeline file as text: edits re-validate at once and update the graph; problems are marked in place. */
export function YamlTab() {
  const yaml = usePipelineEditor((s) => s.yaml);
  const problems = usePipelineEditor((s) => s.problems);
  const file = usePipelineEditor((s) => s.file);
  const [reveal, setReveal] = useState<number | null>(null);
  const markers = useMemo(
    () => problems.map((p) => ({ offset: p.offset, endOffset: p.endOffset, message: p.message })),
    [problems],
  );
  return (
    <div className="yaml-tab">
      <div className="yaml-editor-host" data-testid={ids.yamlEditor}>
        <Suspense fallback={<pre className="code-fallback">{yaml}</pre>}>
          <CodeEditor
            value={yaml}
            language="yaml"
            onChange={setYamlText}
            markers={markers}
            fill
            ariaLabel={file}
            revealOffset={reveal}
          />
        </Suspense>
      </div>
      <div className="yaml-problems">
        {problems.length === 0 ? (
          <span className="ok-text">No problems</span>
        ) : (
          problems.map((p, i) => (
            <button
              key={i}
              className="problem-row link"
              onClick={() => setReveal(p.offset + Math.random() * 1e-6)}
            >
              <span className="problem-where">
                {file}:{p.line}:{p.column}
              </span>
              <span>{p.message}</span>
            </button>
          ))
        )}
      </div>
    </div>
  );
}
