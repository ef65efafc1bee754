import type Database from 'better-sqlite3';
import type { RunSelect } from '../../../shared/tracker/contract';
import {
  INFO_TAGS,
  TAG,
  runSourceFromTags,
  toMetricValue,
  type DatasetInput,
  type Run,
  type RunInfo,
  type RunStatus,
} from '../../../shared/tracker/model';
import { IN_IDS, prepared } from './statements';

/**
 * The one reader of tracked runs (MLflow's runs, not pipeline runs): runs by id with everything logged, or with
 * only the selected params, metrics and tags. A handful of statements per request, however many runs it names.
 */

/** A row of the `runs` table: one tracked run. */
export interface TrackedRunRow {
  run_uuid: string;
  experiment_id: number;
  name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  lifecycle_stage: string;
  artifact_uri: string;
}

interface KeyValueRow {
  run_uuid: string;
  key: string;
  value: string;
}

interface LatestRow {
  run_uuid: string;
  key: string;
  value: number | null;
  is_nan: number;
  step: number;
  timestamp: number;
}

interface InputRow {
  run_uuid: string;
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema: string | null;
  profile: string | null;
  tags_json: string;
}

/** A run's info from its row; parent, description and source come from its tags, filled in by the reader. */
export function runInfoFromRow(r: TrackedRunRow): RunInfo {
  return {
    runId: r.run_uuid,
    experimentId: String(r.experiment_id),
    runName: r.name,
    userId: r.user_id,
    status: r.status as RunStatus,
    startTime: r.start_time,
    endTime: r.end_time,
    artifactUri: r.artifact_uri,
    lifecycleStage: r.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
    parentRunId: null,
    description: '',
    source: runSourceFromTags({}),
  };
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/**
 * Tracked runs in the order of the ids given (missing ones left out). Without `select`, everything logged;
 * with it, only the selected params, metrics and tags (and inputs on request), each run's info still whole: its
 * source and description are read from the info tags whether or not they are selected.
 */
export function readRuns(db: Database.Database, ids: readonly string[], select?: RunSelect): Run[] {
  if (ids.length === 0) return [];
  const json = JSON.stringify(ids);
  const byId = new Map<string, Run>();
  const infoTags = new Map<string, Record<string, string>>();
  for (const r of prepared(db, `SELECT * FROM runs WHERE run_uuid IN (${IN_IDS})`).all(
    json,
  ) as TrackedRunRow[]) {
    byId.set(r.run_uuid, { info: runInfoFromRow(r), params: {}, metrics: {}, tags: {}, inputs: [] });
    infoTags.set(r.run_uuid, {});
  }
  /** Rows of a key/value table for these runs: every key, or only `keys` when a selection is given. */
  const rows = <T>(table: string, cols: string, keys: readonly string[] | null): T[] => {
    if (keys === null)
      return prepared(db, `SELECT run_uuid, ${cols} FROM ${table} WHERE run_uuid IN (${IN_IDS})`).all(
        json,
      ) as T[];
    if (keys.length === 0) return [];
    return prepared(
      db,
      `SELECT run_uuid, ${cols} FROM ${table} WHERE run_uuid IN (${IN_IDS}) AND key IN (${IN_IDS})`,
    ).all(json, JSON.stringify(unique(keys))) as T[];
  };

  for (const p of rows<KeyValueRow>('params', 'key, value', select ? select.params : null))
    byId.get(p.run_uuid)!.params[p.key] = p.value;
  const wanted = select ? new Set(select.tags) : null;
  for (const t of rows<KeyValueRow>('tags', 'key, value', select ? [...select.tags, ...INFO_TAGS] : null)) {
    if (!wanted || wanted.has(t.key)) byId.get(t.run_uuid)!.tags[t.key] = t.value;
    infoTags.get(t.run_uuid)![t.key] = t.value;
  }
  for (const m of rows<LatestRow>(
    'latest_metrics',
    'key, value, is_nan, step, timestamp',
    select ? select.metrics : null,
  ))
    byId.get(m.run_uuid)!.metrics[m.key] = {
      value: toMetricValue(m.is_nan ? NaN : (m.value as number)),
      step: m.step,
      timestamp: m.timestamp,
    };
  if (!select || select.inputs)
    for (const d of prepared(db, `SELECT * FROM inputs WHERE run_uuid IN (${IN_IDS})`).all(
      json,
    ) as InputRow[])
      byId.get(d.run_uuid)!.inputs.push({
        name: d.name,
        digest: d.digest,
        sourceType: d.source_type,
        source: d.source,
        schema: d.schema,
        profile: d.profile,
        tags: JSON.parse(d.tags_json) as Record<string, string>,
      } satisfies DatasetInput);
  const out: Run[] = [];
  for (const id of ids) {
    const run = byId.get(id);
    if (!run) continue;
    const tags = infoTags.get(id)!;
    run.info.parentRunId = tags[TAG.parentRunId] ?? null;
    run.info.description = tags[TAG.note] ?? '';
    run.info.source = runSourceFromTags(tags);
    out.push(run);
  }
  return out;
}

/** Tracked runs by id in the order given (each once), with everything logged or only the selected keys. */
export function getRuns(
  db: Database.Database,
  runIds: readonly string[],
  select?: RunSelect,
): { runs: Run[]; missing: string[] } {
  const ids = unique(runIds);
  const runs = readRuns(db, ids, select);
  const found = new Set(runs.map((r) => r.info.runId));
  return { runs, missing: ids.filter((id) => !found.has(id)) };
}
