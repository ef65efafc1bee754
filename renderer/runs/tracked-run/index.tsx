import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../../../shared/errors';
import type { Run } from '../../../shared/tracker/model';
import { ErrorBoundary } from '../../common/ErrorBoundary';
import { reportError } from '../../state/toasts';
import { fetchChildRuns, fetchRun, markRunFailed, watchRuns } from '../actions';
import { shortId } from '../format';
import { useRuns } from '../store';
import { runsTestIds } from '../testids';
import { Artifacts } from './Artifacts';
import { Description } from './Description';
import { Overview } from './Overview';
import { Params } from './Params';
import { RunMetrics } from './RunMetrics';
import { RunTitle } from './RunTitle';
import { Tags } from './Tags';

/** One tracked run: overview, description, params, metrics with charts, tags, artifacts, parent and children. */
export function RunPage({ runId }: { runId: string }) {
  const [run, setRun] = useState<Run | null>(null);
  const [children, setChildren] = useState<Run[]>([]);
  const [error, setError] = useState<string | null>(null);
  const experiments = useRuns((s) => s.experiments);
  const load = useCallback(() => {
    fetchRun(runId)
      .then((r) => {
        setRun(r);
        setError(null);
        return fetchChildRuns(r);
      })
      .then(setChildren)
      .catch((err: unknown) => setError(errorMessage(err)));
  }, [runId]);
  useEffect(() => {
    load();
    return watchRuns([runId], load);
  }, [load, runId]);

  if (error)
    return (
      <div className="runs-search-error">
        Could not load the run {shortId(runId)}: {error}
      </div>
    );
  if (!run) return <div className="runs-empty muted">Loading…</div>;
  const markFailed = async () => {
    try {
      setRun(await markRunFailed(runId));
    } catch (err) {
      reportError('Could not mark the run failed', err);
    }
  };
  return (
    <div className="cmp-view run-page" data-testid={runsTestIds.runPage}>
      <RunTitle run={run} onMarkFailed={() => void markFailed()} />
      <Overview
        run={run}
        childRuns={children}
        experiment={experiments.find((e) => e.experimentId === run.info.experimentId)}
      />
      <ErrorBoundary what="The description">
        <Description run={run} onSaved={setRun} />
      </ErrorBoundary>
      <Params run={run} />
      <ErrorBoundary what="The metrics">
        <RunMetrics run={run} />
      </ErrorBoundary>
      <ErrorBoundary what="The tags">
        <Tags run={run} reload={load} />
      </ErrorBoundary>
      <ErrorBoundary what="The artifacts">
        <Artifacts run={run} />
      </ErrorBoundary>
    </div>
  );
}
