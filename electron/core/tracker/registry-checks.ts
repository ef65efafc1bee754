import os from 'node:os';
import { MODEL_STAGES, type ModelStage } from '../../../shared/tracker/model';
import { LIMITS, checkEntityName, checkName, checkTagValue, invalid } from './validate';

/** The model registry's checks of what it is given: names, versions, stages and tags, with MLflow's limits. */

/** Who made a registry change, as the event history records it. */
export function localUser(): string {
  try {
    return os.userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** MLflow accepts stages in any case; the canonical spelling is stored. */
export function canonicalStage(stage: unknown): ModelStage {
  const found = MODEL_STAGES.find(
    (s) => typeof stage === 'string' && s.toLowerCase() === stage.toLowerCase(),
  );
  if (!found)
    throw invalid(
      `Invalid Model Version stage: ${String(stage)}. Value must be one of ${MODEL_STAGES.join(', ')}.`,
    );
  return found;
}

export function checkModelName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw invalid('Registered model name cannot be empty.');
  if (name.length > LIMITS.modelNameLength)
    throw invalid(`Registered model name '${name.slice(0, 40)}...' is too long.`);
  return checkEntityName('name', name, LIMITS.modelNameLength);
}

/** A registry tag: MLflow's tag name rules, and values of at most 5000 characters. */
export function checkRegistryTag(key: unknown, value: unknown): void {
  const k = checkName('tag', key);
  checkTagValue(k, value, LIMITS.registryTagValueLength);
}

export function checkVersion(version: unknown): number {
  const n = typeof version === 'string' && /^\d+$/.test(version) ? Number(version) : version;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1)
    throw invalid(`Model version must be a positive integer, got '${String(version)}'.`);
  return n;
}
