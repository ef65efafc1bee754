/**
 * Writing data files: DuckDB `COPY ... TO ... (FORMAT parquet)` writes the rows of a SELECT, and each new
 * file becomes an `add` action with its size, partition values and statistics (PROTOCOL.md, "Per-file
 * Statistics"), computed with DuckDB over the file just written.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { LakebenchError } from '../../../shared/errors';
import type { AddFile, PartitionValues } from './actions';
import { syncDir, syncFile } from './commit';
import type { EngineSession } from './engine';
import {
  duckdbType,
  physicalName,
  quoteIdent,
  quoteLiteral,
  type DeltaField,
  type DeltaSchema,
} from './schema';

/**
 * Parquet codec of new files. Snappy: measured, DuckDB reads snappy files 1.9x slower than its own tables,
 * uncompressed 1.14x (at 3x the bytes), zstd 3.0x; snappy keeps files small at a moderate read cost and is what
 * Spark and delta-rs write by default.
 */
export type ParquetCodec = 'snappy' | 'uncompressed' | 'zstd';
export const DEFAULT_CODEC: ParquetCodec = 'snappy';

/** Longest string kept in min/max statistics; longer values get no bound (a bound must stay exact). */
const STATS_STRING_PREFIX = 32;

export interface WriteOptions {
  codec?: ParquetCodec;
}

export interface WrittenFiles {
  adds: AddFile[];
  numOutputRows: number;
  numOutputBytes: number;
}

/** The folder name of one partition value, escaped as Hive and Spark escape it. */
function escapePartitionSegment(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f || '"#%\'*/:=?\\{[]^'.includes(ch)) {
      out += `%${code.toString(16).toUpperCase().padStart(2, '0')}`;
    } else out += ch;
  }
  return out;
}

/** A relative path as the log stores it: a URI reference, so `%` and spaces are percent-encoded. */
export function toLogPath(relative: string): string {
  return relative
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/%3D/g, '='))
    .join('/');
}

function dataFileName(codec: ParquetCodec): string {
  return `part-00000-${randomUUID()}-c000.${codec}.parquet`;
}

function isPrimitive(f: DeltaField, ...names: string[]): boolean {
  return f.type.type === 'primitive' && names.includes(f.type.name);
}

/** The SQL that prints a column's min or max as the JSON text the stats hold, or NULL when none is kept. */
function statsExpr(f: DeltaField, agg: 'min' | 'max'): string | null {
  const c = `${agg}(${quoteIdent(f.name)})`;
  if (f.type.type === 'decimal' || isPrimitive(f, 'long', 'integer', 'short', 'byte'))
    return `CAST(${c} AS VARCHAR)`;
  if (isPrimitive(f, 'float', 'double')) return `CASE WHEN isfinite(${c}) THEN CAST(${c} AS VARCHAR) END`;
  if (isPrimitive(f, 'string')) {
    return `CASE WHEN length(${c}) <= ${STATS_STRING_PREFIX} THEN to_json(${c})::VARCHAR END`;
  }
  if (isPrimitive(f, 'date')) return `'"' || strftime(${c}, '%Y-%m-%d') || '"'`;
  // Timestamps are kept to the millisecond, truncated down (readers widen the max by 1 ms).
  if (isPrimitive(f, 'timestamp'))
    return `'"' || strftime(${c} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') || '"'`;
  if (isPrimitive(f, 'timestamp_ntz')) return `'"' || strftime(${c}, '%Y-%m-%dT%H:%M:%S.%g') || '"'`;
  return null;
}

/** Computes the stats JSON of new data files in one scan of them all (top-level columns; nested ones get none). */
async function filesStats(
  session: EngineSession,
  files: string[],
  dataFields: DeltaField[],
  mapping: boolean,
): Promise<Map<string, { json: string; rows: number }>> {
  const out = new Map<string, { json: string; rows: number }>();
  if (files.length === 0) return out;
  const parts: string[] = ['"__lakebench_file" AS f', 'CAST(count(*) AS VARCHAR) AS n'];
  const plan: { field: DeltaField; min: number | null; max: number | null; nulls: number | null }[] = [];
  let i = 0;
  for (const f of dataFields) {
    const entry = {
      field: f,
      min: null as number | null,
      max: null as number | null,
      nulls: null as number | null,
    };
    const nested = f.type.type === 'struct' || f.type.type === 'array' || f.type.type === 'map';
    const min = statsExpr(f, 'min');
    const max = statsExpr(f, 'max');
    if (min && max) {
      parts.push(`${min} AS s${i}`);
      entry.min = i++;
      parts.push(`${max} AS s${i}`);
      entry.max = i++;
    }
    if (!nested) {
      parts.push(`CAST(count(*) - count(${quoteIdent(f.name)}) AS VARCHAR) AS s${i}`);
      entry.nulls = i++;
    }
    plan.push(entry);
  }
  const rows = await session.rows(
    `SELECT ${parts.join(', ')} FROM read_parquet([${files.map(quoteLiteral).join(', ')}], hive_partitioning = false, filename = '__lakebench_file') GROUP BY "__lakebench_file"`,
  );
  for (const row of rows) {
    const section = (pick: 'min' | 'max' | 'nulls') =>
      plan
        .map((p) => {
          const index = p[pick];
          const value = index === null ? null : row[`s${index}`];
          return value === null || value === undefined
            ? null
            : `${JSON.stringify(physicalName(p.field, mapping))}:${String(value)}`;
        })
        .filter((x): x is string => x !== null)
        .join(',');
    const n = Number(row.n);
    out.set(String(row.f), {
      json: `{"numRecords":${n},"minValues":{${section('min')}},"maxValues":{${section('max')}},"nullCount":{${section('nulls')}}}`,
      rows: n,
    });
  }
  return out;
}

/** The SELECT list that casts a query's columns to the table's types, in schema order. */
async function conformingSelect(
  session: EngineSession,
  selectSql: string,
  schema: DeltaSchema,
  table: string,
): Promise<string> {
  const described = await session.rows(`DESCRIBE ${selectSql}`);
  // Column names are case-insensitive in Delta and in DuckDB.
  const given = new Set(described.map((r) => String(r.column_name).toLowerCase()));
  const wanted = schema.fields.map((f) => f.name);
  const wantedLower = new Set(wanted.map((n) => n.toLowerCase()));
  const missing = wanted.filter((n) => !given.has(n.toLowerCase()));
  const extra = described.map((r) => String(r.column_name)).filter((n) => !wantedLower.has(n.toLowerCase()));
  if (missing.length || extra.length || given.size !== described.length) {
    throw new LakebenchError(
      'INVALID_REQUEST',
      `the rows written to ${table} must have its columns (${wanted.join(', ')})` +
        (missing.length ? `; missing: ${missing.join(', ')}` : '') +
        (extra.length ? `; not in the table: ${extra.join(', ')}` : '') +
        (given.size !== described.length ? '; some columns appear twice' : ''),
    );
  }
  return schema.fields
    .map((f) => {
      const cast = `CAST(${quoteIdent(f.name)} AS ${duckdbType(f.type)})`;
      // A column the schema declares NOT NULL must stay so: the write fails before anything is committed.
      const checked = f.nullable
        ? cast
        : `CASE WHEN ${quoteIdent(f.name)} IS NULL THEN error(${quoteLiteral(`${table}: the column ${f.name} cannot be null`)}) ELSE ${cast} END`;
      return `${checked} AS ${quoteIdent(f.name)}`;
    })
    .join(', ');
}

/** Partition values as DuckDB prints them, then in Delta's serialization. */
function partitionValueSql(f: DeltaField): string {
  const c = quoteIdent(f.name);
  if (isPrimitive(f, 'timestamp')) return `strftime(${c} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ')`;
  if (isPrimitive(f, 'timestamp_ntz')) return `strftime(${c}, '%Y-%m-%d %H:%M:%S.%f')`;
  return `CAST(${c} AS VARCHAR)`;
}

/**
 * Writes the rows of `selectSql` as new data files of a table, partitioned by its partition columns.
 * Returns their add actions; nothing is committed.
 */
export async function writeDataFiles(
  session: EngineSession,
  tableRoot: string,
  schema: DeltaSchema,
  partitionColumns: string[],
  selectSql: string,
  options: WriteOptions = {},
): Promise<WrittenFiles> {
  const codec = options.codec ?? DEFAULT_CODEC;
  const columns = await conformingSelect(session, `SELECT * FROM (${selectSql})`, schema, tableRoot);
  const partitionFields = partitionColumns.map((c) => schema.fields.find((f) => f.name === c) as DeltaField);
  const dataFields = schema.fields.filter((f) => !partitionColumns.includes(f.name));
  const copyOptions = `FORMAT parquet, COMPRESSION ${codec}`;
  const written: { file: string; relative: string; partitionValues: PartitionValues }[] = [];

  if (partitionFields.length === 0) {
    const relative = dataFileName(codec);
    const file = path.join(tableRoot, relative);
    try {
      await session.run(
        `COPY (SELECT ${columns} FROM (${selectSql})) TO ${quoteLiteral(file)} (${copyOptions})`,
      );
    } catch (err) {
      // A COPY that failed half-way may leave a partial file; it belongs to no version, so it goes.
      await rm(file, { force: true });
      throw err;
    }
    written.push({ file, relative, partitionValues: {} });
  } else {
    // Each partition gets a number; DuckDB writes one folder per number, which then moves to its Hive path.
    const temp = `__lakebench_write_${randomUUID().replace(/-/g, '')}`;
    const order = partitionFields.map((f) => `${quoteIdent(f.name)} NULLS LAST`).join(', ');
    await session.run(
      `CREATE TEMP TABLE ${temp} AS SELECT *, dense_rank() OVER (ORDER BY ${order}) AS __lakebench_pid FROM (SELECT ${columns} FROM (${selectSql}))`,
    );
    const staging = path.join(tableRoot, `_lakebench_staging_${randomUUID()}`);
    try {
      const values = await session.rows(
        `SELECT DISTINCT __lakebench_pid AS pid, ${partitionFields.map((f, i) => `${partitionValueSql(f)} AS p${i}`).join(', ')} FROM ${temp}`,
      );
      const dataList = dataFields.map((f) => quoteIdent(f.name)).join(', ');
      await session.run(
        `COPY (SELECT ${dataList ? `${dataList}, ` : ''}__lakebench_pid FROM ${temp}) TO ${quoteLiteral(staging)} (${copyOptions}, PARTITION_BY (__lakebench_pid), FILENAME_PATTERN 'part-{uuid}')`,
      );
      for (const v of values) {
        const partitionValues: PartitionValues = {};
        const segments: string[] = [];
        partitionFields.forEach((f, i) => {
          const raw = v[`p${i}`];
          // Delta reads an empty partition value as null, so it is written as one.
          const value = raw === null || raw === undefined || String(raw) === '' ? null : String(raw);
          partitionValues[physicalName(f, false)] = value;
          segments.push(
            `${escapePartitionSegment(f.name)}=${value === null ? '__HIVE_DEFAULT_PARTITION__' : escapePartitionSegment(value)}`,
          );
        });
        const dir = path.join(staging, `__lakebench_pid=${String(v.pid)}`);
        for (const name of await readdir(dir)) {
          const relative = `${segments.join('/')}/${dataFileName(codec)}`;
          const file = path.join(tableRoot, relative);
          await mkdir(path.dirname(file), { recursive: true });
          await rename(path.join(dir, name), file);
          written.push({ file, relative, partitionValues });
        }
      }
    } catch (err) {
      for (const w of written) await rm(w.file, { force: true });
      throw err;
    } finally {
      await session.run(`DROP TABLE IF EXISTS ${temp}`);
      await rm(staging, { recursive: true, force: true });
    }
  }

  try {
    return await describeWrittenFiles(session, written, dataFields);
  } catch (err) {
    // Files not committed belong to no version: remove them rather than leave them for vacuum.
    for (const w of written) await rm(w.file, { force: true });
    throw err;
  }
}

async function describeWrittenFiles(
  session: EngineSession,
  written: { file: string; relative: string; partitionValues: PartitionValues }[],
  dataFields: DeltaField[],
): Promise<WrittenFiles> {
  const adds: AddFile[] = [];
  let numOutputRows = 0;
  let numOutputBytes = 0;
  const allStats = await filesStats(
    session,
    written.map((w) => w.file),
    dataFields,
    false,
  );
  for (const w of written) {
    // A file with no rows has no group in the stats query.
    const stats = allStats.get(w.file) ?? { json: '', rows: 0 };
    if (stats.rows === 0) {
      await rm(w.file); // an empty file adds nothing to the table
      continue;
    }
    // On disk before the commit that makes it part of the table, so a power loss cannot tear a committed file.
    syncFile(w.file);
    const info = await stat(w.file);
    numOutputRows += stats.rows;
    numOutputBytes += info.size;
    adds.push({
      path: toLogPath(w.relative),
      partitionValues: w.partitionValues,
      size: info.size,
      modificationTime: Math.floor(info.mtimeMs),
      dataChange: true,
      stats: stats.json,
    });
  }
  for (const dir of new Set(written.map((w) => path.dirname(w.file)))) syncDir(dir);
  return { adds, numOutputRows, numOutputBytes };
}
