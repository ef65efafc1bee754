import type Database from 'better-sqlite3';

/**
 * The log store's schema, as numbered migrations recorded in `user_version` (as the tracker's).
 *
 * A record's rowid is its time: `time * ROWID_PER_MS` plus a counter within the millisecond. So rowid order is
 * time order, a time range is a rowid range the full-text index can seek to, and "newest first" walks the
 * index backwards and stops at the page's end instead of sorting every match.
 */
export const ROWID_PER_MS = 2048;
/** The unit of `minute_counts`. */
export const MINUTE_MS = 60_000;

const MIGRATIONS: string[] = [
  // 1: records, their full-text index (external content: the text lives once, in records) and cut messages.
  `
  CREATE TABLE records (
    rowid INTEGER PRIMARY KEY,
    stream_key TEXT NOT NULL,
    line INTEGER NOT NULL,
    time INTEGER NOT NULL,
    level TEXT NOT NULL,
    source TEXT NOT NULL,
    stream TEXT NOT NULL,
    pipeline_id TEXT,
    run_id TEXT,
    task_id TEXT,
    try_number INTEGER,
    notebook TEXT,
    cell_id TEXT,
    table_name TEXT,
    ingest_file TEXT,
    kernel_id TEXT,
    component TEXT,
    request_method TEXT,
    request_path TEXT,
    request_status INTEGER,
    duration_ms REAL,
    message TEXT NOT NULL,
    -- ids and field values, so that free text finds a record by them too
    attrs TEXT NOT NULL,
    fields TEXT,
    message_bytes INTEGER NOT NULL,
    truncated INTEGER NOT NULL DEFAULT 0,
    invalid_utf8 INTEGER NOT NULL DEFAULT 0,
    -- about what the record takes on disk, for the size retention
    size INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX records_by_stream ON records (stream_key, line);
  CREATE INDEX records_by_level ON records (level);
  -- Narrow, and appended to at its end: the histogram of everything counts it instead of the wide rows.
  CREATE INDEX records_by_time ON records (time);
  CREATE INDEX records_by_run ON records (run_id, task_id) WHERE run_id IS NOT NULL;
  CREATE INDEX records_by_notebook ON records (notebook, cell_id) WHERE notebook IS NOT NULL;
  CREATE INDEX records_by_table ON records (table_name) WHERE table_name IS NOT NULL;
  CREATE VIRTUAL TABLE records_fts USING fts5(
    message, attrs, content='records', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
  );
  -- No triggers keep records_fts in step: FTS5 flushes its pending terms at every savepoint, and a trigger
  -- program opens one per row (about 12x slower ingest). LogStore writes both in the same transaction.
  -- Records per minute of their time, kept by LogStore with every insert and delete: the histogram of
  -- everything reads this instead of counting millions of index entries.
  CREATE TABLE minute_counts (minute INTEGER PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
  -- The start (MESSAGE_KEEP_BYTES) of a message cut in records, deflated.
  CREATE TABLE full_messages (
    rowid INTEGER PRIMARY KEY,
    bytes INTEGER NOT NULL,
    complete INTEGER NOT NULL,
    data BLOB NOT NULL
  );
  `,
];

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
