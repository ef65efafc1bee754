/**
 * A table's state at one version (PROTOCOL.md, "Action Reconciliation"): the newest usable checkpoint at or
 * below the version, then every later commit, replayed in order.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { LakebenchError } from '../../../shared/errors';
import {
  fileKey,
  type Action,
  type AddFile,
  type DomainMetadata,
  type Metadata,
  type Protocol,
  type RemoveFile,
  type TransactionId,
} from './actions';
import type { EngineSession } from './engine';
import {
  LOG_DIR,
  commitFileName,
  listLog,
  readCheckpoint,
  readCommit,
  type CheckpointFiles,
  type CommitRead,
  type LogListing,
} from './log';
import { assertReadable } from './protocol';
import { parseSchemaString, type DeltaSchema } from './schema';

export interface Snapshot {
  tableRoot: string;
  version: number;
  /** When this version was committed (ms since the epoch). */
  timestamp: number;
  protocol: Protocol;
  metadata: Metadata;
  schema: DeltaSchema;
  /** The live data files, in the order they were added. */
  files: AddFile[];
  /** Removed files whose tombstones have not been dropped by a checkpoint. */
  tombstones: RemoveFile[];
  txns: Map<string, TransactionId>;
  domains: Map<string, DomainMetadata>;
  /** The checkpoint replay started from, if any. */
  checkpointVersion: number | null;
}

export type VersionSelector = { version?: number; timestamp?: number };

/** What replay keeps between actions. */
class ReplayState {
  protocol: Protocol | undefined;
  metadata: Metadata | undefined;
  metadataFile = '';
  readonly files = new Map<string, AddFile>();
  readonly tombstones = new Map<string, RemoveFile>();
  readonly txns = new Map<string, TransactionId>();
  readonly domains = new Map<string, DomainMetadata>();

  apply(action: Action, file: string): void {
    switch (action.kind) {
      case 'protocol':
        this.protocol = action.protocol;
        break;
      case 'metaData':
        this.metadata = action.metaData;
        this.metadataFile = file;
        break;
      case 'add': {
        const key = fileKey(action.add.path, action.add.deletionVector);
        this.files.delete(key); // re-adding moves the file to the end, as a fresh add
        this.files.set(key, action.add);
        this.tombstones.delete(key);
        break;
      }
      case 'remove': {
        const key = fileKey(action.remove.path, action.remove.deletionVector);
        this.files.delete(key);
        this.tombstones.set(key, action.remove);
        break;
      }
      case 'txn':
        this.txns.set(action.txn.appId, action.txn);
        break;
      case 'domainMetadata':
        if (action.domainMetadata.removed) this.domains.delete(action.domainMetadata.domain);
        else this.domains.set(action.domainMetadata.domain, action.domainMetadata);
        break;
      case 'cdc':
      case 'commitInfo':
      case 'unknown':
        break;
      default: {
        const never: never = action;
        return never;
      }
    }
  }
}

/** The versions the log can rebuild, and the latest. */
export function readableRange(listing: LogListing): { earliest: number; latest: number } | null {
  const versions = [...listing.commits.keys(), ...listing.checkpoints.map((c) => c.version)];
  if (versions.length === 0) return null;
  const latest = Math.max(...versions);
  const earliest = listing.commits.has(0)
    ? 0
    : Math.min(...listing.checkpoints.map((c) => c.version), Infinity);
  return { earliest, latest };
}

function noVersion(table: string, message: string): LakebenchError {
  return new LakebenchError('TABLE_VERSION_NOT_FOUND', `${table}: ${message}`, { file: table });
}

/** Picks the version a selector asks for (latest when empty). */
async function resolveVersion(
  listing: LogListing,
  tableRoot: string,
  selector: VersionSelector,
  range: { earliest: number; latest: number },
): Promise<number> {
  if (selector.version !== undefined) {
    const v = selector.version;
    if (!Number.isInteger(v) || v < 0) throw noVersion(tableRoot, `${v} is not a table version`);
    if (v > range.latest)
      throw noVersion(tableRoot, `version ${v} does not exist; the latest version is ${range.latest}`);
    if (v < range.earliest) {
      throw noVersion(
        tableRoot,
        `version ${v} is no longer available: its log was cleaned up, and the oldest version that can be read is ${range.earliest}`,
      );
    }
    return v;
  }
  if (selector.timestamp !== undefined) {
    const t = selector.timestamp;
    let found: number | null = null;
    let earliestTime: number | null = null;
    for (let v = range.earliest; v <= range.latest; v++) {
      if (!listing.commits.has(v)) continue;
      const commit = await readCommit(listing.logDir, v);
      earliestTime ??= commit.timestamp;
      if (commit.timestamp <= t) found = v;
      else break;
    }
    if (found === null) {
      throw noVersion(
        tableRoot,
        `no version existed at ${new Date(t).toISOString()}${earliestTime === null ? '' : `; the oldest readable version was committed at ${new Date(earliestTime).toISOString()}`}`,
      );
    }
    return found;
  }
  return range.latest;
}

/** Throws when a commit between `from` and `to` is missing from the log. */
function assertCommitsPresent(listing: LogListing, tableRoot: string, from: number, to: number): void {
  for (let v = from; v <= to; v++) {
    if (listing.commits.has(v)) continue;
    const before = [...listing.commits.keys()].filter((x) => x < v).sort((a, b) => b - a)[0];
    const after = [...listing.commits.keys()].filter((x) => x > v).sort((a, b) => a - b)[0];
    const neighbours = [before, after].filter((x) => x !== undefined).map((x) => `commit ${x}`);
    throw new LakebenchError(
      'TABLE_LOG_CORRUPT',
      `${tableRoot}: commit ${v} (${LOG_DIR}/${commitFileName(v)}) is missing from the log` +
        (neighbours.length ? ` (it has ${neighbours.join(' and ')})` : ''),
      { file: path.join(listing.logDir, commitFileName(v)) },
    );
  }
}

/** Loads the snapshot of a table at a version (default: the latest). */
export async function loadSnapshot(
  session: EngineSession,
  tableRoot: string,
  selector: VersionSelector = {},
): Promise<Snapshot> {
  const listing = await listLog(tableRoot);
  const range = readableRange(listing);
  if (!range) {
    throw new LakebenchError(
      'TABLE_NOT_DELTA',
      `${tableRoot} is not a Delta table: its ${LOG_DIR} folder has no commits`,
      {
        file: tableRoot,
      },
    );
  }
  if (listing.v2Checkpoints.length && !listing.commits.has(0) && listing.checkpoints.length === 0) {
    throw new LakebenchError(
      'TABLE_UNSUPPORTED_FEATURE',
      `${tableRoot} can only be read from a UUID-named checkpoint (reader feature \`v2Checkpoint\`), which Lakebench does not support`,
    );
  }
  const version = await resolveVersion(listing, tableRoot, selector, range);

  // The newest complete checkpoint at or below the version. On a local disk listing `_delta_log/` is cheap and
  // is the truth, so `_last_checkpoint` (a hint for object stores, possibly stale) is not needed to find it.
  // A checkpoint that cannot be read (torn by another tool) gives way to an older one, or to replay from 0.
  const candidates: (CheckpointFiles | null)[] = [
    ...[...listing.checkpoints].reverse().filter((c) => c.version <= version),
    ...(listing.commits.has(0) ? [null] : []),
  ];
  let firstError: unknown = null;
  let checkpoint: CheckpointFiles | null = null;
  let state: ReplayState | null = null;
  for (const candidate of candidates) {
    const start = candidate ? candidate.version + 1 : 0;
    if (firstError) {
      // Falling back: a candidate the commits cannot carry to the version is passed over.
      try {
        assertCommitsPresent(listing, tableRoot, start, version);
      } catch {
        continue;
      }
    } else assertCommitsPresent(listing, tableRoot, start, version);
    const attempt = new ReplayState();
    if (candidate) {
      try {
        const label = `${LOG_DIR}/${candidate.files[0]}`;
        for (const action of await readCheckpoint(session, listing.logDir, candidate))
          attempt.apply(action, label);
      } catch (err) {
        if (!(err instanceof LakebenchError) || err.code !== 'TABLE_LOG_CORRUPT') throw err;
        firstError ??= err;
        session.warn(`${tableRoot}: ${err.message}; reading from an older checkpoint or the commits instead`);
        continue;
      }
    }
    checkpoint = candidate;
    state = attempt;
    break;
  }
  if (!state) {
    if (firstError) throw firstError;
    // No checkpoint at or below the version and no commit 0: resolveVersion has already refused this.
    throw noVersion(tableRoot, `version ${version} cannot be rebuilt from the log`);
  }
  const start = checkpoint ? checkpoint.version + 1 : 0;
  let lastCommit: CommitRead | null = null;
  for (let v = start; v <= version; v++) {
    lastCommit = await readCommit(listing.logDir, v);
    const label = `${LOG_DIR}/${commitFileName(v)}`;
    for (const action of lastCommit.actions) state.apply(action, label);
  }
  if (!state.protocol) {
    throw new LakebenchError(
      'TABLE_LOG_CORRUPT',
      `${tableRoot}: the log up to version ${version} has no protocol action`,
      {
        file: listing.logDir,
      },
    );
  }
  if (!state.metadata) {
    throw new LakebenchError(
      'TABLE_LOG_CORRUPT',
      `${tableRoot}: the log up to version ${version} has no metaData action`,
      {
        file: listing.logDir,
      },
    );
  }
  assertReadable(state.protocol, state.metadata, tableRoot);
  const timestamp = lastCommit
    ? lastCommit.timestamp
    : await checkpointTime(listing, checkpoint as NonNullable<typeof checkpoint>);
  return {
    tableRoot,
    version,
    timestamp,
    protocol: state.protocol,
    metadata: state.metadata,
    schema: parseSchemaString(state.metadata.schemaString, state.metadataFile),
    files: [...state.files.values()],
    tombstones: [...state.tombstones.values()],
    txns: state.txns,
    domains: state.domains,
    checkpointVersion: checkpoint ? checkpoint.version : null,
  };
}

/** The time of a version read from its checkpoint: its commit's time, or the checkpoint file's if cleaned up. */
async function checkpointTime(
  listing: LogListing,
  checkpoint: { version: number; files: string[] },
): Promise<number> {
  if (listing.commits.has(checkpoint.version))
    return (await readCommit(listing.logDir, checkpoint.version)).timestamp;
  return (await stat(path.join(listing.logDir, checkpoint.files[0]))).mtimeMs;
}

/** The latest version of a table, without replaying it. */
export async function latestVersion(tableRoot: string): Promise<number | null> {
  const range = readableRange(await listLog(tableRoot));
  return range ? range.latest : null;
}
