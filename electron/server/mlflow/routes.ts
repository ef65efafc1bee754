import type { Experiment, RunStatus, RunViewType } from '../../../shared/tracker/model';
import { RUN_STATUSES, toMetricValue } from '../../../shared/tracker/model';
import {
  EXPERIMENT_FIELDS,
  QuerySyntaxError,
  likeMatch,
  parseQuery,
  type QueryExpr,
} from '../../../shared/query';
import { checkVersion, decodeToken, type TrackerService } from '../../core/tracker';
import type { Fields } from './protocol';
import { MlflowError, missing } from './protocol';
import { experimentJson, modelVersionJson, registeredModelJson, runInfoJson, runJson } from './shapes';

type Handler = (f: Fields, tracker: TrackerService) => unknown;

const VIEW_TYPES: RunViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];

function viewType(f: Fields, name: string): RunViewType {
  const v = f.msg[name];
  if (v === undefined || v === null) return 'ACTIVE_ONLY';
  const byNumber: Record<number, RunViewType> = { 1: 'ACTIVE_ONLY', 2: 'DELETED_ONLY', 3: 'ALL' };
  if (typeof v === 'number' && byNumber[v]) return byNumber[v];
  if (typeof v === 'string' && (VIEW_TYPES as string[]).includes(v)) return v as RunViewType;
  throw new MlflowError(
    'INVALID_PARAMETER_VALUE',
    `Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied. Valid values are ${VIEW_TYPES.join(', ')}.`,
  );
}

function maxResults(f: Fields, fallback: number, limit: number): number {
  const n = f.int('max_results') ?? fallback;
  if (n < 1 || n > limit)
    throw new MlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid value for request parameter max_results. It must be at most ${limit}, but got value ${n}`,
    );
  return n;
}

function runStatus(v: string | undefined): RunStatus | undefined {
  if (v === undefined) return undefined;
  if (!(RUN_STATUSES as readonly string[]).includes(v))
    throw new MlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid value "${v}" for parameter 'status' supplied. Valid values are ${RUN_STATUSES.join(', ')}.`,
    );
  return v as RunStatus;
}

/** A parse error of a search filter in MLflow's terms, naming the column of the mistake. */
function filterError(filter: string, err: unknown): unknown {
  if (!(err instanceof QuerySyntaxError)) return err;
  return new MlflowError(
    'INVALID_PARAMETER_VALUE',
    `Invalid filter '${filter.length > 200 ? `${filter.slice(0, 200)}...` : filter}' at column ${err.offset + 1}: ${err.message}`,
  );
}

/** Experiments' own filter: `name`, `tags.<key>`, creation_time and last_update_time, with AND and OR. */
function experimentMatcher(filter: string): (e: Experiment) => boolean {
  let expr: QueryExpr | null;
  try {
    expr = parseQuery(filter, EXPERIMENT_FIELDS);
  } catch (err) {
    throw filterError(filter, err);
  }
  if (!expr) return () => true;
  const test = (node: QueryExpr, e: Experiment): boolean => {
    if (node.kind === 'and') return node.items.every((n) => test(n, e));
    if (node.kind === 'or') return node.items.some((n) => test(n, e));
    const { field, op } = node;
    const x =
      field.group === 'tag'
        ? e.tags[field.key]
        : field.key === 'name'
          ? e.name
          : field.key === 'creation_time'
            ? e.creationTime
            : e.lastUpdateTime;
    if (x === undefined) return false;
    const value = node.value.kind === 'string' || node.value.kind === 'number' ? node.value.value : '';
    switch (op) {
      case '=':
        return x === value;
      case '!=':
        return x !== value;
      case 'LIKE':
      case 'ILIKE':
        return likeMatch(String(x), String(value), op === 'ILIKE');
      case '<':
        return x < value;
      case '<=':
        return x <= value;
      case '>':
        return x > value;
      default:
        return x >= value;
    }
  };
  return (e) => test(expr, e);
}

function nextToken(offset: number, shown: number, total: number): string | undefined {
  return offset + shown < total
    ? Buffer.from(JSON.stringify({ offset: offset + shown })).toString('base64')
    : undefined;
}

function version(f: Fields): number {
  const v = f.str('version', true);
  try {
    return checkVersion(v);
  } catch {
    throw new MlflowError('INVALID_PARAMETER_VALUE', `Parameter 'version' must be an integer, got '${v}'.`);
  }
}

/** Every MLflow route this server answers, by method and path after `/2.0/mlflow/`. */
export const ROUTES: Record<string, Partial<Record<'GET' | 'POST' | 'PATCH' | 'DELETE', Handler>>> = {
  'experiments/create': {
    POST: (f, t) => {
      const name = f.name('name', true);
      const e = t.createExperiment(name, f.keyValues('tags'), f.str('artifact_location') || undefined);
      return { experiment_id: e.experimentId };
    },
  },
  'experiments/get': {
    GET: (f, t) => ({ experiment: experimentJson(t.getExperiment(f.str('experiment_id', true))) }),
  },
  'experiments/get-by-name': {
    GET: (f, t) => ({
      experiment: experimentJson(t.getExperimentByName(f.name('experiment_name', true))),
    }),
  },
  'experiments/search': {
    POST: (f, t) => searchExperiments(f, t),
    GET: (f, t) => searchExperiments(f, t),
  },
  'experiments/update': {
    POST: (f, t) => {
      t.renameExperiment(f.str('experiment_id', true), f.name('new_name', true));
      return {};
    },
  },
  'experiments/delete': {
    POST: (f, t) => {
      t.setExperimentLifecycle(f.str('experiment_id', true), 'deleted');
      return {};
    },
  },
  'experiments/restore': {
    POST: (f, t) => {
      t.setExperimentLifecycle(f.str('experiment_id', true), 'active');
      return {};
    },
  },
  'experiments/set-experiment-tag': {
    POST: (f, t) => {
      t.setExperimentTag(f.str('experiment_id', true), f.name('key', true), f.str('value', true));
      return {};
    },
  },

  'runs/create': {
    POST: (f, t) => {
      const run = t.createRun({
        experimentId: f.str('experiment_id') || '0',
        userId: f.str('user_id'),
        runName: f.name('run_name'),
        startTime: f.int('start_time'),
        tags: f.keyValues('tags'),
      });
      return { run: runJson(run) };
    },
  },
  'runs/get': { GET: (f, t) => ({ run: runJson(t.getRun(f.runId())) }) },
  'runs/update': {
    POST: (f, t) => {
      const run = t.updateRun(f.runId(), {
        status: runStatus(f.str('status')),
        endTime: f.int('end_time'),
        runName: f.name('run_name'),
      });
      return { run_info: runInfoJson(run.info) };
    },
  },
  'runs/delete': {
    POST: (f, t) => {
      t.setRunsLifecycle([f.runId()], 'deleted');
      return {};
    },
  },
  'runs/restore': {
    POST: (f, t) => {
      t.setRunsLifecycle([f.runId()], 'active');
      return {};
    },
  },
  'runs/log-metric': {
    POST: (f, t) => {
      const runId = f.runId();
      const key = f.name('key', true);
      if (!f.has('value')) throw missing('value');
      if (!f.has('timestamp')) throw missing('timestamp');
      t.logBatch(runId, {
        metrics: [{ key, value: f.msg.value, timestamp: f.msg.timestamp, step: f.msg.step ?? 0 }],
      });
      return {};
    },
  },
  'runs/log-parameter': {
    POST: (f, t) => {
      const runId = f.runId();
      t.logBatch(runId, { params: [{ key: f.name('key', true), value: f.str('value', true) }] });
      return {};
    },
  },
  'runs/log-batch': {
    POST: (f, t) => {
      const runId = f.runId();
      t.logBatch(runId, { metrics: f.list('metrics'), params: f.list('params'), tags: f.list('tags') });
      return {};
    },
  },
  'runs/log-inputs': {
    POST: (f, t) => {
      t.logInputs(f.runId(), f.list('datasets'));
      return {};
    },
  },
  'runs/log-model': {
    POST: (f, t) => {
      const runId = f.runId();
      const text = f.str('model_json', true);
      let model: unknown;
      try {
        model = JSON.parse(text);
      } catch {
        throw new MlflowError(
          'INVALID_PARAMETER_VALUE',
          `Malformed model info.\n JSON: '${text.slice(0, 200)}'`,
        );
      }
      t.logModel(runId, model);
      return {};
    },
  },
  'runs/set-tag': {
    POST: (f, t) => {
      t.setTag(f.runId(), f.name('key', true), f.str('value', true));
      return {};
    },
  },
  'runs/delete-tag': {
    POST: (f, t) => {
      t.deleteTag(f.runId(), f.name('key', true));
      return {};
    },
  },
  'runs/search': {
    POST: (f, t) => searchRuns(f, t),
  },
  'metrics/get-history': {
    GET: (f, t) => {
      const runId = f.runId();
      const key = f.name('metric_key', true);
      const max = maxResults(f, 25_000, 25_000);
      const page = t.metricHistory(runId, key, max, f.str('page_token') ?? null);
      return {
        metrics: page.metrics.length
          ? page.metrics.map((m) => ({
              key,
              value: toMetricValue(m.value),
              timestamp: m.timestamp,
              step: m.step,
            }))
          : undefined,
        next_page_token: page.nextPageToken ?? undefined,
      };
    },
  },
  'artifacts/list': {
    GET: async (f, t) => {
      const runId = f.runId();
      const rel = f.str('path') ?? '';
      const files = await t.listArtifacts(runId, rel);
      return {
        root_uri: t.runInfoRow(runId).artifactUri,
        files: files.length
          ? files.map((x) => ({ path: x.path, is_dir: x.isDir, file_size: x.fileSize ?? undefined }))
          : undefined,
      };
    },
  },

  'registered-models/create': {
    POST: (f, t) => ({
      registered_model: registeredModelJson(
        t.createModel(f.name('name', true), f.keyValues('tags'), f.str('description') ?? ''),
      ),
    }),
  },
  'registered-models/get': {
    GET: (f, t) => ({ registered_model: registeredModelJson(t.getModel(f.name('name', true))) }),
  },
  'registered-models/rename': {
    POST: (f, t) => ({
      registered_model: registeredModelJson(t.renameModel(f.name('name', true), f.name('new_name', true))),
    }),
  },
  'registered-models/update': {
    PATCH: (f, t) => ({
      registered_model: registeredModelJson(t.updateModel(f.name('name', true), f.str('description') ?? '')),
    }),
  },
  'registered-models/delete': {
    DELETE: (f, t) => {
      t.deleteModel(f.name('name', true));
      return {};
    },
  },
  'registered-models/search': {
    GET: (f, t) => {
      const r = t.searchModels(f.str('filter') ?? '', maxResults(f, 100, 1000), f.str('page_token') ?? null);
      return {
        registered_models: r.models.length ? r.models.map(registeredModelJson) : undefined,
        next_page_token: r.nextPageToken ?? undefined,
      };
    },
  },
  'registered-models/get-latest-versions': {
    POST: (f, t) => latestVersions(f, t),
    GET: (f, t) => latestVersions(f, t),
  },
  'registered-models/set-tag': {
    POST: (f, t) => {
      t.setModelTag(f.name('name', true), f.name('key', true), f.str('value', true));
      return {};
    },
  },
  'registered-models/delete-tag': {
    DELETE: (f, t) => {
      t.deleteModelTag(f.name('name', true), f.name('key', true));
      return {};
    },
  },
  'registered-models/alias': {
    POST: (f, t) => {
      t.setAlias(f.name('name', true), f.name('alias', true), version(f));
      return {};
    },
    DELETE: (f, t) => {
      t.deleteAlias(f.name('name', true), f.name('alias', true));
      return {};
    },
    GET: (f, t) => ({
      model_version: modelVersionJson(t.versionByAlias(f.name('name', true), f.name('alias', true))),
    }),
  },

  'model-versions/create': {
    POST: (f, t) => ({
      model_version: modelVersionJson(
        t.createVersion({
          name: f.name('name', true),
          source: f.str('source', true),
          runId: f.str('run_id') || null,
          tags: f.keyValues('tags'),
          description: f.str('description') ?? '',
          runLink: f.str('run_link') ?? '',
        }),
      ),
    }),
  },
  'model-versions/get': {
    GET: (f, t) => ({
      model_version: modelVersionJson(t.getVersion(f.name('name', true), version(f))),
    }),
  },
  'model-versions/update': {
    PATCH: (f, t) => ({
      model_version: modelVersionJson(
        t.updateVersion(f.name('name', true), version(f), f.str('description') ?? ''),
      ),
    }),
  },
  'model-versions/delete': {
    DELETE: (f, t) => {
      t.deleteVersion(f.name('name', true), version(f));
      return {};
    },
  },
  'model-versions/transition-stage': {
    POST: (f, t) => ({
      model_version: modelVersionJson(
        t.transition(
          f.name('name', true),
          version(f),
          f.str('stage', true),
          f.bool('archive_existing_versions') ?? false,
          f.str('comment') ?? '',
        ),
      ),
    }),
  },
  'model-versions/search': {
    GET: (f, t) => {
      const r = t.searchVersions(
        f.str('filter') ?? '',
        maxResults(f, 10_000, 200_000),
        f.str('page_token') ?? null,
      );
      return {
        model_versions: r.versions.length ? r.versions.map(modelVersionJson) : undefined,
        next_page_token: r.nextPageToken ?? undefined,
      };
    },
  },
  'model-versions/get-download-uri': {
    GET: (f, t) => ({ artifact_uri: t.getVersion(f.name('name', true), version(f)).source }),
  },
  'model-versions/set-tag': {
    POST: (f, t) => {
      t.setVersionTag(f.name('name', true), version(f), f.name('key', true), f.str('value', true));
      return {};
    },
  },
  'model-versions/delete-tag': {
    DELETE: (f, t) => {
      t.deleteVersionTag(f.name('name', true), version(f), f.name('key', true));
      return {};
    },
  },
};

function searchExperiments(f: Fields, t: TrackerService) {
  const max = maxResults(f, 1000, 50_000);
  const offset = decodeToken(f.str('page_token'));
  const match = experimentMatcher(f.str('filter') ?? '');
  const all = t.listExperiments(viewType(f, 'view_type')).filter(match);
  const order = f.strings('order_by');
  if (order.length) {
    const m =
      /^(?:attributes?\.)?(name|experiment_id|creation_time|last_update_time)(?:\s+(ASC|DESC))?$/i.exec(
        order[0].trim(),
      );
    if (!m) throw new MlflowError('INVALID_PARAMETER_VALUE', `Invalid order_by clause '${order[0]}'.`);
    const key = m[1].toLowerCase();
    const dir = (m[2] ?? 'ASC').toUpperCase() === 'ASC' ? 1 : -1;
    const val = (e: Experiment) =>
      key === 'name'
        ? e.name
        : key === 'experiment_id'
          ? Number(e.experimentId)
          : key === 'creation_time'
            ? e.creationTime
            : e.lastUpdateTime;
    all.sort((a, b) => (val(a) < val(b) ? -dir : val(a) > val(b) ? dir : 0));
  }
  const page = all.slice(offset, offset + max);
  return {
    experiments: page.length ? page.map(experimentJson) : undefined,
    next_page_token: nextToken(offset, page.length, all.length),
  };
}

function searchRuns(f: Fields, t: TrackerService) {
  const r = t.searchRuns({
    experimentIds: f.strings('experiment_ids'),
    filter: f.str('filter') ?? '',
    orderBy: f.strings('order_by'),
    maxResults: maxResults(f, 1000, 50_000),
    pageToken: f.str('page_token') ?? null,
    runViewType: viewType(f, 'run_view_type'),
  });
  return {
    runs: r.runs.length ? r.runs.map(runJson) : undefined,
    next_page_token: r.nextPageToken ?? undefined,
  };
}

function latestVersions(f: Fields, t: TrackerService) {
  const name = f.name('name', true);
  t.getModel(name);
  const versions = t.latestVersions(name, f.strings('stages'));
  return { model_versions: versions.length ? versions.map(modelVersionJson) : undefined };
}
