/**
 * Writing a classic checkpoint (PROTOCOL.md, "Checkpoints", "Checkpoint Schema"): one Parquet file whose rows
 * each hold one action of the reconciled state, in struct columns txn / add / remove / metaData / protocol,
 * written by DuckDB from newline-delimited JSON read with the exact struct types; then `_last_checkpoint`.
 */
import { randomUUID } from 'node:crypto';
import { linkSync } from 'node:fs';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Snapshot } from './snapshot';
import { syncDir, syncFile } from './commit';
import type { EngineSession } from './engine';
import { LOG_DIR, readLastCheckpoint, versionName } from './log';
import { quoteLiteral } from './schema';

const MAP = 'MAP(VARCHAR, VARCHAR)';
const DV =
  'STRUCT(storageType VARCHAR, pathOrInlineDv VARCHAR, "offset" INTEGER, sizeInBytes INTEGER, cardinality BIGINT)';

/** The struct type of each checkpoint column. */
export const CHECKPOINT_COLUMNS: Record<string, string> = {
  txn: 'STRUCT(appId VARCHAR, "version" BIGINT, lastUpdated BIGINT)',
  add: `STRUCT(path VARCHAR, partitionValues ${MAP}, size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags ${MAP}, deletionVector ${DV}, baseRowId BIGINT, defaultRowCommitVersion BIGINT)`,
  remove: `STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, extendedFileMetadata BOOLEAN, partitionValues ${MAP}, size BIGINT, deletionVector ${DV})`,
  metaData: `STRUCT(id VARCHAR, "name" VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, "options" ${MAP}), schemaString VARCHAR, partitionColumns VARCHAR[], "configuration" ${MAP}, createdTime BIGINT)`,
  protocol:
    'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures VARCHAR[], writerFeatures VARCHAR[])',
};

/** Commits between checkpoints, from `delta.checkpointInterval` (default 10, as Delta's). */
export function checkpointInterval(snapshot: Snapshot): number {
  const n = Number(snapshot.metadata.configuration['delta.checkpointInterval'] ?? 10);
  return Number.isInteger(n) && n > 0 ? n : 10;
}

const UNIT_MS: Record<string, number> = {
  millisecond: 1,
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};

/** Parses a Delta interval setting (`interval 7 days`) into milliseconds. */
export function parseInterval(text: string | undefined, fallbackMs: number): number {
  if (!text) return fallbackMs;
  const m = /^\s*(?:interval\s+)?(\d+)\s+([a-z]+?)s?\s*$/i.exec(text);
  if (!m) return fallbackMs;
  const unit = UNIT_MS[m[2].toLowerCase()];
  return unit ? Number(m[1]) * unit : fallbackMs;
}

/** How long removed files stay in checkpoints and on disk (`delta.deletedFileRetentionDuration`, 1 week). */
export function tombstoneRetentionMs(snapshot: Snapshot): number {
  return parseInterval(snapshot.metadata.configuration['delta.deletedFileRetentionDuration'], UNIT_MS.week);
}

export interface CheckpointWritten {
  version: number;
  file: string;
  actions: number;
  /** False when another writer had already written this checkpoint. */
  created: boolean;
}

/** Writes the checkpoint of a snapshot and points `_last_checkpoint` at it. */
export async function writeCheckpoint(
  session: EngineSession,
  snapshot: Snapshot,
  now = Date.now(),
): Promise<CheckpointWritten> {
  const logDir = path.join(snapshot.tableRoot, LOG_DIR);
  const name = `${versionName(snapshot.version)}.checkpoint.parquet`;
  const final = path.join(logDir, name);
  const id = randomUUID();
  const json = path.join(logDir, `.${name}.${id}.ndjson.tmp`);
  const temp = path.join(logDir, `.${name}.${id}.tmp`);
  const horizon = now - tombstoneRetentionMs(snapshot);
  const rows: string[] = [
    JSON.stringify({ protocol: snapshot.protocol }),
    JSON.stringify({ metaData: snapshot.metadata }),
    ...[...snapshot.txns.values()].map((txn) => JSON.stringify({ txn })),
    ...snapshot.files.map((add) => JSON.stringify({ add })),
    // Tombstones stay until their retention ends, so VACUUM still knows the files may be read by old versions.
    ...snapshot.tombstones
      .filter((r) => (r.deletionTimestamp ?? now) > horizon)
      .map((r) => {
        const { stats: _stats, tags: _tags, ...remove } = r;
        return JSON.stringify({ remove });
      }),
  ];
  const columns = Object.entries(CHECKPOINT_COLUMNS)
    .map(([k, t]) => `${k}: ${quoteLiteral(t)}`)
    .join(', ');
  let created = false;
  try {
    await writeFile(json, `${rows.join('\n')}\n`);
    await session.run(
      `COPY (SELECT ${Object.keys(CHECKPOINT_COLUMNS).join(', ')} FROM read_json(${quoteLiteral(json)}, format = 'newline_delimited', columns = {${columns}})) TO ${quoteLiteral(temp)} (FORMAT parquet)`,
    );
    syncFile(temp);
    try {
      linkSync(temp, final);
      created = true;
      syncDir(logDir);
    } catch (err) {
      // The same checkpoint from another writer holds the same state: keep theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  } finally {
    await rm(json, { force: true });
    await rm(temp, { force: true });
  }
  const size = (await stat(final)).size;
  const last = {
    version: snapshot.version,
    size: rows.length,
    sizeInBytes: size,
    numOfAddFiles: snapshot.files.length,
  };
  // _last_checkpoint only moves forward: a slower writer's older checkpoint leaves a newer hint alone.
  const current = await readLastCheckpoint(logDir);
  if (current && current.version >= snapshot.version) {
    return { version: snapshot.version, file: final, actions: rows.length, created };
  }
  // _last_checkpoint is a hint that is meant to be replaced, so it is written whole and renamed into place.
  const lastTemp = path.join(logDir, `._last_checkpoint.${id}.tmp`);
  await writeFile(lastTemp, JSON.stringify(last));
  await rename(lastTemp, path.join(logDir, '_last_checkpoint'));
  return { version: snapshot.version, file: final, actions: rows.length, created };
}
