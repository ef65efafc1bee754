/**
 * Stable selectors of the Pipelines area for end-to-end tests (`[data-testid="..."]`). Change them only together
 * with test/e2e/pipelines*.ts.
 *
 * Side panel
 *   pipelines-panel             the side panel
 *   new-pipeline                "New pipeline" button (asks for the id in the app's prompt: notebook dialog ids)
 *   pipeline-item-<id>          a pipeline in the list (click to open); inside it:
 *   pipeline-state-<id>           the last run's state dot (title = state)
 *   pipeline-problems-<id>        the problem count, when there are problems
 *   pipeline-delete-<id>        its delete button (then dialog-ok in the confirmation)
 *
 * Main view
 *   pipeline-view               the open pipeline's main view
 *   pipeline-tab-<tab>          tabs: graph | yaml | grid | gantt | runs
 *   pipeline-save-state         "Saved", "Saving…", "Unsaved changes", "Changed on disk"
 *   pipeline-conflict           the changed-on-disk prompt (buttons pipeline-conflict-reload, -overwrite)
 *   pipeline-run                Run button (opens the params dialog when the pipeline has params)
 *   run-dialog                  the params dialog: run-param-<name> inputs, run-param-problem-<name> (what is
 *                               wrong with a value), run-logical-date, pipeline-run-confirm ("Run")
 *   pipeline-backfill           Backfill button; the dialog backfill-dialog: backfill-from, backfill-to,
 *                               backfill-max-active (runs at a time), backfill-rerun (checkbox),
 *                               backfill-task-filter, backfill-task-<id> checkboxes, backfill-plan,
 *                               backfill-plan-row (one per planned run; attribute data-action = create | skip |
 *                               rerun | fill, data-date = the logical date as shown), backfill-summary,
 *                               backfill-start
 *
 * Graph (editor canvas)
 *   palette-<type>              a task type to drag onto the canvas; type = sql | notebook | python | shell
 *   pipeline-canvas             the React Flow canvas (drop target)
 *   pipeline-node-<task>        a task node; attribute data-state = the coloured run's state, data-problem
 *                               = "true" when the task has problems
 *   node-problem-<task>         the node's first problem message
 *   node-state-<task>           the node's run state text
 *   handle-in-<task>            the node's input handle (its dependencies come in here)
 *   handle-out-<task>           the node's output handle (drag from here to a downstream task's handle-in)
 *   edge-refusal                the banner that says why an edge was refused (names the cycle)
 *   graph-undo, graph-redo, graph-layout, graph-fit, graph-delete, graph-copy, graph-paste   toolbar buttons
 *   graph-run-select            the run the graph is coloured by
 *   layout-progress             a large pipeline's layout running in the background (layout-cancel stops it)
 *   graph-overview              the corner map of a large pipeline (click or drag to move the view)
 *   problems-list               the pipeline's problems under the canvas (when there are any)
 *
 * Task form (side panel of the editor, for the selected task)
 *   task-form                   the form; task-id-input, task-trigger-rule, task-retries, task-retry-delay,
 *                               task-timeout, task-dep-<id> (a dependency's chip), task-dep-add (select to add
 *                               one; tasks downstream are not offered), task-code-editor
 *                               (Monaco for sql / python / shell; click it, then type), task-notebook-input,
 *                               task-delete
 *
 * YAML tab
 *   yaml-editor                 Monaco with the file's text
 *
 * Grid, details, Gantt, runs
 *   grid                        the grid; grid-square-<runIndex>-<task> a square (runIndex 0 = oldest shown),
 *                               attribute data-state = its state; grid-run-<runIndex> a column's duration bar
 *   try-details                 the details of the clicked square: try-title (the task), try-state, try-error,
 *                               try-log (text; attribute data-complete = "true" once the try has ended),
 *                               try-rendered, try-output, try-clear, try-clear-downstream, try-mark-success,
 *                               try-mark-failed, try-mark-downstream (checkbox: marks take the downstream
 *                               tasks too), try-select-<n>
 *   log search (in try-details) log-search-input, log-search-case, log-search-regex, log-search-context (lines
 *                               around each match), log-search-count ("3 of 6 matches"), log-search-prev,
 *                               log-search-next, log-search-results; in it log-match (one per match; attribute
 *                               data-current = "true" on the current one, data-line = its line) with log-hit
 *                               (the matching line; the matched text in <mark>) and log-context lines
 *   gantt                       the Gantt chart; gantt-bar-<task>-<try> one try's bar
 *   runs-list                   the run list; run-row-<runId> (attribute data-state), run-cancel-<runId> (then
 *                               dialog-ok in the confirmation)
 */
export const pipelineTestIds = {
  panel: 'pipelines-panel',
  newPipeline: 'new-pipeline',
  item: (id: string) => `pipeline-item-${id}`,
  itemState: (id: string) => `pipeline-state-${id}`,
  itemProblems: (id: string) => `pipeline-problems-${id}`,
  itemDelete: (id: string) => `pipeline-delete-${id}`,
  view: 'pipeline-view',
  tab: (tab: string) => `pipeline-tab-${tab}`,
  saveState: 'pipeline-save-state',
  conflict: 'pipeline-conflict',
  conflictReload: 'pipeline-conflict-reload',
  conflictOverwrite: 'pipeline-conflict-overwrite',
  run: 'pipeline-run',
  runConfirm: 'pipeline-run-confirm',
  runDialog: 'run-dialog',
  runParam: (name: string) => `run-param-${name}`,
  runParamProblem: (name: string) => `run-param-problem-${name}`,
  runLogicalDate: 'run-logical-date',
  backfill: 'pipeline-backfill',
  backfillDialog: 'backfill-dialog',
  backfillFrom: 'backfill-from',
  backfillTo: 'backfill-to',
  backfillMaxActive: 'backfill-max-active',
  backfillRerun: 'backfill-rerun',
  backfillTaskFilter: 'backfill-task-filter',
  backfillPlan: 'backfill-plan',
  backfillPlanRow: 'backfill-plan-row',
  backfillSummary: 'backfill-summary',
  backfillTask: (id: string) => `backfill-task-${id}`,
  backfillStart: 'backfill-start',
  palette: (type: string) => `palette-${type}`,
  canvas: 'pipeline-canvas',
  node: (id: string) => `pipeline-node-${id}`,
  nodeProblem: (id: string) => `node-problem-${id}`,
  nodeState: (id: string) => `node-state-${id}`,
  handleIn: (id: string) => `handle-in-${id}`,
  handleOut: (id: string) => `handle-out-${id}`,
  edgeRefusal: 'edge-refusal',
  undo: 'graph-undo',
  redo: 'graph-redo',
  layout: 'graph-layout',
  fit: 'graph-fit',
  deleteSelection: 'graph-delete',
  copy: 'graph-copy',
  paste: 'graph-paste',
  runSelect: 'graph-run-select',
  layoutProgress: 'layout-progress',
  layoutCancel: 'layout-cancel',
  overview: 'graph-overview',
  problems: 'problems-list',
  taskForm: 'task-form',
  taskIdInput: 'task-id-input',
  taskTriggerRule: 'task-trigger-rule',
  taskRetries: 'task-retries',
  taskRetryDelay: 'task-retry-delay',
  taskTimeout: 'task-timeout',
  taskDep: (id: string) => `task-dep-${id}`,
  taskDepAdd: 'task-dep-add',
  taskCodeEditor: 'task-code-editor',
  taskNotebookInput: 'task-notebook-input',
  taskDelete: 'task-delete',
  yamlEditor: 'yaml-editor',
  grid: 'grid',
  gridSquare: (runIndex: number, task: string) => `grid-square-${runIndex}-${task}`,
  gridRun: (runIndex: number) => `grid-run-${runIndex}`,
  tryDetails: 'try-details',
  tryTitle: 'try-title',
  tryState: 'try-state',
  tryError: 'try-error',
  tryLog: 'try-log',
  tryRendered: 'try-rendered',
  tryOutput: 'try-output',
  trySelect: (n: number) => `try-select-${n}`,
  logSearchInput: 'log-search-input',
  logSearchCase: 'log-search-case',
  logSearchRegex: 'log-search-regex',
  logSearchContext: 'log-search-context',
  logSearchCount: 'log-search-count',
  logSearchPrev: 'log-search-prev',
  logSearchNext: 'log-search-next',
  logSearchResults: 'log-search-results',
  logMatch: 'log-match',
  logHit: 'log-hit',
  logContext: 'log-context',
  tryClear: 'try-clear',
  tryClearDownstream: 'try-clear-downstream',
  tryMarkSuccess: 'try-mark-success',
  tryMarkFailed: 'try-mark-failed',
  tryMarkDownstream: 'try-mark-downstream',
  gantt: 'gantt',
  ganttBar: (task: string, tryNumber: number) => `gantt-bar-${task}-${tryNumber}`,
  runsList: 'runs-list',
  runRow: (runId: string) => `run-row-${runId}`,
  runCancel: (runId: string) => `run-cancel-${runId}`,
} as const;
