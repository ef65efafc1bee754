/**
 * Stable selectors of the Runs area for end-to-end tests (`[data-testid="..."]`). Change them only together
 * with test/e2e/runs.e2e.ts and test/e2e/runs-pages.ts.
 *
 * Side panel
 *   runs-new-experiment        "New experiment" button (name input: runs-experiment-name-input)
 *   runs-experiment-<id>       an experiment row; click selects it alone, Ctrl/Cmd-click adds it to the selection
 *   runs-show-deleted          toggles the listing of deleted experiments
 *   runs-models                the Models (registry) entry
 *
 * Runs table
 *   runs-filter                the filter box; runs-filter-error shows what is wrong and where
 *   runs-filter-suggestion     one completion entry (several)
 *   runs-grid                  the runs grid container (a canvas; rows are listed in runs-visible-rows)
 *   runs-visible-rows          visually hidden list of the loaded rows: one <li data-run-id> per run, in order
 *   runs-count                 "N runs" (and "· M selected", or "· All N matching runs selected" after select all)
 *   runs-select-all            "Select all N": selects every run matching the filter (shown while some are selected);
 *                              the grid's header checkbox does the same
 *   runs-compare               opens the compare view for the selected runs (enabled with 2 or more; the first
 *                              COMPARE_MAX_RUNS of a larger selection)
 *   runs-columns               the column chooser button
 *
 * Run page
 *   run-page, run-status, run-mark-failed, run-description, run-description-edit, run-tag-<key>,
 *   run-artifact-<path>, run-artifact-preview
 *   run-source                 "Produced by": what logged the run (notebook, pipeline task and try, script) and
 *                              the file's version
 *   run-source-link            opens the notebook, or the pipeline with its run (and task) in the Pipelines area
 *
 * Compare view
 *   compare-view               the view; data-run-count = number of runs compared
 *   compare-capped             the note shown when more runs were selected than compare shows
 *   compare-param-<key>        a params row; data-differs = "true" when the runs' values differ
 *   compare-diff-cell          a highlighted cell (a value that differs from the first run's)
 *   compare-only-diff          the "only differences" switch of the params table
 *   compare-metric-<key>       a metrics row; its best cell carries compare-best-cell
 *   compare-chart-<key>        a metric chart; data-series = run ids drawn, comma separated (read back from the chart)
 *   compare-legend-<runId>     a legend entry of the charts
 *   compare-parallel, compare-scatter, compare-groups
 *
 * Models
 *   models-page, model-<name>, model-version-<n>, model-rollback, model-version-at-input, model-version-at-result,
 *   model-timeline
 */
export const runsTestIds = {
  newExperiment: 'runs-new-experiment',
  experimentNameInput: 'runs-experiment-name-input',
  experiment: (id: string) => `runs-experiment-${id}`,
  showDeleted: 'runs-show-deleted',
  models: 'runs-models',
  filter: 'runs-filter',
  filterError: 'runs-filter-error',
  filterSuggestion: 'runs-filter-suggestion',
  grid: 'runs-grid',
  visibleRows: 'runs-visible-rows',
  count: 'runs-count',
  selectAll: 'runs-select-all',
  compare: 'runs-compare',
  columns: 'runs-columns',
  runPage: 'run-page',
  runStatus: 'run-status',
  runMarkFailed: 'run-mark-failed',
  runDescription: 'run-description',
  runDescriptionEdit: 'run-description-edit',
  runTag: (key: string) => `run-tag-${key}`,
  runArtifact: (path: string) => `run-artifact-${path}`,
  runArtifactPreview: 'run-artifact-preview',
  runSource: 'run-source',
  runSourceLink: 'run-source-link',
  compareView: 'compare-view',
  compareCapped: 'compare-capped',
  compareParam: (key: string) => `compare-param-${key}`,
  compareDiffCell: 'compare-diff-cell',
  compareOnlyDiff: 'compare-only-diff',
  compareMetric: (key: string) => `compare-metric-${key}`,
  compareBestCell: 'compare-best-cell',
  compareChart: (key: string) => `compare-chart-${key}`,
  compareLegend: (runId: string) => `compare-legend-${runId}`,
  compareParallel: 'compare-parallel',
  compareScatter: 'compare-scatter',
  compareGroups: 'compare-groups',
  modelsPage: 'models-page',
  model: (name: string) => `model-${name}`,
  modelVersion: (v: number) => `model-version-${v}`,
  modelRollback: 'model-rollback',
  modelVersionAtInput: 'model-version-at-input',
  modelVersionAtResult: 'model-version-at-result',
  modelTimeline: 'model-timeline',
} as const;
