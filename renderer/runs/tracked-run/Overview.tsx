import type { Experiment, Run } from '../../../shared/tracker/model';
import { formatDuration, formatTime, runDuration, shortId } from '../format';
import { shortVersion } from '../provenance';
import { useRuns } from '../store';
import { runsTestIds } from '../testids';
import { SourceLink } from './SourceLink';

const openRun = (runId: string) => useRuns.getState().setView({ kind: 'run', runId });

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

/** Id, experiment, times, user, what produced the run, its parent and children, the datasets it read. */
export function Overview({
  run,
  childRuns,
  experiment,
}: {
  run: Run;
  childRuns: Run[];
  experiment: Experiment | undefined;
}) {
  const i = run.info;
  return (
    <section className="cmp-section">
      <dl className="run-overview">
        <Field label="Run ID">
          <span className="mono">{i.runId}</span>
        </Field>
        <Field label="Experiment">{experiment?.name ?? i.experimentId}</Field>
        <Field label="Started">{formatTime(i.startTime)}</Field>
        <Field label="Ended">{i.endTime ? formatTime(i.endTime) : <span className="muted">—</span>}</Field>
        <Field label="Duration">
          {formatDuration(runDuration(i.startTime, i.endTime, i.status, Date.now()))}
        </Field>
        <Field label="User">{i.userId}</Field>
        <Field label="Produced by">
          <span className="run-source" data-testid={runsTestIds.runSource}>
            <SourceLink run={run} />
            {i.source.version && (
              <span className="run-source-version" title={i.source.version}>
                (version <span className="mono">{shortVersion(i.source.version)}</span>)
              </span>
            )}
          </span>
        </Field>
        <Field label="Artifacts">
          <span className="mono">{i.artifactUri}</span>
        </Field>
        {i.parentRunId && (
          <Field label="Parent run">
            <button className="runs-link" onClick={() => openRun(i.parentRunId as string)}>
              {shortId(i.parentRunId)}
            </button>
          </Field>
        )}
        {childRuns.length > 0 && (
          <Field label="Child runs">
            {childRuns.map((c) => (
              <button
                key={c.info.runId}
                className="runs-link run-child"
                onClick={() => openRun(c.info.runId)}
              >
                {c.info.runName || shortId(c.info.runId)}
              </button>
            ))}
          </Field>
        )}
        {run.inputs.length > 0 && (
          <Field label="Datasets">
            {run.inputs
              .map(
                (d) =>
                  `${d.name} (${d.tags['mlflow.data.context'] ?? d.sourceType}, ${d.digest.slice(0, 8)})`,
              )
              .join(', ')}
          </Field>
        )}
      </dl>
    </section>
  );
}
