import { LakebenchError, errorMessage } from '../../../shared/errors';

/**
 * A write that failed because the disk is full or the database (or its folder) cannot be written, as a stable
 * Lakebench error the UI and the MLflow routes can name; null for any other error. SQLite says SQLITE_FULL or
 * SQLITE_READONLY (with extended codes such as SQLITE_READONLY_DBMOVED), the file system ENOSPC, EDQUOT or EROFS.
 */
export function storageError(err: unknown): LakebenchError | null {
  if (err instanceof LakebenchError)
    return err.code === 'DISK_FULL' || err.code === 'STORAGE_READ_ONLY' ? err : null;
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const text = typeof code === 'string' ? code : '';
  const message = errorMessage(err);
  if (
    text === 'SQLITE_FULL' ||
    text === 'ENOSPC' ||
    text === 'EDQUOT' ||
    /database or disk is full/i.test(message)
  )
    return new LakebenchError(
      'DISK_FULL',
      `The disk holding the run tracker's data is full; free some space and try again (${message}).`,
    );
  if (text.startsWith('SQLITE_READONLY') || text === 'EROFS' || /readonly database/i.test(message))
    return new LakebenchError(
      'STORAGE_READ_ONLY',
      `The run tracker's database is read-only, so nothing can be stored; check the permissions of .lakebench/ (${message}).`,
    );
  return null;
}
