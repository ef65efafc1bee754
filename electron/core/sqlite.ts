import Database from 'better-sqlite3';

/**
 * Opens a SQLite database the way every Lakebench store wants it: WAL, a busy timeout so several processes can
 * write, foreign keys on. Inside the desktop app the addon must be the Electron-ABI build, whose path the
 * shell passes in LAKEBENCH_SQLITE_BINDING (see scripts/native-electron.mjs).
 */
export function openDatabase(file: string, options: Database.Options = {}): Database.Database {
  const nativeBinding = process.env.LAKEBENCH_SQLITE_BINDING;
  const db = new Database(file, nativeBinding ? { ...options, nativeBinding } : options);
  if (!options.readonly) db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  return db;
}
