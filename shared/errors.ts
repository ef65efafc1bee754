/** Where a problem is: a file and position, a notebook cell, a pipeline task, a SQL offset. */
export interface ErrorLocation {
  file?: string;
  line?: number;
  column?: number;
  /** 0-based character offset into the text that failed (e.g. a SQL statement). */
  offset?: number;
  cellId?: string;
  task?: string;
}

/** Every error code Lakebench gives, once: the type is derived from it, and only these cross a boundary. */
export const ERROR_CODES = [
  'INVALID_REQUEST',
  'UNKNOWN_METHOD',
  'INTERNAL',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PIPELINE_INVALID',
  'PIPELINE_CHANGED_ON_DISK',
  'PIPELINE_RUN_EXISTS',
  'PIPELINE_PARAM_INVALID',
  'TASK_FAILED',
  'TASK_TIMEOUT',
  'TASK_CANCELLED',
  'TASK_OUTPUT_INVALID',
  'TASK_ORPHANED',
  'WORKSPACE_NOT_OPEN',
  'WORKSPACE_NOT_WRITABLE',
  'WORKSPACE_LOCKED',
  'WORKSPACE_INVALID_SETTINGS',
  'PATH_OUTSIDE_WORKSPACE',
  'NOTEBOOK_INVALID',
  'NOTEBOOK_CHANGED_ON_DISK',
  'SQL_ERROR',
  'QUERY_CANCELLED',
  'QUERY_NOT_FOUND',
  'TRANSPORT_CLOSED',
  'INVALID_PARAMETER_VALUE',
  'KERNEL_UNAVAILABLE',
  'KERNEL_DIED',
  'REQUEST_TOO_LARGE',
  'DISK_FULL',
  'STORAGE_READ_ONLY',
  'TABLE_NOT_DELTA',
  'TABLE_LOG_CORRUPT',
  'TABLE_VERSION_NOT_FOUND',
  'TABLE_UNSUPPORTED_FEATURE',
  'TABLE_DATA_FILE_MISSING',
  'TABLE_COMMIT_CONFLICT',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && KNOWN_CODES.has(code);
}

export interface LakebenchErrorData {
  code: ErrorCode;
  message: string;
  location?: ErrorLocation;
}

/** An error a user can act on: a code, a message that says what and where, and the location. */
export class LakebenchError extends Error implements LakebenchErrorData {
  readonly code: ErrorCode;
  readonly location?: ErrorLocation;

  constructor(code: ErrorCode, message: string, location?: ErrorLocation) {
    super(message);
    this.name = 'LakebenchError';
    this.code = code;
    if (location) this.location = location;
  }

  toJSON(): LakebenchErrorData {
    return this.location
      ? { code: this.code, message: this.message, location: this.location }
      : { code: this.code, message: this.message };
  }

  static from(data: LakebenchErrorData): LakebenchError {
    return new LakebenchError(data.code, data.message, data.location);
  }
}

/** The message of anything thrown: an Error's message, else its text. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && 'message' in err && typeof err.message === 'string')
    return err.message;
  return String(err);
}

const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);
const READ_ONLY_CODES = new Set([
  'EROFS',
  'SQLITE_READONLY',
  'SQLITE_READONLY_DBMOVED',
  'SQLITE_READONLY_DIRECTORY',
]);

/**
 * A full disk or read-only storage, from Node (ENOSPC, EROFS), SQLite (SQLITE_FULL, SQLITE_READONLY) or DuckDB
 * (its message), as an error the UI can say plainly; null for any other error.
 */
export function storageError(err: unknown): LakebenchError | null {
  if (err instanceof LakebenchError) return null;
  const code = err && typeof err === 'object' && 'code' in err ? String((err as { code: unknown }).code) : '';
  const message = errorMessage(err);
  if (
    DISK_FULL_CODES.has(code) ||
    /no space left on device|database or disk is full|disk quota exceeded/i.test(message)
  ) {
    return new LakebenchError('DISK_FULL', `The disk is full: ${message}. Free some space and try again.`);
  }
  if (
    READ_ONLY_CODES.has(code) ||
    /read-only file system|attempt to write a readonly database/i.test(message)
  ) {
    return new LakebenchError('STORAGE_READ_ONLY', `The storage is read-only: ${message}.`);
  }
  return null;
}

/** Turns anything thrown into the data of a LakebenchError, so it can cross a process boundary. */
export function toErrorData(err: unknown): LakebenchErrorData {
  if (err instanceof LakebenchError) return err.toJSON();
  const storage = storageError(err);
  if (storage) return storage.toJSON();
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
    const e = err as { code: unknown; message: unknown; location?: ErrorLocation };
    // Only Lakebench's own codes pass; a library's (ENOENT, SQLITE_FULL) is not one the UI knows.
    if (isErrorCode(e.code) && typeof e.message === 'string') {
      return {
        code: e.code,
        message: e.message,
        ...(e.location ? { location: e.location } : {}),
      };
    }
  }
  return { code: 'INTERNAL', message: errorMessage(err) };
}

/** Formats a location the way compilers do: `file:line:col`, `cell 3`, `task load`. */
export function formatLocation(loc: ErrorLocation | undefined): string {
  if (!loc) return '';
  const parts: string[] = [];
  if (loc.file) parts.push([loc.file, loc.line, loc.column].filter((p) => p !== undefined).join(':'));
  else if (loc.line !== undefined)
    parts.push(`line ${loc.line}${loc.column !== undefined ? `, column ${loc.column}` : ''}`);
  if (loc.cellId) parts.push(`cell ${loc.cellId}`);
  if (loc.task) parts.push(`task ${loc.task}`);
  return parts.join(', ');
}
