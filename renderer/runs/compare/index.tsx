import { useEffect, useMemo, useState } from 'react';
import { errorMessage } from '../../../shared/errors';
import type { Run } from '../../../shared/tracker/model';
import { fetchRuns, watchRuns } from '../actions';
import { compareRows, runColor } from '../analysis';
import type { RunLegend } from '../chart-options';
import { shortId } from '../format';
import { COMPARE_MAX_RUNS, useRuns } from '../store';
import { runsTestIds } from '../testids';
import { Section, Switch } from './blocks';
import { Legend } from './Legend';
import { MetricCharts } from './MetricCharts';
import { MetricsTable } from './MetricsTable';
import { Plots } from './Plots';
import { RunDetails } from './RunDetails';
import { ValuesTable } from './ValuesTable';

/**
 * Side-by-side comparison of 2..COMPARE_MAX_RUNS tracked runs, from one or several experiments; `selectedCount`
 * says how many were selected when that was more.
 */
export function ComparePage({ runIds, selectedCount }: { runIds: string[]; selectedCount?: number }) {
  const experiments = useRuns((s) => s.experiments);
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [hidden, setHidden] = useState<Set<string>>(() => new Set());
  const [onlyParamDiff, setOnlyParamDiff] = useState(false);
  const [onlyMetricDiff, setOnlyMetricDiff] = useState(false);
  const [vsBaseline, setVsBaseline] = useState(true);
  const [onlyTagDiff, setOnlyTagDiff] = useState(true);
  const [systemTags, setSystemTags] = useState(false);

  useEffect(() => {
    let live = true;
    const load = () =>
      fetchRuns(runIds)
        .then((r) => live && (setRuns(r), setError(null)))
        // The answer, error or not, of a view no longer shown (unmounted or asked again) is not wanted.
        .catch((err: unknown) => live && setError(errorMessage(err)));
    void load();
    const off = watchRuns(runIds, () => void load());
    return () => {
      live = false;
      off();
    };
  }, [runIds]);

  const legendAll = useMemo<RunLegend[]>(
    () =>
      (runs ?? []).map((r, i) => ({
        runId: r.info.runId,
        name: r.info.runName || shortId(r.info.runId),
        color: runColor(i),
      })),
    [runs],
  );
  const shownRuns = useMemo(() => (runs ?? []).filter((r) => !hidden.has(r.info.runId)), [runs, hidden]);
  const legend = useMemo(() => legendAll.filter((l) => !hidden.has(l.runId)), [legendAll, hidden]);
  const paramRows = useMemo(
    () =>
      compareRows(
        shownRuns.map((r) => r.params),
        { onlyDifferences: onlyParamDiff },
      ),
    [shownRuns, onlyParamDiff],
  );
  const allParamRows = useMemo(() => compareRows(shownRuns.map((r) => r.params)), [shownRuns]);
  const tagRows = useMemo(
    () =>
      compareRows(
        shownRuns.map((r) => r.tags),
        {
          onlyDifferences: onlyTagDiff,
          hideKey: (k) => !systemTags && (k.startsWith('mlflow.') || k.startsWith('lakebench.')),
        },
      ),
    [shownRuns, onlyTagDiff, systemTags],
  );

  if (error) return <div className="runs-search-error">Could not load the runs: {error}</div>;
  if (!runs) return <div className="runs-empty muted">Loading {runIds.length} runs…</div>;
  if (runs.length < 2)
    return (
      <div className="runs-empty muted">
        {runs.length === 1
          ? 'Only one of the selected runs still exists.'
          : 'None of the selected runs exists any more.'}
      </div>
    );

  const paramKeys = allParamRows.map((r) => r.key);
  const differing = allParamRows.filter((r) => r.differs).map((r) => r.key);
  const metricKeys = [...new Set(shownRuns.flatMap((r) => Object.keys(r.metrics)))].sort();

  return (
    <div className="cmp-view" data-testid={runsTestIds.compareView} data-run-count={shownRuns.length}>
      {selectedCount !== undefined && selectedCount > runIds.length && (
        <div className="cmp-capped" role="status" data-testid={runsTestIds.compareCapped}>
          Comparing the first {runIds.length} of the {selectedCount.toLocaleString()} selected runs (at most{' '}
          {COMPARE_MAX_RUNS} side by side). Narrow the filter or select fewer runs to compare others.
        </div>
      )}
      <Legend legend={legendAll} hidden={hidden} setHidden={setHidden} />

      <Section title="Run details">
        <RunDetails runs={shownRuns} legend={legend} experiments={experiments} />
      </Section>

      <Section
        title={`Parameters${differing.length ? ` · ${differing.length} differ` : ''}`}
        tools={
          <Switch
            on={onlyParamDiff}
            set={setOnlyParamDiff}
            label="Only differences"
            testId={runsTestIds.compareOnlyDiff}
          />
        }
      >
        <ValuesTable
          rows={paramRows}
          legend={legend}
          testId={runsTestIds.compareParam}
          empty={paramKeys.length ? 'Every param is the same in these runs.' : 'No params logged.'}
        />
      </Section>

      <Section
        title="Metrics (latest value; best marked)"
        tools={
          <>
            <Switch on={vsBaseline} set={setVsBaseline} label="Δ vs first run" />
            <Switch on={onlyMetricDiff} set={setOnlyMetricDiff} label="Only differences" />
          </>
        }
      >
        <MetricsTable runs={shownRuns} legend={legend} onlyDiff={onlyMetricDiff} vsBaseline={vsBaseline} />
      </Section>

      <MetricCharts runs={shownRuns} legend={legend} />

      <Plots
        runs={shownRuns}
        legend={legend}
        paramKeys={paramKeys}
        metricKeys={metricKeys}
        differing={differing}
      />

      <Section
        title="Tags"
        tools={
          <>
            <Switch on={systemTags} set={setSystemTags} label="System tags" />
            <Switch on={onlyTagDiff} set={setOnlyTagDiff} label="Only differences" />
          </>
        }
      >
        <ValuesTable
          rows={tagRows}
          legend={legend}
          testId={(k) => `compare-tag-${k}`}
          empty="No tags to show."
        />
      </Section>
    </div>
  );
}
