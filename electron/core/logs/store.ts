import type Database from 'better-sqlite3';
import { openDatabase } from '../sqlite';
import type { RecordRow } from './record';
import { MINUTE_MS, migrate, ROWID_PER_MS } from './schema';

/** How far ahead of a record's own millisecond its rowid may be placed to keep the append path O(1). */
const SPILL_MS = 64;

/**
 * The writing side of `logs.db`: one connection that inserts batches in one transaction each. Reads go through
 * `LogReader` on their own connection (see reader.ts).
 */
export class LogStore {
  readonly db: Database.Database;
  private lastRowid = 0;
  private readonly lastLine = new Map<string, number>();
  private readonly insert: Database.Statement;
  private readonly insertFull: Database.Statement;
  private readonly insertFts: Database.Statement;
  private readonly count: Database.Statement;
  private readonly deleteChunk: (cutoffRowid: number, limit: number) => number;
  private readonly maxRowid: Database.Statement;
  private readonly slotMax: Database.Statement;
  private readonly rowidTaken: Database.Statement;
  private readonly streamMaxLine: Database.Statement;
  private readonly batch: (rows: RecordRow[]) => number;

  constructor(readonly file: string) {
    this.db = openDatabase(file);
    migrate(this.db);
    // The stream index takes inserts all over (one stream per try, cell, file): keep its pages in memory.
    this.db.pragma('cache_size = -65536');
    this.insert = this.db.prepare(`
      INSERT INTO records (rowid, stream_key, line, time, level, source, stream, pipeline_id, run_id, task_id,
        try_number, notebook, cell_id, table_name, ingest_file, kernel_id, component, request_method, request_path,
        request_status, duration_ms, message, attrs, fields, message_bytes, truncated, invalid_utf8, size)
      VALUES (${Array.from({ length: 28 }, () => '?').join(', ')})
      ON CONFLICT (stream_key, line) DO NOTHING`);
    this.insertFull = this.db.prepare(
      'INSERT OR REPLACE INTO full_messages (rowid, bytes, complete, data) VALUES (?, ?, ?, ?)',
    );
    this.insertFts = this.db.prepare('INSERT INTO records_fts (rowid, message, attrs) VALUES (?, ?, ?)');
    this.count = this.db.prepare(
      'INSERT INTO minute_counts (minute, n) VALUES (CAST(? AS INTEGER), ?) ON CONFLICT (minute) DO UPDATE SET n = n + excluded.n',
    );
    const chunk = `SELECT rowid FROM records WHERE rowid < @cut ORDER BY rowid LIMIT @limit`;
    const ftsDelete = this.db.prepare(
      `INSERT INTO records_fts (records_fts, rowid, message, attrs)
       SELECT 'delete', rowid, message, attrs FROM records WHERE rowid IN (${chunk})`,
    );
    const fullDelete = this.db.prepare(`DELETE FROM full_messages WHERE rowid IN (${chunk})`);
    const chunkMinutes = this.db.prepare(
      `SELECT time / ${MINUTE_MS} AS m, count(*) AS n FROM records WHERE rowid IN (${chunk}) GROUP BY m`,
    );
    const uncount = this.db.prepare('UPDATE minute_counts SET n = n - ? WHERE minute = ?');
    const dropEmpty = this.db.prepare('DELETE FROM minute_counts WHERE n <= 0');
    const recordsDelete = this.db.prepare(`DELETE FROM records WHERE rowid IN (${chunk})`);
    const del = this.db.transaction((cut: number, limit: number) => {
      for (const r of chunkMinutes.all({ cut, limit }) as { m: number; n: number }[]) uncount.run(r.n, r.m);
      dropEmpty.run();
      ftsDelete.run({ cut, limit });
      fullDelete.run({ cut, limit });
      return recordsDelete.run({ cut, limit }).changes;
    });
    this.deleteChunk = (cut, limit) => del.immediate(cut, limit);
    this.maxRowid = this.db.prepare('SELECT coalesce(max(rowid), 0) AS m FROM records').pluck();
    this.slotMax = this.db.prepare('SELECT max(rowid) FROM records WHERE rowid >= ? AND rowid < ?').pluck();
    this.rowidTaken = this.db.prepare('SELECT 1 FROM records WHERE rowid = ?').pluck();
    this.streamMaxLine = this.db
      .prepare('SELECT coalesce(max(line), 0) FROM records WHERE stream_key = ?')
      .pluck();
    const tx = this.db.transaction((rows: RecordRow[]) => {
      // Another process may have written since: start from the store's real end.
      this.lastRowid = Math.max(this.lastRowid, this.maxRowid.get() as number);
      // The same for each stream this batch numbers: another process may have written to it (the CLI's runner
      // while the app is open), and a number taken twice would drop the line as a repeat.
      const numbered = new Set<string>();
      for (const row of rows) if (row.line === null) numbered.add(row.stream_key);
      for (const key of numbered) {
        const stored = this.streamMaxLine.get(key) as number;
        if (stored > (this.lastLine.get(key) ?? -1)) this.lastLine.set(key, stored);
      }
      let inserted = 0;
      const minutes = new Map<number, number>();
      for (const row of rows) {
        const line = row.line ?? this.nextLine(row.stream_key);
        if (row.line !== null && row.line > (this.lastLine.get(row.stream_key) ?? 0))
          this.lastLine.set(row.stream_key, row.line);
        const rowid = this.allocate(row.time);
        const r = this.insert.run(
          rowid,
          row.stream_key,
          line,
          row.time,
          row.level,
          row.source,
          row.stream,
          row.pipeline_id,
          row.run_id,
          row.task_id,
          row.try_number,
          row.notebook,
          row.cell_id,
          row.table_name,
          row.ingest_file,
          row.kernel_id,
          row.component,
          row.request_method,
          row.request_path,
          row.request_status,
          row.duration_ms,
          row.message,
          row.attrs,
          row.fields,
          row.message_bytes,
          row.truncated,
          row.invalid_utf8,
          row.size,
        );
        if (r.changes === 1) {
          inserted++;
          this.insertFts.run(rowid, row.message, row.attrs);
          const m = Math.floor(row.time / MINUTE_MS);
          minutes.set(m, (minutes.get(m) ?? 0) + 1);
          if (row.full) this.insertFull.run(rowid, row.full.bytes, row.full.complete ? 1 : 0, row.full.data);
        }
      }
      for (const [m, n] of minutes) this.count.run(m, n);
      return inserted;
    });
    this.batch = (rows) => tx.immediate(rows);
  }

  /** Inserts rows in one transaction; a line already stored is skipped. Returns how many were new. */
  insertRows(rows: RecordRow[]): number {
    return rows.length ? this.batch(rows) : 0;
  }

  private nextLine(streamKey: string): number {
    let last = this.lastLine.get(streamKey);
    if (last === undefined) last = this.streamMaxLine.get(streamKey) as number;
    this.lastLine.set(streamKey, last + 1);
    return last + 1;
  }

  /** A free rowid in the record's millisecond (or just after it when that one is full). */
  private allocate(time: number): number {
    const base = time * ROWID_PER_MS;
    if (base > this.lastRowid) return (this.lastRowid = base);
    if (this.lastRowid - base < SPILL_MS * ROWID_PER_MS) return ++this.lastRowid;
    // An older record (a gap filled from a raw log): find room in its own millisecond.
    const m = this.slotMax.get(base, base + ROWID_PER_MS) as number | null;
    let rowid = m === null ? base : m + 1;
    while (this.rowidTaken.get(rowid) !== undefined) rowid++;
    if (rowid > this.lastRowid) this.lastRowid = rowid;
    return rowid;
  }

  /** Deletes up to `limit` of the oldest records before `cutoffRowid`, with their index entries; how many. */
  deleteBefore(cutoffRowid: number, limit: number): number {
    return this.deleteChunk(cutoffRowid, limit);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
