import { z } from 'zod';
import { request } from '../api/define';
import {
  ArtifactContentSchema,
  ArtifactEntrySchema,
  ExperimentSchema,
  MetricSeriesSchema,
  MetricXAxisSchema,
  ModelEventSchema,
  ModelStageSchema,
  ModelVersionSchema,
  RegisteredModelSchema,
  RunGroupSchema,
  RunKeysSchema,
  RunSchema,
  RunStatusSchema,
  RunViewTypeSchema,
} from './model';

/**
 * The tracker service's requests and events; merged into the one API contract in shared/api/contract.ts.
 *
 * Errors (LakebenchError codes): `NOT_FOUND` for an unknown experiment, run, model or version; `ALREADY_EXISTS`
 * for a taken experiment or model name; `INVALID_PARAMETER_VALUE` for a bad filter or order-by (with
 * `location.offset`/`column` of the fault), a changed param or a limit exceeded; `INVALID_REQUEST` for
 * arguments that fail the schemas below.
 */

const ExperimentId = z.string().regex(/^\d{1,18}$/, 'an experiment id is a number, e.g. "0"');
const RunId = z.string().regex(/^[0-9a-f]{32}$/, 'a run id is 32 lowercase hex characters');
const Key = z.string().min(1, 'a key is required').max(250);
const TagValue = z.string().max(8000);
const ModelName = z.string().min(1, 'a model name is required').max(256);
const Version = z.number().int().positive();
const Alias = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\w-]+$/, 'an alias is letters, digits, _ or -')
  .refine((a) => !/^v\d+$/i.test(a) && a.toLowerCase() !== 'latest', 'v<number> and latest are reserved');
const ArtifactPath = z
  .string()
  .max(1024)
  .refine((p) => !p.includes('\0'), 'a path must not contain NUL');

const Ok = z.object({});

/** Runs one getRuns request may ask for. */
export const MAX_GET_RUNS = 10_000;
/** Ids per page of a searchRuns with `idsOnly`. */
export const ID_PAGE_SIZE = 100_000;
/** Runs one getMetricHistories request may ask for (the compare view's cap is below it). */
export const MAX_HISTORY_RUNS = 1000;
/**
 * Points one getMetricHistories answer may hold over all its series: about 50 MB of JSON at most, and a bound
 * on the time the request holds the database.
 */
export const HISTORY_POINT_BUDGET = 2_000_000;

/** Which keys a run carries (see searchRuns' `select`); its info is always whole. */
const RunSelectSchema = z.object({
  params: z.array(Key).max(1000).default([]),
  metrics: z.array(Key).max(1000).default([]),
  tags: z.array(Key).max(1000).default([]),
  /** The dataset inputs too. */
  inputs: z.boolean().default(false),
});
export type RunSelect = z.output<typeof RunSelectSchema>;

export const trackerRequests = {
  'tracker.listExperiments': request(
    z.object({ includeDeleted: z.boolean().default(false) }),
    z.array(ExperimentSchema),
    'Experiments for the sidebar, newest first, with their active run counts; deleted ones on request.',
  ),
  'tracker.createExperiment': request(
    z.object({
      name: z.string().trim().min(1, 'an experiment name is required').max(500),
      tags: z.record(Key, TagValue).default({}),
    }),
    ExperimentSchema,
    'Creates an experiment; a taken name is ALREADY_EXISTS.',
  ),
  'tracker.renameExperiment': request(
    z.object({ experimentId: ExperimentId, name: z.string().trim().min(1).max(500) }),
    ExperimentSchema,
    'Renames an experiment.',
  ),
  'tracker.deleteExperiment': request(
    z.object({ experimentId: ExperimentId }),
    Ok,
    'Soft-deletes an experiment and its runs (restorable).',
  ),
  'tracker.restoreExperiment': request(
    z.object({ experimentId: ExperimentId }),
    Ok,
    'Restores a deleted experiment and the runs deleted with it.',
  ),

  'tracker.searchRuns': request(
    z.object({
      /** One or more experiments (runs of several are compared side by side); empty means every active one. */
      experimentIds: z.array(ExperimentId).max(1000).default([]),
      /**
       * MLflow's filter grammar (`metrics.rmse < 0.5 and params.alpha = '0.1'`) plus OR and parentheses;
       * see shared/tracker/filter.ts. Empty matches every run.
       */
      filter: z.string().max(20_000).default(''),
      /** E.g. `metrics.rmse ASC`, `params.alpha DESC`, `attributes.start_time DESC`, `tags.team`. */
      orderBy: z.array(z.string().max(500)).max(10).default([]),
      maxResults: z.number().int().min(1).max(50_000).default(1000),
      pageToken: z.string().max(200).nullable().default(null),
      runViewType: RunViewTypeSchema.default('ACTIVE_ONLY'),
      /**
       * Only these params, metrics and tags in each run (e.g. the runs table's columns) instead of every key
       * logged, so a page of 10,000 runs does not carry thousands of keys each. Absent: everything.
       */
      select: RunSelectSchema.optional(),
      /**
       * Answer `runIds` instead of runs: the id of every run matching the filter, in the search's order, in
       * pages of up to ID_PAGE_SIZE ids (`maxResults` does not apply). For "select all matching runs".
       */
      idsOnly: z.boolean().default(false),
    }),
    z.object({
      /** Empty with `idsOnly`. */
      runs: z.array(RunSchema),
      nextPageToken: z.string().nullable(),
      /** Runs matching the filter over all pages. */
      totalCount: z.number().int(),
      /** With `idsOnly`: this page's run ids. */
      runIds: z.array(z.string()).optional(),
    }),
    'Filters, sorts and pages runs in the store (fast at 10,000 runs); default order: start time, newest first.',
  ),
  'tracker.listRunKeys': request(
    z.object({ experimentIds: z.array(ExperimentId).max(1000).default([]) }),
    RunKeysSchema,
    'Every param, metric, tag and dataset name used by the runs of the experiments, for columns and completion.',
  ),
  'tracker.getRun': request(z.object({ runId: RunId }), RunSchema, 'One run with everything logged.'),
  'tracker.getRuns': request(
    z.object({
      runIds: z.array(RunId).min(1).max(MAX_GET_RUNS),
      select: RunSelectSchema.optional(),
    }),
    z.object({
      /** In the order asked, each once; from any experiment, deleted or not. */
      runs: z.array(RunSchema),
      /** Ids asked for that the store does not have. */
      missing: z.array(z.string()),
    }),
    'Several runs by id in one request (the compare view, a selection), instead of one getRun per run.',
  ),
  'tracker.updateRun': request(
    z.object({
      runId: RunId,
      name: z.string().trim().min(1).max(250).optional(),
      /** Markdown, stored as the `mlflow.note.content` tag; empty removes it. */
      description: z.string().max(100_000).optional(),
      /** E.g. FAILED for a RUNNING run whose process died; a finished status sets the end time if unset. */
      status: RunStatusSchema.optional(),
    }),
    RunSchema,
    'Renames a run, edits its description or sets its status.',
  ),
  'tracker.setTag': request(
    z.object({ runId: RunId, key: Key, value: TagValue }),
    Ok,
    'Sets a tag on a run.',
  ),
  'tracker.deleteTag': request(z.object({ runId: RunId, key: Key }), Ok, 'Removes a tag from a run.'),
  'tracker.deleteRun': request(
    z.object({ runIds: z.array(RunId).min(1).max(10_000) }),
    Ok,
    'Soft-deletes runs (all or none).',
  ),
  'tracker.restoreRun': request(
    z.object({ runIds: z.array(RunId).min(1).max(10_000) }),
    Ok,
    'Restores deleted runs (all or none).',
  ),

  'tracker.getMetricHistories': request(
    z.object({
      runIds: z.array(RunId).min(1).max(MAX_HISTORY_RUNS),
      keys: z.array(Key).min(1).max(100),
      /**
       * Points per series to draw; longer histories are reduced keeping each bucket's min and max. A request
       * draws at most HISTORY_POINT_BUDGET points in all: with many runs x keys, each series gets fewer.
       */
      maxPoints: z.number().int().min(10).max(200_000).default(2000),
      xAxis: MetricXAxisSchema.default('step'),
    }),
    z.object({
      series: z.array(MetricSeriesSchema),
      /** The points per series this answer was reduced to (maxPoints, or less to stay within the budget). */
      maxPoints: z.number().int(),
    }),
    'Histories of metrics of several runs for charts, read in one pass and downsampled without losing peaks.',
  ),

  'tracker.listArtifacts': request(
    z.object({ runId: RunId, path: ArtifactPath.default('') }),
    z.object({ artifactUri: z.string(), files: z.array(ArtifactEntrySchema) }),
    "A folder of a run's artifacts; paths leaving the run's folder are refused.",
  ),
  'tracker.readArtifact': request(
    z.object({
      runId: RunId,
      path: ArtifactPath.min(1),
      maxBytes: z
        .number()
        .int()
        .min(1)
        .max(50 * 1024 * 1024)
        .default(1024 * 1024),
    }),
    ArtifactContentSchema,
    'A preview of one artifact: text, JSON or CSV (cut at maxBytes), image bytes, or only the size of others.',
  ),

  'tracker.groupRuns': request(
    z.object({
      /** The runs to group: these ids, or else the runs a search would give. */
      runIds: z.array(RunId).max(10_000).optional(),
      experimentIds: z.array(ExperimentId).max(1000).default([]),
      filter: z.string().max(20_000).default(''),
      byParam: Key,
      metricKeys: z.array(Key).max(50).default([]),
      /** Also aggregate these metrics' histories per step (mean, std, min/max band over the group). */
      historyKeys: z.array(Key).max(20).default([]),
      maxPoints: z.number().int().min(10).max(100_000).default(1000),
    }),
    z.object({ groups: z.array(RunGroupSchema) }),
    'Groups runs by a param (e.g. over seeds): per group the mean, std, min and max of metrics, and bands over steps.',
  ),

  'tracker.listRegisteredModels': request(
    z.object({ nameContains: z.string().max(256).default('') }),
    z.array(RegisteredModelSchema),
    'Registered models, by name.',
  ),
  'tracker.getRegisteredModel': request(
    z.object({ name: ModelName }),
    z.object({
      model: RegisteredModelSchema,
      /** Newest first. */
      versions: z.array(ModelVersionSchema),
      /** Every stage transition and alias change, oldest first: the timeline. */
      history: z.array(ModelEventSchema),
    }),
    'A model with all its versions and its full history.',
  ),
  'tracker.registerModel': request(
    z.object({
      name: ModelName,
      runId: RunId,
      /** The model's folder inside the run's artifacts, e.g. `model`. */
      artifactPath: ArtifactPath.min(1),
      description: z.string().max(100_000).default(''),
    }),
    ModelVersionSchema,
    "Registers a run's model as a new version (creating the model if needed).",
  ),
  'tracker.updateRegisteredModel': request(
    z.object({ name: ModelName, description: z.string().max(100_000) }),
    RegisteredModelSchema,
    "Edits a model's description.",
  ),
  'tracker.updateModelVersion': request(
    z.object({ name: ModelName, version: Version, description: z.string().max(100_000) }),
    ModelVersionSchema,
    "Edits a version's description.",
  ),
  'tracker.transitionModelVersion': request(
    z.object({
      name: ModelName,
      version: Version,
      stage: ModelStageSchema,
      /** Move the other versions in the target stage (Staging or Production) to Archived. */
      archiveExisting: z.boolean().default(false),
      comment: z.string().max(5000).default(''),
    }),
    ModelVersionSchema,
    'Moves a version to a stage; recorded in the history with who, when and the comment.',
  ),
  'tracker.setModelAlias': request(
    z.object({ name: ModelName, alias: Alias, version: Version }),
    Ok,
    'Points an alias (e.g. champion) at a version, moving it from any other.',
  ),
  'tracker.deleteModelAlias': request(z.object({ name: ModelName, alias: Alias }), Ok, 'Removes an alias.'),
  'tracker.rollbackProduction': request(
    z.object({ name: ModelName, comment: z.string().max(5000).default('') }),
    z.object({
      /** The version now in Production again. */
      restored: ModelVersionSchema,
      /** The version that was in Production and is now Archived. */
      archived: ModelVersionSchema.nullable(),
    }),
    'Puts the previous Production version back in Production and archives the current one, in one step.',
  ),
  'tracker.modelVersionAt': request(
    z.object({ name: ModelName, stage: ModelStageSchema.default('Production'), time: z.number() }),
    z.object({
      /** The version in the stage at that time (the latest to enter it, if several were); null if none. */
      version: ModelVersionSchema.nullable(),
      /** When it entered the stage. */
      since: z.number().nullable(),
    }),
    'Which version was in a stage at time T (ms since the epoch), answered from the history.',
  ),
} satisfies Record<string, ReturnType<typeof request>>;

export const trackerEvents = {
  /** Runs were created, updated or logged to (throttled: one event per experiment every ~250 ms at most). */
  'tracker.onRunsChanged': z.object({ experimentId: z.string(), runIds: z.array(z.string()) }),
  /** Experiments were created, renamed, deleted or restored, or their run counts changed. */
  'tracker.onExperimentsChanged': z.object({ experimentIds: z.array(z.string()) }),
  /** Models, versions, stages or aliases changed. */
  'tracker.onModelsChanged': z.object({ names: z.array(z.string()) }),
} satisfies Record<string, z.ZodType>;
