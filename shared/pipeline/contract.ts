import { z } from 'zod';
import { request } from '../api/define';
import {
  ID_PATTERN,
  NodePositionsSchema,
  PipelineProblemSchema,
  PipelineRunSchema,
  PipelineRunSummarySchema,
  PipelineSchema,
  RUN_STATES,
  TaskInstanceSchema,
  TaskInstanceSummarySchema,
  TaskSourceSchema,
  TaskTrySchema,
} from './model';

/** The pipeline service's requests and events; merged into the one API contract in shared/api/contract.ts. */

const PipelineId = z.string().regex(ID_PATTERN, 'a pipeline id is letters, digits, _ . and -');
const TaskId = z.string().regex(ID_PATTERN, 'a task id is letters, digits, _ . and -');
const RunId = z.string().min(1).max(400);
/** A date `2026-01-01` or an ISO date-time. */
const DateArg = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/,
    'a date like 2026-01-01 or 2026-01-01T06:00:00Z',
  );
const YamlText = z.string().max(5_000_000, 'a pipeline file is at most 5 MB');
const ParamValues = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

export const PipelineListItemSchema = z.object({
  id: z.string(),
  /** Workspace-relative file, `pipelines/<id>.yaml`. */
  file: z.string(),
  description: z.string().nullable(),
  /** As written (`@daily`, `0 6 * * 1-5`), null when only triggered by hand. */
  schedule: z.string().nullable(),
  /** "At 00:00, every day" — null when there is no schedule. */
  scheduleText: z.string().nullable(),
  timezone: z.string(),
  /** When the next scheduled run starts (the end of its data interval), ISO; null when none is due. */
  nextRunAt: z.string().nullable(),
  lastRun: z
    .object({
      runId: z.string(),
      state: z.enum(RUN_STATES),
      logicalDate: z.string(),
      endedAt: z.string().nullable(),
    })
    .nullable(),
  taskCount: z.number().int(),
  problems: z.number().int(),
  mtimeMs: z.number(),
});
export type PipelineListItem = z.infer<typeof PipelineListItemSchema>;

export const PlannedRunSchema = z.object({
  logicalDate: z.string(),
  dataIntervalStart: z.string(),
  dataIntervalEnd: z.string(),
  /**
   * `create`: a new run; `skip`: a run exists and is kept; `rerun`: an existing run's chosen tasks are cleared
   * and run again; `fill`: an existing run runs the chosen tasks it has never had (e.g. a task added since).
   */
  action: z.enum(['create', 'skip', 'rerun', 'fill']),
  existingRunId: z.string().nullable(),
  /** The tasks that will run for this date (none when skipped). */
  taskIds: z.array(z.string()),
});
export type PlannedRun = z.infer<typeof PlannedRunSchema>;

const BackfillArgs = z.object({
  id: PipelineId,
  from: DateArg,
  to: DateArg,
  /** Only these tasks (e.g. a task just added); every task when absent. */
  taskIds: z.array(TaskId).min(1).optional(),
  /**
   * Clear and rerun the chosen tasks of runs that already exist for a date. Without it, an existing run is kept,
   * except that it runs the chosen tasks it has never had.
   */
  rerunExisting: z.boolean().default(false),
});

const LogLocator = { runId: RunId, taskId: TaskId, tryNumber: z.number().int().positive() };

export const pipelineRequests = {
  'pipelines.list': request(
    z.object({}),
    z.array(PipelineListItemSchema),
    'Every pipeline of the workspace with its schedule, next run, last run and problem count.',
  ),
  'pipelines.get': request(
    z.object({ id: PipelineId }),
    z.object({
      id: z.string(),
      file: z.string(),
      yaml: z.string(),
      /** Null when the file has problems that keep it from being a pipeline. */
      pipeline: PipelineSchema.nullable(),
      problems: z.array(PipelineProblemSchema),
      /** Where each task is in the YAML text. */
      sources: z.record(z.string(), TaskSourceSchema),
      /** Editor node positions, stored beside the YAML (pipelines/<id>.layout.json), not in it. */
      positions: NodePositionsSchema,
      mtimeMs: z.number(),
    }),
    'Reads a pipeline file: its text, the parsed pipeline, its problems with positions, and node positions.',
  ),
  'pipelines.validate': request(
    z.object({ yaml: YamlText, id: PipelineId.optional() }),
    z.object({
      pipeline: PipelineSchema.nullable(),
      problems: z.array(PipelineProblemSchema),
      sources: z.record(z.string(), TaskSourceSchema),
    }),
    'Validates YAML text as a pipeline (for the YAML tab while the user types); nothing is written.',
  ),
  'pipelines.save': request(
    z.object({
      id: PipelineId,
      yaml: YamlText,
      /** The mtime the editor last read; a file changed on disk since is not overwritten (PIPELINE_CHANGED_ON_DISK). */
      baseMtimeMs: z.number().nullable().default(null),
      force: z.boolean().default(false),
    }),
    z.object({ file: z.string(), mtimeMs: z.number(), problems: z.array(PipelineProblemSchema) }),
    'Writes pipelines/<id>.yaml atomically and returns its problems (a file with problems is saved but not run).',
  ),
  'pipelines.savePositions': request(
    z.object({ id: PipelineId, positions: NodePositionsSchema }),
    z.object({}),
    'Stores the editor node positions beside the YAML.',
  ),
  'pipelines.create': request(
    z.object({ id: PipelineId, description: z.string().max(2000).optional(), yaml: YamlText.optional() }),
    z.object({ id: z.string(), file: z.string(), mtimeMs: z.number() }),
    'Creates pipelines/<id>.yaml (the given YAML, or a one-task pipeline); refuses an existing id.',
  ),
  'pipelines.delete': request(
    z.object({ id: PipelineId, deleteRuns: z.boolean().default(false) }),
    z.object({}),
    'Deletes a pipeline file and its layout; its run history is kept unless deleteRuns.',
  ),
  'pipelines.trigger': request(
    z.object({
      id: PipelineId,
      params: ParamValues.default({}),
      /** The run's logical date (default: now); a date that has a run already is refused. */
      logicalDate: DateArg.optional(),
    }),
    z.object({ runId: z.string() }),
    'Starts a manual run with param overrides and returns its id at once; progress arrives as events.',
  ),
  'pipelines.cancelRun': request(
    z.object({ runId: RunId }),
    z.object({ cancelled: z.boolean() }),
    'Cancels a run: running tries are killed and fail, tasks not started are skipped, the run fails.',
  ),
  'pipelines.clearTasks': request(
    z.object({
      runId: RunId,
      taskIds: z.array(TaskId).min(1),
      downstream: z.boolean().default(false),
    }),
    z.object({ cleared: z.array(z.string()) }),
    'Clears task instances (and optionally everything downstream) so they run again; the run resumes.',
  ),
  'pipelines.markTasks': request(
    z.object({
      runId: RunId,
      taskIds: z.array(TaskId).min(1),
      state: z.enum(['success', 'failed']),
      downstream: z.boolean().default(false),
    }),
    z.object({ marked: z.array(z.string()) }),
    'Marks task instances success or failed by hand; running ones are stopped first.',
  ),
  'pipelines.listRuns': request(
    z.object({
      id: PipelineId,
      limit: z.number().int().min(1).max(1000).default(25),
      /** Runs with a logical date before this ISO date (paging back in time). */
      before: z.string().optional(),
    }),
    z.object({
      runs: z.array(PipelineRunSummarySchema),
      /** Grid rows: the pipeline's task ids in topological order (plus ids only old runs have). */
      taskIds: z.array(z.string()),
    }),
    'Runs of a pipeline, newest logical date first, each with its task squares (the Grid).',
  ),
  'pipelines.getRun': request(
    z.object({ runId: RunId }),
    z.object({ run: PipelineRunSchema, taskInstances: z.array(TaskInstanceSchema) }),
    'One run with every task instance and all its tries (the Gantt and the try details).',
  ),
  'pipelines.readLog': request(
    z.object({
      ...LogLocator,
      offset: z.number().int().min(0).default(0),
      maxBytes: z.number().int().min(1).max(4_000_000).default(256_000),
    }),
    z.object({
      text: z.string(),
      /** Pass as offset to read on (tail while running). */
      nextOffset: z.number().int(),
      size: z.number().int(),
      /** The try has ended: nothing more will be written. */
      complete: z.boolean(),
    }),
    "Reads a try's log from a byte offset.",
  ),
  'pipelines.searchLog': request(
    z.object({
      runId: RunId,
      taskId: TaskId,
      /** One try, or every try when absent. */
      tryNumber: z.number().int().positive().optional(),
      query: z.string().min(1).max(1000),
      regex: z.boolean().default(false),
      caseSensitive: z.boolean().default(false),
      /** Lines shown before and after each match. */
      context: z.number().int().min(0).max(50).default(3),
      limit: z.number().int().min(1).max(5000).default(500),
    }),
    z.object({
      matches: z.array(
        z.object({
          tryNumber: z.number().int(),
          /** 1-based line number. */
          line: z.number().int(),
          text: z.string(),
          before: z.array(z.string()),
          after: z.array(z.string()),
        }),
      ),
      /** Every matching line, also those past `limit`. */
      total: z.number().int(),
      truncated: z.boolean(),
    }),
    "Searches a task's logs and returns matching lines with the lines around them.",
  ),
  'pipelines.planBackfill': request(
    BackfillArgs,
    z.object({ runs: z.array(PlannedRunSchema), taskIds: z.array(z.string()) }),
    'The dry run of a backfill: every run it would create or rerun, before anything starts.',
  ),
  'pipelines.backfill': request(
    BackfillArgs.extend({ maxActiveRuns: z.number().int().min(1).max(100).default(2) }),
    z.object({ backfillId: z.string(), runIds: z.array(z.string()) }),
    'Starts a backfill over a date range; its runs never take the slots scheduled runs need.',
  ),
  'pipelines.cancelBackfill': request(
    z.object({ backfillId: z.string().min(1).max(200) }),
    z.object({ cancelled: z.number().int() }),
    'Cancels the runs of a backfill that have not finished.',
  ),
  'pipelines.exportAirflow': request(
    z.object({ id: PipelineId, airflow: z.union([z.literal(2), z.literal(3)]).default(3) }),
    z.object({ python: z.string(), fileName: z.string() }),
    'An Airflow DAG file with the same tasks, dependencies, schedule, retries, timeouts and trigger rules.',
  ),
} as const;

export const pipelineEvents = {
  /** A run was created or changed state. */
  'pipelines.onRunChanged': PipelineRunSchema,
  /** A task instance changed state, or one of its tries did (the try is the one that changed). */
  'pipelines.onTaskChanged': z.object({
    pipelineId: z.string(),
    taskInstance: TaskInstanceSummarySchema,
    try: TaskTrySchema.nullable(),
  }),
  /** New log lines of a running try. */
  'pipelines.onLog': z.object({
    runId: z.string(),
    taskId: z.string(),
    tryNumber: z.number().int(),
    lines: z.array(z.string()),
  }),
  /** Pipeline files were added, changed or removed on disk. */
  'pipelines.onDefinitionsChanged': z.object({ ids: z.array(z.string()) }),
} as const;
