/**
 * Writing a commit (PROTOCOL.md, "Creation of New Log Entries"): `_delta_log/<version>.json` is created
 * put-if-absent (a fully written temp file hard-linked to the final name, which fails if the name exists),
 * so two writers can never both own a version. The loser re-reads the winning commits and either retries at
 * the next version (nothing it depends on changed) or fails with a conflict that says what changed.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { LakebenchError } from '../../../shared/errors';
import { serializeAction, type Action, type CommitInfo } from './actions';
import { LOG_DIR, commitFileName, readCommit, versionName } from './log';

/** Names the engine in commitInfo.engineInfo, as Spark writes `Apache-Spark/3.5 Delta-Lake/3.0`. */
export const ENGINE_INFO = 'Lakebench/0.1';

export interface CommitOptions {
  /** The version the transaction read; -1 when it creates the table. */
  readVersion: number;
  /** What the user did, in Delta's words: `WRITE`, `DELETE`, `UPDATE`, `CREATE TABLE`, ... */
  operation: string;
  operationParameters?: Record<string, unknown>;
  operationMetrics?: Record<string, unknown>;
  /** True when the transaction only adds files and read nothing from the table. */
  isBlindAppend: boolean;
  /** Paths of the data files the transaction read (it rewrote or depended on them). */
  readPaths?: string[];
  /** Who wrote it (free text, e.g. `notebook sales.ipynb, cell 3`). */
  userMetadata?: string;
  /** More provenance fields for commitInfo (e.g. `lakebench.pipeline`). */
  extra?: Record<string, unknown>;
  /** How many times to try the next version after losing a race (default 50). */
  maxAttempts?: number;
  /** Called just before the commit file is linked (tests use it to stop a writer at that point). */
  beforeLink?: (version: number) => void;
}

export interface CommitResult {
  version: number;
  /** Versions lost to other writers before this one was won. */
  retries: number;
}

/** What a commit does that another, concurrent one may conflict with. */
interface CommitEffects {
  metadataChanged: boolean;
  protocolChanged: boolean;
  removedPaths: Set<string>;
  addedData: boolean;
  appIds: Set<string>;
  operation: string;
}

function effects(actions: Action[]): CommitEffects {
  const e: CommitEffects = {
    metadataChanged: false,
    protocolChanged: false,
    removedPaths: new Set(),
    addedData: false,
    appIds: new Set(),
    operation: 'an unknown operation',
  };
  for (const a of actions) {
    if (a.kind === 'metaData') e.metadataChanged = true;
    else if (a.kind === 'protocol') e.protocolChanged = true;
    else if (a.kind === 'remove') e.removedPaths.add(a.remove.path);
    else if (a.kind === 'add' && a.add.dataChange) e.addedData = true;
    else if (a.kind === 'txn') e.appIds.add(a.txn.appId);
    else if (a.kind === 'commitInfo' && typeof a.commitInfo.operation === 'string')
      e.operation = a.commitInfo.operation;
  }
  return e;
}

function conflict(tableRoot: string, version: number, operation: string, what: string): LakebenchError {
  return new LakebenchError(
    'TABLE_COMMIT_CONFLICT',
    `${tableRoot}: another writer committed version ${version} (${operation}) first, and ${what}; run the operation again on the new version`,
    { file: path.join(tableRoot, LOG_DIR, commitFileName(version)) },
  );
}

/** Throws when the winning commit changed something this transaction depends on. */
function checkConflict(
  tableRoot: string,
  version: number,
  winner: Action[],
  ours: Action[],
  options: CommitOptions,
): void {
  const w = effects(winner);
  const o = effects(ours);
  if (w.protocolChanged) throw conflict(tableRoot, version, w.operation, "it changed the table's protocol");
  if (w.metadataChanged)
    throw conflict(tableRoot, version, w.operation, "it changed the table's schema or settings");
  for (const appId of o.appIds) {
    if (w.appIds.has(appId))
      throw conflict(tableRoot, version, w.operation, `it also committed for application ${appId}`);
  }
  for (const p of o.removedPaths) {
    if (w.removedPaths.has(p))
      throw conflict(tableRoot, version, w.operation, `it also removed the file ${p}`);
  }
  for (const p of options.readPaths ?? []) {
    if (w.removedPaths.has(p))
      throw conflict(tableRoot, version, w.operation, `it removed the file ${p}, which this operation read`);
  }
  if (!options.isBlindAppend && w.addedData) {
    // Without a predicate to test the new files against, any new data may hold rows this operation should have seen.
    throw conflict(tableRoot, version, w.operation, 'it added data this operation would have had to read');
  }
}

/** Creates the commit file for `version` unless it exists; true when this call created it. */
function putIfAbsent(
  logDir: string,
  version: number,
  text: string,
  beforeLink?: (v: number) => void,
): boolean {
  const final = path.join(logDir, commitFileName(version));
  // Hidden temp names are ignored by every Delta reader, so a writer killed here leaves no visible trace.
  const temp = path.join(logDir, `.${versionName(version)}.json.${randomUUID()}.tmp`);
  const fd = openSync(temp, 'wx', 0o644);
  try {
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    beforeLink?.(version);
    try {
      linkSync(temp, final);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    syncDir(logDir);
    return true;
  } finally {
    unlinkSync(temp);
  }
}

/** Flushes a file's content to disk (before a commit or checkpoint makes it part of the table). */
export function syncFile(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes a new directory entry durable. */
export function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (err) {
    // Some file systems cannot fsync a directory (EINVAL/EISDIR); the link itself is already atomic.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** True when a log path (a relative URI) names a file inside the table folder. */
function insideTable(tableRoot: string, logPath: string): boolean {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(logPath) || logPath.startsWith('/')) return false;
  let decoded = logPath;
  try {
    decoded = decodeURIComponent(logPath);
  } catch {
    return false; // not a valid URI reference: Lakebench writes none such
  }
  const relative = path.relative(tableRoot, path.join(tableRoot, decoded));
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** The commitInfo action Lakebench writes first in every commit. */
export function commitInfoAction(options: CommitOptions, now = Date.now()): Action {
  const info: CommitInfo = {
    timestamp: now,
    operation: options.operation,
    operationParameters: options.operationParameters ?? {},
    ...(options.readVersion >= 0 ? { readVersion: options.readVersion } : {}),
    isolationLevel: 'Serializable',
    isBlindAppend: options.isBlindAppend,
    operationMetrics: options.operationMetrics ?? {},
    engineInfo: ENGINE_INFO,
    txnId: randomUUID(),
    ...(options.userMetadata === undefined ? {} : { userMetadata: options.userMetadata }),
    ...(options.extra ?? {}),
  };
  return { kind: 'commitInfo', commitInfo: info };
}

/**
 * Commits actions as the version after `readVersion`; on losing a race, checks the winners and retries at the
 * next free version. The actions must not contain a commitInfo: it is written here.
 */
export async function commitActions(
  tableRoot: string,
  actions: Action[],
  options: CommitOptions,
): Promise<CommitResult> {
  if (actions.some((a) => a.kind === 'commitInfo')) {
    throw new LakebenchError(
      'INVALID_REQUEST',
      'commit actions must not include commitInfo: the commit writes it',
    );
  }
  for (const a of actions) {
    const p =
      a.kind === 'add'
        ? a.add.path
        : a.kind === 'remove'
          ? a.remove.path
          : a.kind === 'cdc'
            ? a.cdc.path
            : null;
    if (p !== null && !insideTable(tableRoot, p)) {
      throw new LakebenchError(
        'INVALID_REQUEST',
        `${tableRoot}: the ${a.kind} action names ${p}, which is not a relative path inside the table`,
      );
    }
  }
  const logDir = path.join(tableRoot, LOG_DIR);
  const maxAttempts = options.maxAttempts ?? 50;
  let version = options.readVersion + 1;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const lines = [commitInfoAction(options), ...actions].map(serializeAction);
    if (putIfAbsent(logDir, version, `${lines.join('\n')}\n`, options.beforeLink)) {
      return { version, retries: attempt };
    }
    if (options.readVersion < 0) {
      throw new LakebenchError('ALREADY_EXISTS', `${tableRoot} already is a Delta table (version 0 exists)`, {
        file: path.join(logDir, commitFileName(0)),
      });
    }
    const winner = await readCommit(logDir, version);
    checkConflict(tableRoot, version, winner.actions, actions, options);
    version++;
  }
  throw new LakebenchError(
    'TABLE_COMMIT_CONFLICT',
    `${tableRoot}: gave up after ${maxAttempts} versions were taken by other writers while committing`,
  );
}
