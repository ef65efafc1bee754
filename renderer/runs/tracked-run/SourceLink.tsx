import { ExternalLink, GitBranch } from 'lucide-react';
import type { Run } from '../../../shared/tracker/model';
import { openNotebook } from '../../notebooks/actions';
import {
  loadRuns as loadPipelineRuns,
  openSquare,
  selectRun as selectPipelineRun,
} from '../../pipelines/runs-store';
import { openPipeline, setTab } from '../../pipelines/store';
import { useApp } from '../../state/app';
import { describePipelineProvenance, pipelineProvenance, type PipelineProvenance } from '../provenance';
import { runsTestIds } from '../testids';

/**
 * Opens a pipeline in the Pipelines area on its Grid, with the run selected and, for a task's try, that task's
 * details open: where the run on this page came from.
 */
async function openPipelineRun(p: PipelineProvenance): Promise<void> {
  useApp.getState().setArea('pipelines');
  await openPipeline(p.pipeline);
  setTab('grid');
  if (!p.pipelineRun) return;
  await loadPipelineRuns(p.pipeline);
  if (p.task) openSquare(p.pipelineRun, p.task);
  else selectPipelineRun(p.pipelineRun);
}

/** What produced the run, as a link that opens it: the notebook (and cell), or the pipeline task and try. */
export function SourceLink({ run }: { run: Run }) {
  const s = run.info.source;
  if (s.kind === 'notebook' && s.notebook) {
    const path = s.notebook;
    return (
      <button
        className="runs-link"
        data-testid={runsTestIds.runSourceLink}
        title="Open the notebook that logged this run"
        onClick={() => {
          useApp.getState().setArea('notebooks');
          void openNotebook(path);
        }}
      >
        <ExternalLink size={12} /> notebook {path}
        {s.cell ? `, cell ${s.cell}` : ''}
      </button>
    );
  }
  const p = pipelineProvenance(run);
  if (p) {
    return (
      <>
        <button
          className="runs-link"
          data-testid={runsTestIds.runSourceLink}
          title={
            p.pipelineRun
              ? `Open the pipeline ${p.pipeline} on its Grid at this run${p.task ? ` and task ${p.task}` : ''}`
              : `Open the pipeline ${p.pipeline}`
          }
          onClick={() => void openPipelineRun(p)}
        >
          <GitBranch size={12} /> {describePipelineProvenance(p)}
        </button>
        {p.pipelineRun && (
          <span className="muted" title={`The pipeline run ${p.pipelineRun}`}>
            · run{' '}
            {p.pipelineRun.startsWith(`${p.pipeline}__`)
              ? p.pipelineRun.slice(p.pipeline.length + 2)
              : p.pipelineRun}
          </span>
        )}
      </>
    );
  }
  return <span>{s.name ?? <span className="muted">unknown</span>}</span>;
}
