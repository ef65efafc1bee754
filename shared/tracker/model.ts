import { z } from 'zod';

/**
 * The run tracker's domain: MLflow's model (experiments, runs, params, metrics, tags, dataset inputs, the model
 * registry) as the app sees it. Names are camelCase here; the MLflow REST layer speaks snake_case.
 */

export const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export const RunStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const LifecycleStageSchema = z.enum(['active', 'deleted']);
export type LifecycleStage = z.infer<typeof LifecycleStageSchema>;

export const RunViewTypeSchema = z.enum(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']);
export type RunViewType = z.infer<typeof RunViewTypeSchema>;

export const MODEL_STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export const ModelStageSchema = z.enum(MODEL_STAGES);
export type ModelStage = z.infer<typeof ModelStageSchema>;

/** Tags MLflow and Lakebench give meaning to. */
export const TAG = {
  runName: 'mlflow.runName',
  user: 'mlflow.user',
  parentRunId: 'mlflow.parentRunId',
  note: 'mlflow.note.content',
  sourceName: 'mlflow.source.name',
  sourceType: 'mlflow.source.type',
  gitCommit: 'mlflow.source.git.commit',
  /** `notebook`, `pipeline` or `script`: what produced the run. */
  sourceKind: 'lakebench.source.kind',
  /** Workspace-relative notebook path, e.g. `notebooks/train.ipynb`. */
  sourceNotebook: 'lakebench.source.notebook',
  sourceCell: 'lakebench.source.cell',
  /** Pipeline id and task id, and the pipeline run that started the task. */
  sourcePipeline: 'lakebench.source.pipeline',
  sourceTask: 'lakebench.source.task',
  sourcePipelineRun: 'lakebench.source.pipelineRun',
  /** The try of the task (1, 2, ...) a pipeline task's run records. */
  sourceTry: 'lakebench.source.try',
  /**
   * The producing file's version: a git commit, else a content hash of the file as it was when the run started
   * (`sha256:` and the first 16 hex digits of its SHA-256, as the Python module writes for scripts).
   */
  sourceVersion: 'lakebench.source.version',
} as const;

/** The tags a run's info (source, parent, description) is read from, whatever tags a search selects. */
export const INFO_TAGS: readonly string[] = [
  TAG.parentRunId,
  TAG.note,
  TAG.sourceName,
  TAG.gitCommit,
  TAG.sourceKind,
  TAG.sourceNotebook,
  TAG.sourceCell,
  TAG.sourcePipeline,
  TAG.sourceTask,
  TAG.sourcePipelineRun,
  TAG.sourceVersion,
];

/**
 * A metric value. Finite values are numbers; NaN and the infinities are the strings MLflow's JSON uses, because
 * JSON (the WebSocket transport) has no literal for them. `metricNumber` turns either into a JS number.
 */
export const MetricValueSchema = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);
export type MetricValue = z.infer<typeof MetricValueSchema>;

export function metricNumber(v: MetricValue): number {
  if (typeof v === 'number') return v;
  return v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity;
}

export function toMetricValue(n: number): MetricValue {
  if (Number.isFinite(n)) return n;
  return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
}

const Tags = z.record(z.string(), z.string());

export const ExperimentSchema = z.object({
  experimentId: z.string(),
  name: z.string(),
  artifactLocation: z.string(),
  lifecycleStage: LifecycleStageSchema,
  creationTime: z.number(),
  lastUpdateTime: z.number(),
  tags: Tags,
  /** Active runs in the experiment. */
  runCount: z.number().int(),
});
export type Experiment = z.infer<typeof ExperimentSchema>;

/** What produced a run, read from its tags (TAG.source*), for the run page's "produced by" link. */
export const RunSourceSchema = z.object({
  kind: z.enum(['notebook', 'pipeline', 'script', 'unknown']),
  /** `mlflow.source.name`: a script path, notebook path or pipeline task, as the logger gave it. */
  name: z.string().nullable(),
  notebook: z.string().nullable(),
  cell: z.string().nullable(),
  pipeline: z.string().nullable(),
  task: z.string().nullable(),
  pipelineRun: z.string().nullable(),
  /** A git commit or a content hash of the file. */
  version: z.string().nullable(),
});
export type RunSource = z.infer<typeof RunSourceSchema>;

/** What produced a run, from its tags; a run with only `mlflow.source.name` counts as a script. */
export function runSourceFromTags(tags: Readonly<Record<string, string>>): RunSource {
  const kind = tags[TAG.sourceKind];
  return {
    kind:
      kind === 'notebook' || kind === 'pipeline' || kind === 'script'
        ? kind
        : tags[TAG.sourceName]
          ? 'script'
          : 'unknown',
    name: tags[TAG.sourceName] ?? null,
    notebook: tags[TAG.sourceNotebook] ?? null,
    cell: tags[TAG.sourceCell] ?? null,
    pipeline: tags[TAG.sourcePipeline] ?? null,
    task: tags[TAG.sourceTask] ?? null,
    pipelineRun: tags[TAG.sourcePipelineRun] ?? null,
    version: tags[TAG.sourceVersion] ?? tags[TAG.gitCommit] ?? null,
  };
}

export const RunInfoSchema = z.object({
  /** 32 lowercase hex characters. */
  runId: z.string(),
  experimentId: z.string(),
  runName: z.string(),
  userId: z.string(),
  status: RunStatusSchema,
  startTime: z.number(),
  endTime: z.number().nullable(),
  artifactUri: z.string(),
  lifecycleStage: LifecycleStageSchema,
  /** From the `mlflow.parentRunId` tag. */
  parentRunId: z.string().nullable(),
  /** From the `mlflow.note.content` tag (Markdown). */
  description: z.string(),
  source: RunSourceSchema,
});
export type RunInfo = z.infer<typeof RunInfoSchema>;

export const LatestMetricSchema = z.object({
  value: MetricValueSchema,
  step: z.number(),
  timestamp: z.number(),
});
export type LatestMetric = z.infer<typeof LatestMetricSchema>;

export const DatasetInputSchema = z.object({
  name: z.string(),
  digest: z.string(),
  sourceType: z.string(),
  source: z.string(),
  schema: z.string().nullable(),
  profile: z.string().nullable(),
  /** Input tags; `mlflow.data.context` says `training`, `eval`, ... */
  tags: Tags,
});
export type DatasetInput = z.infer<typeof DatasetInputSchema>;

export const RunSchema = z.object({
  info: RunInfoSchema,
  params: Tags,
  /** The latest value of every metric (highest step, then latest timestamp, as MLflow decides). */
  metrics: z.record(z.string(), LatestMetricSchema),
  tags: Tags,
  inputs: z.array(DatasetInputSchema),
});
export type Run = z.infer<typeof RunSchema>;

export const RunKeysSchema = z.object({
  params: z.array(z.string()),
  metrics: z.array(z.string()),
  tags: z.array(z.string()),
  /** Dataset names logged as inputs. */
  datasets: z.array(z.string()),
});
export type RunKeys = z.infer<typeof RunKeysSchema>;

export const METRIC_X_AXES = ['step', 'wall', 'relative'] as const;
export const MetricXAxisSchema = z.enum(METRIC_X_AXES);
export type MetricXAxis = z.infer<typeof MetricXAxisSchema>;

/**
 * One run's history of one metric, ready to draw. `x` is the step, the wall time (ms since the epoch) or the
 * time since the run started (ms), per the request's axis; points are ordered by `x`. Long histories are
 * reduced on the server to at most about `maxPoints` points that keep every bucket's minimum and maximum (so
 * peaks survive); `count` is the true number of points logged.
 */
export const MetricSeriesSchema = z.object({
  runId: z.string(),
  key: z.string(),
  count: z.number().int(),
  downsampled: z.boolean(),
  x: z.array(z.number()),
  y: z.array(MetricValueSchema),
  steps: z.array(z.number()),
  /** Over every logged point, not only the drawn ones; null when no finite value exists. */
  min: z.object({ value: z.number(), step: z.number() }).nullable(),
  max: z.object({ value: z.number(), step: z.number() }).nullable(),
  last: LatestMetricSchema.nullable(),
});
export type MetricSeries = z.infer<typeof MetricSeriesSchema>;

export const ArtifactEntrySchema = z.object({
  /** Relative to the run's artifact root, forward slashes. */
  path: z.string(),
  isDir: z.boolean(),
  fileSize: z.number().nullable(),
});
export type ArtifactEntry = z.infer<typeof ArtifactEntrySchema>;

const ArtifactBase = { path: z.string(), size: z.number(), mimeType: z.string() };
/** An artifact's preview; the UI picks its renderer by `kind`. */
export const ArtifactContentSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), ...ArtifactBase, text: z.string(), truncated: z.boolean() }),
  z.object({ kind: z.literal('json'), ...ArtifactBase, text: z.string(), truncated: z.boolean() }),
  z.object({ kind: z.literal('csv'), ...ArtifactBase, text: z.string(), truncated: z.boolean() }),
  z.object({
    kind: z.literal('image'),
    ...ArtifactBase,
    bytes: z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected image bytes'),
  }),
  /** Not previewable (pickles, model files): only its size and type. */
  z.object({ kind: z.literal('binary'), ...ArtifactBase }),
]);
export type ArtifactContent = z.infer<typeof ArtifactContentSchema>;

export const MetricStatsSchema = z.object({
  /** Runs of the group that have the metric with a finite latest value. */
  count: z.number().int(),
  mean: z.number().nullable(),
  /** Sample standard deviation (n-1); 0 with one run. */
  std: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
});
export type MetricStats = z.infer<typeof MetricStatsSchema>;

/** A group's metric over steps: mean, spread and the min/max band across the group's runs, per step. */
export const GroupHistorySchema = z.object({
  key: z.string(),
  steps: z.array(z.number()),
  mean: z.array(z.number()),
  std: z.array(z.number()),
  min: z.array(z.number()),
  max: z.array(z.number()),
  /** Runs contributing at each step. */
  runs: z.array(z.number().int()),
});
export type GroupHistory = z.infer<typeof GroupHistorySchema>;

export const RunGroupSchema = z.object({
  /** The param's value; null for runs that did not log it. */
  value: z.string().nullable(),
  runIds: z.array(z.string()),
  /** Over each run's latest value. */
  metrics: z.record(z.string(), MetricStatsSchema),
  histories: z.array(GroupHistorySchema),
});
export type RunGroup = z.infer<typeof RunGroupSchema>;

export const ModelVersionSchema = z.object({
  name: z.string(),
  version: z.number().int(),
  creationTimestamp: z.number(),
  lastUpdatedTimestamp: z.number(),
  currentStage: ModelStageSchema,
  description: z.string(),
  /** Where the model files are, e.g. `mlflow-artifacts:/1/<run>/artifacts/model`. */
  source: z.string(),
  runId: z.string().nullable(),
  /** The source run's experiment and name, when the run still exists. */
  runExperimentId: z.string().nullable(),
  runName: z.string().nullable(),
  status: z.literal('READY'),
  tags: Tags,
  aliases: z.array(z.string()),
});
export type ModelVersion = z.infer<typeof ModelVersionSchema>;

export const RegisteredModelSchema = z.object({
  name: z.string(),
  description: z.string(),
  creationTimestamp: z.number(),
  lastUpdatedTimestamp: z.number(),
  tags: Tags,
  /** alias -> version */
  aliases: z.record(z.string(), z.number().int()),
  /** The newest version in each stage. */
  latestVersions: z.array(ModelVersionSchema),
  versionCount: z.number().int(),
});
export type RegisteredModel = z.infer<typeof RegisteredModelSchema>;

/** One entry of a model's history, for the registry timeline. */
export const ModelEventSchema = z.object({
  id: z.number().int(),
  kind: z.enum(['version_created', 'stage', 'alias_set', 'alias_deleted', 'version_deleted']),
  version: z.number().int(),
  /** For `stage`: the stage before and after. */
  fromStage: ModelStageSchema.nullable(),
  toStage: ModelStageSchema.nullable(),
  alias: z.string().nullable(),
  user: z.string(),
  timestamp: z.number(),
  comment: z.string(),
  /** Set when this version was archived because another went to the same stage with "archive existing". */
  causedByVersion: z.number().int().nullable(),
});
export type ModelEvent = z.infer<typeof ModelEventSchema>;
