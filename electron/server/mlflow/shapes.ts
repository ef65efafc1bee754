import type { Experiment, ModelVersion, RegisteredModel, Run, RunInfo } from '../../../shared/tracker/model';
import { tagList } from './protocol';

/** The tracker's domain objects in MLflow's JSON (proto field names; empty fields left out, as MLflow does). */

export function experimentJson(e: Experiment) {
  return {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTime,
    creation_time: e.creationTime,
    tags: tagList(e.tags),
  };
}

export function runInfoJson(i: RunInfo) {
  return {
    run_uuid: i.runId,
    experiment_id: i.experimentId,
    run_name: i.runName,
    user_id: i.userId,
    status: i.status,
    start_time: i.startTime,
    end_time: i.endTime ?? undefined,
    artifact_uri: i.artifactUri,
    lifecycle_stage: i.lifecycleStage,
    run_id: i.runId,
  };
}

export function runJson(r: Run) {
  const metrics = Object.entries(r.metrics).map(([key, m]) => ({
    key,
    value: m.value,
    timestamp: m.timestamp,
    step: m.step,
  }));
  const params = Object.entries(r.params).map(([key, value]) => ({ key, value }));
  const datasetInputs = r.inputs.map((d) => ({
    tags: tagList(d.tags),
    dataset: {
      name: d.name,
      digest: d.digest,
      source_type: d.sourceType,
      source: d.source,
      schema: d.schema ?? undefined,
      profile: d.profile ?? undefined,
    },
  }));
  return {
    info: runInfoJson(r.info),
    data: {
      metrics: metrics.length ? metrics : undefined,
      params: params.length ? params : undefined,
      tags: tagList(r.tags),
    },
    inputs: datasetInputs.length ? { dataset_inputs: datasetInputs } : {},
  };
}

export function modelVersionJson(v: ModelVersion) {
  return {
    name: v.name,
    version: String(v.version),
    creation_timestamp: v.creationTimestamp,
    last_updated_timestamp: v.lastUpdatedTimestamp,
    current_stage: v.currentStage,
    description: v.description,
    source: v.source,
    run_id: v.runId ?? '',
    status: v.status,
    tags: tagList(v.tags),
    run_link: '',
    aliases: v.aliases.length ? v.aliases : undefined,
  };
}

export function registeredModelJson(m: RegisteredModel) {
  const aliases = Object.entries(m.aliases).map(([alias, version]) => ({ alias, version: String(version) }));
  return {
    name: m.name,
    creation_timestamp: m.creationTimestamp,
    last_updated_timestamp: m.lastUpdatedTimestamp,
    description: m.description,
    latest_versions: m.latestVersions.length ? m.latestVersions.map(modelVersionJson) : undefined,
    tags: tagList(m.tags),
    aliases: aliases.length ? aliases : undefined,
  };
}
