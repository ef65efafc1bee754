import { LakebenchError } from '../../../shared/errors';

/** MLflow's limits (mlflow/utils/validation.py in 2.12), enforced with its messages. */
export const LIMITS = {
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchTotal: 1000,
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 8000,
  experimentTagValueLength: 5000,
  entityNameLength: 250,
  /** MLflow's SQL store keeps experiment and registered model names in 256-character columns. */
  experimentNameLength: 256,
  modelNameLength: 256,
  registryTagValueLength: 5000,
} as const;

export function invalid(message: string): LakebenchError {
  return new LakebenchError('INVALID_PARAMETER_VALUE', message);
}

const NAME_CHARS = /^[/\w.\- ]*$/;

/** A UTF-16 surrogate without its pair: not a character, and not storable as UTF-8. */
export function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      else return true;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

/**
 * A name a user gives (experiment, run, registered model): a string, not blank, at most `limit` characters,
 * without NUL or control characters and without lone surrogates. `field` is the request parameter's name.
 */
export function checkEntityName(field: string, name: unknown, limit: number, allowEmpty = false): string {
  if (name === undefined || name === null || (typeof name === 'string' && name.trim() === '' && !allowEmpty))
    throw invalid(
      `Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`,
    );
  if (typeof name !== 'string')
    throw invalid(`Invalid value ${JSON.stringify(name)} for parameter '${field}': expected a string.`);
  if (name.length > limit)
    throw invalid(
      `Invalid value for parameter '${field}': '${name.slice(0, 40)}...' has length ${name.length}, which exceeds the limit of ${limit}.`,
    );
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name))
    throw invalid(`Invalid value for parameter '${field}': names may not contain control characters or NUL.`);
  if (hasLoneSurrogate(name))
    throw invalid(`Invalid value for parameter '${field}': the text holds an unpaired UTF-16 surrogate.`);
  return name;
}

/** Metric, param and tag names: MLflow allows alphanumerics, _ - . space and /, as a relative path. */
export function checkName(kind: 'metric' | 'param' | 'tag', name: unknown): string {
  if (typeof name !== 'string' || name === '')
    throw invalid(`Missing value for required parameter 'key'. A ${kind} needs a name.`);
  if (!NAME_CHARS.test(name))
    throw invalid(
      `Invalid ${kind} name: '${name}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).`,
    );
  if (name.startsWith('/') || name.split('/').includes('..'))
    throw invalid(
      `Invalid ${kind} name: '${name}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${name}'`,
    );
  if (name.length > LIMITS.keyLength)
    throw invalid(
      `${kind === 'param' ? 'Param' : kind === 'tag' ? 'Tag' : 'Metric'} key '${name.slice(0, 40)}...' had length ${name.length}, which exceeded length limit of ${LIMITS.keyLength}`,
    );
  return name;
}

export function checkParamValue(key: string, value: unknown): string {
  if (typeof value !== 'string')
    throw invalid(`Invalid value for param '${key}': expected a string, got ${JSON.stringify(value)}`);
  if (value.length > LIMITS.paramValueLength)
    throw invalid(
      `Param value '${value.slice(0, 40)}...' had length ${value.length}, which exceeded length limit of ${LIMITS.paramValueLength}`,
    );
  return value;
}

export function checkTagValue(key: string, value: unknown, limit: number = LIMITS.tagValueLength): string {
  if (typeof value !== 'string')
    throw invalid(`Invalid value for tag '${key}': expected a string, got ${JSON.stringify(value)}`);
  if (value.length > limit)
    throw invalid(
      `Tag value '${value.slice(0, 40)}...' had length ${value.length}, which exceeded length limit of ${limit}`,
    );
  return value;
}

/** A metric value: a number, or MLflow's JSON spellings of the non-finite ones. */
export function metricValue(key: string, value: unknown, timestamp: unknown): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN' || value === 'nan') return NaN;
  if (value === 'Infinity' || value === 'inf') return Infinity;
  if (value === '-Infinity' || value === '-inf') return -Infinity;
  throw invalid(
    `Got invalid value ${value === undefined || value === null ? 'None' : JSON.stringify(value)} for metric '${key}' (timestamp=${String(timestamp)}). Please specify value as a valid double (64-bit floating point)`,
  );
}

export function metricInteger(field: string, key: string, value: unknown, fallback?: number): number {
  if ((value === undefined || value === null) && fallback !== undefined) return fallback;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n))
    throw invalid(
      `Got invalid ${field} ${value === undefined || value === null ? 'None' : JSON.stringify(value)} for metric '${key}'. ${field === 'step' ? 'Step' : 'Timestamp'} must be an integer`,
    );
  return n;
}
