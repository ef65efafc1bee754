import { z } from 'zod';

/**
 * A pipeline as written in `pipelines/<id>.yaml` (what a person reviews in git), and what its runs are doing
 * (what the engine stores under `.lakebench/`). The file's types keep values as the user wrote them (a duration
 * stays "1s"); `effectiveTaskSettings` gives the values the runner uses.
 */

export const TASK_TYPES = ['sql', 'notebook', 'python', 'shell'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** Airflow 3's trigger rules, exactly its 13 values (see airflow-core/src/airflow/task/trigger_rule.py). */
export const TRIGGER_RULES = [
  'all_success',
  'all_failed',
  'all_done',
  'all_done_min_one_success',
  'all_done_setup_success',
  'one_success',
  'one_failed',
  'one_done',
  'none_failed',
  'none_failed_min_one_success',
  'none_skipped',
  'all_skipped',
  'always',
] as const;
export type TriggerRule = (typeof TRIGGER_RULES)[number];

/** Airflow 2 names still accepted when read, and what they mean now. Never written. */
export const LEGACY_TRIGGER_RULES: Readonly<Record<string, TriggerRule>> = {
  none_failed_or_skipped: 'none_failed_min_one_success',
  dummy: 'always',
};

/** The presets Airflow knows and their cron expressions (CRON_PRESETS of the task SDK). */
export const CRON_PRESETS: Readonly<Record<string, string>> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@quarterly': '0 0 1 */3 *',
  '@yearly': '0 0 1 1 *',
};
/** croniter's aliases, accepted in any letter case. */
export const CRON_ALIASES: Readonly<Record<string, string>> = {
  '@midnight': '@daily',
  '@annually': '@yearly',
};
/** Schedules that are not cron: run once, or as soon as the previous run finishes. */
export const NON_CRON_SCHEDULES = ['@once', '@continuous'] as const;

/** Task instance states, Airflow's names. `none` is a task instance that has no state yet. */
export const TASK_STATES = [
  'none',
  'scheduled',
  'queued',
  'running',
  'success',
  'failed',
  'up_for_retry',
  'upstream_failed',
  'skipped',
] as const;
export type TaskState = (typeof TASK_STATES)[number];
/** States after which a task instance does not run again unless cleared. */
export const FINISHED_TASK_STATES: readonly TaskState[] = ['success', 'failed', 'upstream_failed', 'skipped'];

/** A try's own outcome; a try never waits (that is its task instance's `scheduled`/`up_for_retry`). */
export const TRY_STATES = ['queued', 'running', 'success', 'failed'] as const;
export type TryState = (typeof TRY_STATES)[number];

export const RUN_STATES = ['queued', 'running', 'success', 'failed'] as const;
export type RunState = (typeof RUN_STATES)[number];

export const RUN_TYPES = ['scheduled', 'manual', 'backfill'] as const;
export type RunType = (typeof RUN_TYPES)[number];

// ---------------------------------------------------------------------------------------------------------
// The file format
// ---------------------------------------------------------------------------------------------------------

/** Pipeline and task ids: what Airflow accepts for dag and task ids, and safe as a file name. */
export const ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,249}$/;
const Id = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .regex(ID_PATTERN, `${what} may use letters, digits, _ . and - (and must not start with . or -)`);

/** "90s", "5m", "1h30m", "500ms", "2d", or a number of seconds. */
export const DURATION_PATTERN = /^(\d+(\.\d+)?(ms|s|m|h|d)\s*)+$/;
export const DurationSchema = z.union(
  [
    z.number().nonnegative('a duration cannot be negative'),
    z
      .string()
      .regex(DURATION_PATTERN, 'a duration is like "30s", "5m", "1h30m", "500ms" or a number of seconds'),
  ],
  { error: 'a duration is like "30s", "5m", "1h30m", "500ms" or a number of seconds' },
);
export type Duration = z.infer<typeof DurationSchema>;

/** A date `2026-01-01` or a date-time `2026-01-01T06:00` (in the pipeline's timezone unless it has an offset). */
export const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const DateText = z
  .string({ error: 'a date is written like 2026-01-01 or 2026-01-01T06:00' })
  .regex(DATE_PATTERN, 'a date is written like 2026-01-01 or 2026-01-01T06:00');

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type ScalarValue = z.infer<typeof Scalar>;

export const PARAM_TYPES = ['string', 'number', 'integer', 'boolean'] as const;
export type ParamType = (typeof PARAM_TYPES)[number];
export const ParamSpecSchema = z
  .object({
    type: z.enum(PARAM_TYPES, { error: `a param type is one of ${PARAM_TYPES.join(', ')}` }),
    default: Scalar.optional(),
    description: z.string().optional(),
    enum: z.array(Scalar).optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
  })
  .strict();
export type ParamSpec = z.infer<typeof ParamSpecSchema>;
/** A param is a full spec, or just its default (the type follows from it). */
export const ParamSchema = z.union([Scalar, ParamSpecSchema], {
  error: 'a param is a default value, or { type, default, description, enum, minimum, maximum }',
});

const RetrySettings = {
  retries: z.number().int().min(0, 'retries cannot be negative').max(100).optional(),
  retry_delay: DurationSchema.optional(),
  retry_exponential_backoff: z.boolean().optional(),
  max_retry_delay: DurationSchema.optional(),
  execution_timeout: DurationSchema.nullable().optional(),
};
export const DefaultArgsSchema = z.object(RetrySettings).strict();
export type DefaultArgs = z.infer<typeof DefaultArgsSchema>;

const Env = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment name'), z.string());

const TaskCommon = {
  id: Id('a task id'),
  description: z.string().optional(),
  depends_on: z.array(z.string({ error: 'a dependency is a task id' })).optional(),
  trigger_rule: z
    .enum([...TRIGGER_RULES, ...Object.keys(LEGACY_TRIGGER_RULES)] as [string, ...string[]], {
      error: `a trigger rule is one of ${TRIGGER_RULES.join(', ')}`,
    })
    .optional(),
  ...RetrySettings,
};

export const SqlTaskSchema = z
  .object({
    ...TaskCommon,
    type: z.literal('sql'),
    /** The SQL text; templates are rendered first. */
    sql: z.string().optional(),
    /** Or a workspace-relative .sql file. */
    file: z.string().optional(),
  })
  .strict();
export const NotebookTaskSchema = z
  .object({
    ...TaskCommon,
    type: z.literal('notebook'),
    /** A workspace-relative .ipynb file. */
    notebook: z.string(),
    /**
     * Values for the notebook's parameters: `{{ params.x }}` in its SQL cells, and assigned in a cell injected
     * after the one tagged `parameters` for its Python cells (as papermill does).
     */
    parameters: z.record(z.string(), Scalar).optional(),
  })
  .strict();
export const PythonTaskSchema = z
  .object({
    ...TaskCommon,
    type: z.literal('python'),
    code: z.string().optional(),
    /** Or a workspace-relative .py file. */
    script: z.string().optional(),
    args: z.array(z.string()).optional(),
    env: Env.optional(),
    cwd: z.string().optional(),
  })
  .strict();
export const ShellTaskSchema = z
  .object({
    ...TaskCommon,
    type: z.literal('shell'),
    command: z.string(),
    env: Env.optional(),
    /** Working directory, relative to the workspace (default: the workspace folder). */
    cwd: z.string().optional(),
    /** `last_line`: the last line the command prints is the task's output value. */
    output: z.enum(['none', 'last_line']).optional(),
  })
  .strict();

export const TaskSchema = z.discriminatedUnion('type', [
  SqlTaskSchema,
  NotebookTaskSchema,
  PythonTaskSchema,
  ShellTaskSchema,
]);
export type SqlTask = z.infer<typeof SqlTaskSchema>;
export type NotebookTask = z.infer<typeof NotebookTaskSchema>;
export type PythonTask = z.infer<typeof PythonTaskSchema>;
export type ShellTask = z.infer<typeof ShellTaskSchema>;
export type Task = z.infer<typeof TaskSchema>;

export const PipelineSchema = z
  .object({
    id: Id('a pipeline id'),
    description: z.string().optional(),
    /** A cron expression, a preset (`@daily`...), or null/absent: only run when triggered. */
    schedule: z.string().nullable().optional(),
    /** An IANA timezone such as Europe/Paris; default UTC. */
    timezone: z.string().optional(),
    start_date: DateText.optional(),
    end_date: DateText.optional(),
    catchup: z.boolean().optional(),
    max_active_runs: z.number().int().min(1).max(1000).optional(),
    max_active_tasks: z.number().int().min(1).max(1000).optional(),
    params: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a param name'), ParamSchema).optional(),
    default_args: DefaultArgsSchema.optional(),
    tags: z.array(z.string()).optional(),
    tasks: z.array(TaskSchema, { error: 'tasks is a list of tasks' }),
  })
  .strict();
export type Pipeline = z.infer<typeof PipelineSchema>;

/** Top-level keys in the order the canonical writer puts new ones. */
export const PIPELINE_KEY_ORDER = [
  'id',
  'description',
  'schedule',
  'timezone',
  'start_date',
  'end_date',
  'catchup',
  'max_active_runs',
  'max_active_tasks',
  'tags',
  'params',
  'default_args',
  'tasks',
] as const;
/** Task keys in the order the canonical writer puts new ones. */
export const TASK_KEY_ORDER = [
  'id',
  'type',
  'description',
  'sql',
  'file',
  'notebook',
  'parameters',
  'code',
  'script',
  'args',
  'command',
  'output',
  'env',
  'cwd',
  'depends_on',
  'trigger_rule',
  'retries',
  'retry_delay',
  'retry_exponential_backoff',
  'max_retry_delay',
  'execution_timeout',
] as const;

/** Defaults, Airflow's where Airflow has one. */
export const PIPELINE_DEFAULTS = {
  timezone: 'UTC',
  catchup: false,
  max_active_runs: 16,
  max_active_tasks: 16,
  retries: 0,
  retryDelayMs: 300_000,
  retryExponentialBackoff: false,
  /** Airflow caps the backoff at 24 hours when max_retry_delay is not set. */
  maxRetryDelayMs: 86_400_000,
  trigger_rule: 'all_success' as TriggerRule,
} as const;

// ---------------------------------------------------------------------------------------------------------
// Problems, positions
// ---------------------------------------------------------------------------------------------------------

export const PROBLEM_CODES = [
  'PIPELINE_YAML_SYNTAX',
  'PIPELINE_INVALID',
  'PIPELINE_UNKNOWN_FIELD',
  'PIPELINE_DUPLICATE_TASK',
  'PIPELINE_UNKNOWN_DEPENDENCY',
  'PIPELINE_CYCLE',
  'PIPELINE_BAD_SCHEDULE',
  'PIPELINE_ID_MISMATCH',
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

export const PipelineProblemSchema = z.object({
  code: z.enum(PROBLEM_CODES),
  message: z.string(),
  /** Workspace-relative file, when known. */
  file: z.string().optional(),
  /** 1-based line and column of the offending node. */
  line: z.number().int(),
  column: z.number().int(),
  /** 0-based offsets of the offending node in the YAML text (for editor markers). */
  offset: z.number().int(),
  endOffset: z.number().int(),
  /** The task the problem belongs to, so the graph can show it on the node. */
  task: z.string().optional(),
  /** Dotted path of the field, e.g. `tasks.2.retry_delay`. */
  path: z.string(),
});
export type PipelineProblem = z.infer<typeof PipelineProblemSchema>;

/** Where each task starts in the YAML text (to jump from a node to its text). */
export const TaskSourceSchema = z.object({
  line: z.number().int(),
  column: z.number().int(),
  offset: z.number().int(),
  endOffset: z.number().int(),
});
export type TaskSource = z.infer<typeof TaskSourceSchema>;

export const NodePositionSchema = z.object({ x: z.number().finite(), y: z.number().finite() });
export type NodePosition = z.infer<typeof NodePositionSchema>;
export const NodePositionsSchema = z.record(z.string(), NodePositionSchema);

// ---------------------------------------------------------------------------------------------------------
// Runs, task instances, tries: what the engine stores and the UI shows
// ---------------------------------------------------------------------------------------------------------

/** A JSON value a task returns (kept small: the runner refuses more than 64 KB). */
export const TaskOutputSchema = z.unknown();
export const MAX_OUTPUT_BYTES = 65_536;
/** The line a Python or shell task prints to return a value: `::lakebench-output::{"rows": 3}`. */
export const OUTPUT_MARKER = '::lakebench-output::';

const ErrorData = z.object({
  code: z.string(),
  message: z.string(),
  location: z
    .object({
      file: z.string().optional(),
      line: z.number().int().optional(),
      column: z.number().int().optional(),
      task: z.string().optional(),
    })
    .optional(),
});

export const TaskTrySchema = z.object({
  tryNumber: z.number().int().positive(),
  state: z.enum(TRY_STATES),
  /** ISO times; null until reached. */
  queuedAt: z.string().nullable(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  /** Every templated field of the task as it was rendered for this try (e.g. `sql`, `command`, `env.DAY`). */
  rendered: z.record(z.string(), z.string()),
  output: TaskOutputSchema.nullable(),
  /** Process exit code (shell, Python), null otherwise. */
  exitCode: z.number().int().nullable(),
  error: ErrorData.nullable(),
  /** Engine-state-relative log file (open it with pipelines.readLog). */
  logFile: z.string(),
  logBytes: z.number().int(),
  /** The executed notebook of a notebook task's try, relative to the workspace's engine folder. */
  executedNotebook: z.string().nullable(),
  /** The try's tracker run, when the tracker recorded it. */
  trackerRunId: z.string().nullable(),
});
export type TaskTry = z.infer<typeof TaskTrySchema>;

export const TaskInstanceSchema = z.object({
  runId: z.string(),
  taskId: z.string(),
  taskType: z.enum(TASK_TYPES),
  state: z.enum(TASK_STATES),
  /** The latest try's number; 0 before the first try. */
  tryNumber: z.number().int(),
  /** 1 + retries: how many tries this instance may take before it fails. */
  maxTries: z.number().int(),
  /** When an up_for_retry instance may start its next try (ISO). */
  nextTryAt: z.string().nullable(),
  queuedAt: z.string().nullable(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  output: TaskOutputSchema.nullable(),
  tries: z.array(TaskTrySchema),
});
export type TaskInstance = z.infer<typeof TaskInstanceSchema>;

/** One square of the Grid: a task instance without its tries. */
export const TaskInstanceSummarySchema = TaskInstanceSchema.omit({ tries: true });
export type TaskInstanceSummary = z.infer<typeof TaskInstanceSummarySchema>;

export const PipelineRunSchema = z.object({
  runId: z.string(),
  pipelineId: z.string(),
  runType: z.enum(RUN_TYPES),
  state: z.enum(RUN_STATES),
  /** The run's logical date (ISO, UTC). For a scheduled run it is its data interval's start. */
  logicalDate: z.string(),
  dataIntervalStart: z.string(),
  dataIntervalEnd: z.string(),
  queuedAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  params: z.record(z.string(), z.unknown()),
  /** Set when the user cancelled the run. */
  cancelled: z.boolean(),
  /** The backfill that created it or last ran tasks in it (a refill or rerun), if any. */
  backfillId: z.string().nullable(),
  /** The tasks a partial (backfill) run is limited to; null = every task. */
  taskSubset: z.array(z.string()).nullable(),
  trackerRunId: z.string().nullable(),
});
export type PipelineRun = z.infer<typeof PipelineRunSchema>;

/** A run with its task squares (Grid columns). */
export const PipelineRunSummarySchema = PipelineRunSchema.extend({
  tasks: z.array(TaskInstanceSummarySchema),
});
export type PipelineRunSummary = z.infer<typeof PipelineRunSummarySchema>;

// ---------------------------------------------------------------------------------------------------------
// Effective values
// ---------------------------------------------------------------------------------------------------------

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration as written ("1h30m", 90, "500ms"). */
export function durationMs(value: Duration): number {
  if (typeof value === 'number') return Math.round(value * 1000);
  let total = 0;
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * UNIT_MS[m[2]];
  return Math.round(total);
}

export interface EffectiveTaskSettings {
  retries: number;
  retryDelayMs: number;
  retryExponentialBackoff: boolean;
  maxRetryDelayMs: number;
  /** null: no timeout. */
  executionTimeoutMs: number | null;
  triggerRule: TriggerRule;
}

/** A task's settings after its own overrides, then the pipeline's default_args, then Airflow's defaults. */
export function effectiveTaskSettings(pipeline: Pipeline, task: Task): EffectiveTaskSettings {
  const d = pipeline.default_args ?? {};
  const pick = <K extends keyof DefaultArgs>(k: K): DefaultArgs[K] =>
    task[k] !== undefined ? task[k] : d[k];
  const timeout = pick('execution_timeout');
  const rule = task.trigger_rule ?? PIPELINE_DEFAULTS.trigger_rule;
  return {
    retries: pick('retries') ?? PIPELINE_DEFAULTS.retries,
    retryDelayMs: durationMs(pick('retry_delay') ?? PIPELINE_DEFAULTS.retryDelayMs / 1000),
    retryExponentialBackoff: pick('retry_exponential_backoff') ?? PIPELINE_DEFAULTS.retryExponentialBackoff,
    maxRetryDelayMs: durationMs(pick('max_retry_delay') ?? PIPELINE_DEFAULTS.maxRetryDelayMs / 1000),
    executionTimeoutMs: timeout === undefined || timeout === null ? null : durationMs(timeout),
    triggerRule: (LEGACY_TRIGGER_RULES[rule] ?? rule) as TriggerRule,
  };
}

/**
 * The wait before try `tryNumber + 1` after try `tryNumber` failed. With exponential backoff it is
 * retry_delay * 2^(tryNumber-1), capped by max_retry_delay, as Airflow computes it (without its jitter, so a
 * run is reproducible).
 */
export function retryDelayMs(settings: EffectiveTaskSettings, tryNumber: number): number {
  if (!settings.retryExponentialBackoff) return Math.min(settings.retryDelayMs, settings.maxRetryDelayMs);
  const factor = 2 ** Math.max(0, tryNumber - 1);
  return Math.min(settings.retryDelayMs * factor, settings.maxRetryDelayMs);
}

/** The task's params after defaults, typed. */
export function paramDefaults(pipeline: Pipeline): Record<string, ScalarValue> {
  const out: Record<string, ScalarValue> = {};
  for (const [name, p] of Object.entries(pipeline.params ?? {})) {
    out[name] = p !== null && typeof p === 'object' ? (p.default ?? null) : p;
  }
  return out;
}

/** The declared type of a param (a bare default's type follows from its value). */
export function paramType(param: z.infer<typeof ParamSchema>): ParamType {
  if (param !== null && typeof param === 'object') return param.type;
  if (typeof param === 'boolean') return 'boolean';
  if (typeof param === 'number') return Number.isInteger(param) ? 'integer' : 'number';
  return 'string';
}
