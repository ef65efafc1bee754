/**
 * The files of a `_delta_log/` folder (PROTOCOL.md, "Delta Log Entries", "Checkpoints", "Last Checkpoint
 * File"): listing them by kind and version, and reading commits and checkpoints into actions.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { LakebenchError } from '../../../shared/errors';
import { parseActionObject, parseCommitFile, type Action } from './actions';
import type { EngineSession } from './engine';
import { quoteLiteral } from './schema';

export const LOG_DIR = '_delta_log';

/** `00000000000000000007` for 7. */
export function versionName(version: number): string {
  return String(version).padStart(20, '0');
}

export function commitFileName(version: number): string {
  return `${versionName(version)}.json`;
}

export interface CheckpointFiles {
  version: number;
  /** Parquet files, in part order. */
  files: string[];
}

export interface LogListing {
  logDir: string;
  /** Commit file name per version. */
  commits: Map<number, string>;
  /** Complete classic and multi-part checkpoints, oldest first. */
  checkpoints: CheckpointFiles[];
  /** Versions that have only a UUID-named (v2) checkpoint, which Lakebench cannot read. */
  v2Checkpoints: number[];
}

const COMMIT = /^(\d{20})\.json$/;
const CLASSIC_CHECKPOINT = /^(\d{20})\.checkpoint\.parquet$/;
const MULTI_PART_CHECKPOINT = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;
const UUID_CHECKPOINT = /^(\d{20})\.checkpoint\.[0-9a-fA-F-]{36}\.(json|parquet)$/;

/** Lists `_delta_log/`; every other file there (crc, compacted logs, temp files) is left alone. */
export async function listLog(tableRoot: string): Promise<LogListing> {
  const logDir = path.join(tableRoot, LOG_DIR);
  let names: string[];
  try {
    names = await readdir(logDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new LakebenchError(
        'TABLE_NOT_DELTA',
        `${tableRoot} is not a Delta table: it has no ${LOG_DIR} folder`,
        {
          file: tableRoot,
        },
      );
    }
    throw err;
  }
  const commits = new Map<number, string>();
  const classic = new Map<number, string>();
  const multi = new Map<string, { version: number; total: number; parts: Map<number, string> }>();
  const v2 = new Set<number>();
  for (const name of names) {
    let m = COMMIT.exec(name);
    if (m) {
      commits.set(Number(m[1]), name);
      continue;
    }
    m = CLASSIC_CHECKPOINT.exec(name);
    if (m) {
      classic.set(Number(m[1]), name);
      continue;
    }
    m = MULTI_PART_CHECKPOINT.exec(name);
    if (m) {
      const version = Number(m[1]);
      const part = Number(m[2]);
      const total = Number(m[3]);
      const key = `${version}/${total}`;
      const entry = multi.get(key) ?? { version, total, parts: new Map<number, string>() };
      entry.parts.set(part, name);
      multi.set(key, entry);
      continue;
    }
    m = UUID_CHECKPOINT.exec(name);
    if (m) v2.add(Number(m[1]));
  }
  const checkpoints = new Map<number, CheckpointFiles>();
  for (const [version, name] of classic) checkpoints.set(version, { version, files: [name] });
  for (const entry of multi.values()) {
    // A multi-part checkpoint counts only when every part is there (a writer may have died half-way).
    if (checkpoints.has(entry.version) || entry.parts.size !== entry.total) continue;
    const files: string[] = [];
    for (let p = 1; p <= entry.total; p++) {
      const f = entry.parts.get(p);
      if (!f) break;
      files.push(f);
    }
    if (files.length === entry.total) checkpoints.set(entry.version, { version: entry.version, files });
  }
  return {
    logDir,
    commits,
    checkpoints: [...checkpoints.values()].sort((a, b) => a.version - b.version),
    v2Checkpoints: [...v2].filter((v) => !checkpoints.has(v)).sort((a, b) => a - b),
  };
}

export interface LastCheckpoint {
  version: number;
  size: number;
  parts?: number;
  sizeInBytes?: number;
  numOfAddFiles?: number;
}

/**
 * Reads `_last_checkpoint`. It is only a hint (the listing is the truth), so a missing or unreadable one
 * yields null, and the reader goes on with the newest complete checkpoint it lists.
 */
export async function readLastCheckpoint(logDir: string): Promise<LastCheckpoint | null> {
  let text: string;
  try {
    text = await readFile(path.join(logDir, '_last_checkpoint'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (typeof v.version !== 'number' || typeof v.size !== 'number') return null;
    return {
      version: v.version,
      size: v.size,
      ...(typeof v.parts === 'number' ? { parts: v.parts } : {}),
      ...(typeof v.sizeInBytes === 'number' ? { sizeInBytes: v.sizeInBytes } : {}),
      ...(typeof v.numOfAddFiles === 'number' ? { numOfAddFiles: v.numOfAddFiles } : {}),
    };
  } catch {
    // A torn or foreign _last_checkpoint must not make the table unreadable: the listing decides.
    return null;
  }
}

export interface CommitRead {
  version: number;
  actions: Action[];
  /** When the commit was made: commitInfo.timestamp, else the commit file's modification time. */
  timestamp: number;
}

export async function readCommit(logDir: string, version: number): Promise<CommitRead> {
  const name = commitFileName(version);
  const file = path.join(logDir, name);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new LakebenchError('TABLE_LOG_CORRUPT', `commit ${version} (${LOG_DIR}/${name}) is missing`, {
        file,
      });
    }
    throw err;
  }
  const actions = parseCommitFile(text, `${LOG_DIR}/${name}`);
  return { version, actions, timestamp: await commitTimestamp(file, actions) };
}

async function commitTimestamp(file: string, actions: Action[]): Promise<number> {
  for (const a of actions) {
    if (a.kind === 'commitInfo' && typeof a.commitInfo.timestamp === 'number') return a.commitInfo.timestamp;
  }
  return (await stat(file)).mtimeMs;
}

/** Reads a checkpoint's rows (one action each) with DuckDB. */
export async function readCheckpoint(
  session: EngineSession,
  logDir: string,
  checkpoint: CheckpointFiles,
): Promise<Action[]> {
  const files = checkpoint.files.map((f) => quoteLiteral(path.join(logDir, f)));
  const label = `${LOG_DIR}/${checkpoint.files[0]}${checkpoint.files.length > 1 ? ` (+${checkpoint.files.length - 1} parts)` : ''}`;
  let rows: Record<string, unknown>[];
  try {
    rows = await session.rows(
      `SELECT to_json(t) AS j FROM read_parquet([${files.join(', ')}], union_by_name = true, hive_partitioning = false) t`,
    );
  } catch (err) {
    throw new LakebenchError(
      'TABLE_LOG_CORRUPT',
      `the checkpoint ${label} cannot be read: ${err instanceof Error ? err.message : String(err)}`,
      { file: path.join(logDir, checkpoint.files[0]) },
    );
  }
  const actions: Action[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = JSON.parse(String(rows[i].j)) as Record<string, unknown>;
    // commitInfo is not part of a checkpoint's state; a row with no action at all is padding.
    delete row.commitInfo;
    if (Object.values(row).every((v) => v === null)) continue;
    actions.push(parseActionObject(row, { file: label, line: i + 1 }));
  }
  return actions;
}
