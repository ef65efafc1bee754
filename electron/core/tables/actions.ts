/**
 * The actions of a Delta log (PROTOCOL.md, "Actions"): their types, and parsing one JSON line of a commit
 * file (or one row of a checkpoint) into them with a clear error that says which file and line is wrong.
 */
import { LakebenchError } from '../../../shared/errors';

export interface Protocol {
  minReaderVersion: number;
  minWriterVersion: number;
  readerFeatures?: string[];
  writerFeatures?: string[];
}

export interface Metadata {
  id: string;
  name?: string;
  description?: string;
  format: { provider: string; options: Record<string, string> };
  schemaString: string;
  partitionColumns: string[];
  configuration: Record<string, string>;
  createdTime?: number;
}

export interface DeletionVectorDescriptor {
  storageType: string;
  pathOrInlineDv: string;
  offset?: number;
  sizeInBytes: number;
  cardinality: number;
}

/** Partition values as the log stores them: strings, `null` for a null value. */
export type PartitionValues = Record<string, string | null>;

export interface AddFile {
  path: string;
  partitionValues: PartitionValues;
  size: number;
  modificationTime: number;
  dataChange: boolean;
  stats?: string;
  tags?: Record<string, string>;
  deletionVector?: DeletionVectorDescriptor;
  baseRowId?: number;
  defaultRowCommitVersion?: number;
}

export interface RemoveFile {
  path: string;
  deletionTimestamp?: number;
  dataChange: boolean;
  extendedFileMetadata?: boolean;
  partitionValues?: PartitionValues;
  size?: number;
  stats?: string;
  tags?: Record<string, string>;
  deletionVector?: DeletionVectorDescriptor;
}

export interface CdcFile {
  path: string;
  partitionValues: PartitionValues;
  size: number;
  dataChange: boolean;
  tags?: Record<string, string>;
}

export interface TransactionId {
  appId: string;
  version: number;
  lastUpdated?: number;
}

export interface DomainMetadata {
  domain: string;
  configuration: string;
  removed: boolean;
}

/** Free-form provenance: Delta readers must not depend on any field of it. */
export type CommitInfo = Record<string, unknown> & { timestamp?: number; operation?: string };

export type Action =
  | { kind: 'protocol'; protocol: Protocol }
  | { kind: 'metaData'; metaData: Metadata }
  | { kind: 'add'; add: AddFile }
  | { kind: 'remove'; remove: RemoveFile }
  | { kind: 'cdc'; cdc: CdcFile }
  | { kind: 'txn'; txn: TransactionId }
  | { kind: 'domainMetadata'; domainMetadata: DomainMetadata }
  | { kind: 'commitInfo'; commitInfo: CommitInfo }
  /** An action this reader does not know (e.g. `checkpointMetadata`, `sidecar`): kept so it can be refused. */
  | { kind: 'unknown'; name: string };

/** Where an action came from, for error messages. */
export interface ActionSource {
  file: string;
  line?: number;
}

class ActionShapeError extends Error {}

function where(src: ActionSource): string {
  return src.line === undefined ? src.file : `${src.file} line ${src.line}`;
}

function corrupt(src: ActionSource, detail: string): LakebenchError {
  return new LakebenchError('TABLE_LOG_CORRUPT', `${where(src)}: ${detail}`, {
    file: src.file,
    ...(src.line === undefined ? {} : { line: src.line }),
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Record<string, unknown>, key: string, action: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ActionShapeError(`${action}.${key} must be a string`);
  return v;
}

function optStr(o: Record<string, unknown>, key: string, action: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ActionShapeError(`${action}.${key} must be a string`);
  return v;
}

function num(o: Record<string, unknown>, key: string, action: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ActionShapeError(`${action}.${key} must be a number`);
  return v;
}

function optNum(o: Record<string, unknown>, key: string, action: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ActionShapeError(`${action}.${key} must be a number`);
  return v;
}

function bool(o: Record<string, unknown>, key: string, action: string, fallback?: boolean): boolean {
  const v = o[key];
  if ((v === undefined || v === null) && fallback !== undefined) return fallback;
  if (typeof v !== 'boolean') throw new ActionShapeError(`${action}.${key} must be true or false`);
  return v;
}

function stringMap(v: unknown, what: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw new ActionShapeError(`${what} must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null) continue;
    if (typeof x !== 'string') throw new ActionShapeError(`${what}.${k} must be a string`);
    out[k] = x;
  }
  return out;
}

function partitionValues(v: unknown, what: string): PartitionValues {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw new ActionShapeError(`${what} must be an object`);
  const out: PartitionValues = {};
  for (const [k, x] of Object.entries(v)) {
    if (x !== null && typeof x !== 'string')
      throw new ActionShapeError(`${what}.${k} must be a string or null`);
    out[k] = x;
  }
  return out;
}

function stringList(v: unknown, what: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new ActionShapeError(`${what} must be a list of strings`);
  }
  return v as string[];
}

function deletionVector(v: unknown): DeletionVectorDescriptor | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new ActionShapeError('deletionVector must be an object');
  const offset = optNum(v, 'offset', 'deletionVector');
  return {
    storageType: str(v, 'storageType', 'deletionVector'),
    pathOrInlineDv: str(v, 'pathOrInlineDv', 'deletionVector'),
    ...(offset === undefined ? {} : { offset }),
    sizeInBytes: num(v, 'sizeInBytes', 'deletionVector'),
    cardinality: num(v, 'cardinality', 'deletionVector'),
  };
}

/** Drops keys whose value is undefined, so actions compare and serialize cleanly. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function parseBody(name: string, body: unknown): Action {
  if (name === 'commitInfo') {
    if (!isObject(body)) throw new ActionShapeError('commitInfo must be an object');
    return { kind: 'commitInfo', commitInfo: body as CommitInfo };
  }
  if (!isObject(body)) throw new ActionShapeError(`${name} must be an object`);
  const b = body;
  switch (name) {
    case 'protocol':
      return {
        kind: 'protocol',
        protocol: compact({
          minReaderVersion: num(b, 'minReaderVersion', name),
          minWriterVersion: num(b, 'minWriterVersion', name),
          readerFeatures: stringList(b.readerFeatures, 'protocol.readerFeatures'),
          writerFeatures: stringList(b.writerFeatures, 'protocol.writerFeatures'),
        }),
      };
    case 'metaData': {
      const format = isObject(b.format) ? b.format : { provider: 'parquet' };
      return {
        kind: 'metaData',
        metaData: compact({
          id: str(b, 'id', name),
          name: optStr(b, 'name', name),
          description: optStr(b, 'description', name),
          format: {
            provider: typeof format.provider === 'string' ? format.provider : 'parquet',
            options: stringMap(format.options, 'metaData.format.options'),
          },
          schemaString: str(b, 'schemaString', name),
          partitionColumns: stringList(b.partitionColumns, 'metaData.partitionColumns') ?? [],
          configuration: stringMap(b.configuration, 'metaData.configuration'),
          createdTime: optNum(b, 'createdTime', name),
        }),
      };
    }
    case 'add':
      return {
        kind: 'add',
        add: compact({
          path: str(b, 'path', name),
          partitionValues: partitionValues(b.partitionValues, 'add.partitionValues'),
          size: num(b, 'size', name),
          modificationTime: num(b, 'modificationTime', name),
          dataChange: bool(b, 'dataChange', name, true),
          stats: optStr(b, 'stats', name),
          tags: b.tags === undefined || b.tags === null ? undefined : stringMap(b.tags, 'add.tags'),
          deletionVector: deletionVector(b.deletionVector),
          baseRowId: optNum(b, 'baseRowId', name),
          defaultRowCommitVersion: optNum(b, 'defaultRowCommitVersion', name),
        }),
      };
    case 'remove':
      return {
        kind: 'remove',
        remove: compact({
          path: str(b, 'path', name),
          deletionTimestamp: optNum(b, 'deletionTimestamp', name),
          dataChange: bool(b, 'dataChange', name, true),
          extendedFileMetadata:
            b.extendedFileMetadata === undefined || b.extendedFileMetadata === null
              ? undefined
              : bool(b, 'extendedFileMetadata', name),
          partitionValues:
            b.partitionValues === undefined || b.partitionValues === null
              ? undefined
              : partitionValues(b.partitionValues, 'remove.partitionValues'),
          size: optNum(b, 'size', name),
          stats: optStr(b, 'stats', name),
          tags: b.tags === undefined || b.tags === null ? undefined : stringMap(b.tags, 'remove.tags'),
          deletionVector: deletionVector(b.deletionVector),
        }),
      };
    case 'cdc':
      return {
        kind: 'cdc',
        cdc: compact({
          path: str(b, 'path', name),
          partitionValues: partitionValues(b.partitionValues, 'cdc.partitionValues'),
          size: num(b, 'size', name),
          dataChange: bool(b, 'dataChange', name, false),
          tags: b.tags === undefined || b.tags === null ? undefined : stringMap(b.tags, 'cdc.tags'),
        }),
      };
    case 'txn':
      return {
        kind: 'txn',
        txn: compact({
          appId: str(b, 'appId', name),
          version: num(b, 'version', name),
          lastUpdated: optNum(b, 'lastUpdated', name),
        }),
      };
    case 'domainMetadata':
      return {
        kind: 'domainMetadata',
        domainMetadata: {
          domain: str(b, 'domain', name),
          configuration: str(b, 'configuration', name),
          removed: bool(b, 'removed', name, false),
        },
      };
    default:
      return { kind: 'unknown', name };
  }
}

/** Parses an object with exactly one action key (`{"add": {...}}`); null-valued keys are ignored. */
export function parseActionObject(value: unknown, src: ActionSource): Action {
  if (!isObject(value)) throw corrupt(src, 'an action must be a JSON object');
  const keys = Object.keys(value).filter((k) => value[k] !== null && value[k] !== undefined);
  if (keys.length !== 1) {
    throw corrupt(
      src,
      `an action must have exactly one key, found ${keys.length ? keys.join(', ') : 'none'}`,
    );
  }
  try {
    return parseBody(keys[0], value[keys[0]]);
  } catch (err) {
    if (err instanceof ActionShapeError) throw corrupt(src, err.message);
    throw err;
  }
}

/** Parses one line of a commit file. */
export function parseActionLine(line: string, src: ActionSource): Action {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw corrupt(src, `not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  return parseActionObject(value, src);
}

/** Parses a whole commit file: one action per non-empty line. */
export function parseCommitFile(text: string, file: string): Action[] {
  const actions: Action[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    actions.push(parseActionLine(line, { file, line: i + 1 }));
  }
  return actions;
}

/** The JSON line of an action as a commit file stores it. */
export function serializeAction(action: Action): string {
  switch (action.kind) {
    case 'protocol':
      return JSON.stringify({ protocol: action.protocol });
    case 'metaData':
      return JSON.stringify({ metaData: action.metaData });
    case 'add':
      return JSON.stringify({ add: action.add });
    case 'remove':
      return JSON.stringify({ remove: action.remove });
    case 'cdc':
      return JSON.stringify({ cdc: action.cdc });
    case 'txn':
      return JSON.stringify({ txn: action.txn });
    case 'domainMetadata':
      return JSON.stringify({ domainMetadata: action.domainMetadata });
    case 'commitInfo':
      return JSON.stringify({ commitInfo: action.commitInfo });
    case 'unknown':
      throw new LakebenchError('INVALID_REQUEST', `cannot write the unknown action ${action.name}`);
    default: {
      const never: never = action;
      return never;
    }
  }
}

/** The key that identifies a logical file in reconciliation: its path plus its deletion vector, if any. */
export function fileKey(path: string, dv: DeletionVectorDescriptor | undefined): string {
  if (!dv) return path;
  return `${path}\u0000${dv.storageType}${dv.pathOrInlineDv}${dv.offset === undefined ? '' : `@${dv.offset}`}`;
}
