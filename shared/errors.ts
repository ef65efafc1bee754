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

export type ErrorCode =
  | 'INVALID_REQUEST'
  | 'UNKNOWN_METHOD'
  | 'INTERNAL'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'PIPELINE_INVALID'
  | 'PIPELINE_CHANGED_ON_DISK'
  | 'PIPELINE_RUN_EXISTS'
  | 'PIPELINE_PARAM_INVALID'
  | 'TASK_FAILED'
  | 'TASK_TIMEOUT'
  | 'TASK_CANCELLED'
  | 'TASK_OUTPUT_INVALID'
  | 'TASK_ORPHANED'
  | 'WORKSPACE_NOT_OPEN'
  | 'WORKSPACE_NOT_WRITABLE'
  | 'WORKSPACE_LOCKED'
  | 'WORKSPACE_INVALID_SETTINGS'
  | 'PATH_OUTSIDE_WORKSPACE'
  | 'NOTEBOOK_INVALID'
  | 'NOTEBOOK_CHANGED_ON_DISK'
  | 'SQL_ERROR'
  | 'QUERY_CANCELLED'
  | 'QUERY_NOT_FOUND'
  | 'TRANSPORT_CLOSED'
  | 'INVALID_PARAMETER_VALUE'
  | 'KERNEL_UNAVAILABLE'
  | 'KERNEL_DIED'
  | 'TABLE_NOT_DELTA'
  | 'TABLE_LOG_CORRUPT'
  | 'TABLE_VERSION_NOT_FOUND'
  | 'TABLE_UNSUPPORTED_FEATURE'
  | 'TABLE_DATA_FILE_MISSING'
  | 'TABLE_COMMIT_CONFLICT';

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
  if (err && typeof err === 'object' && 'message' in err && typeof err.message === 'string') return err.message;
  return String(err);
}

/** Turns anything thrown into the data of a LakebenchError, so it can cross a process boundary. */
export function toErrorData(err: unknown): LakebenchErrorData {
  if (err instanceof LakebenchError) return err.toJSON();
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
    const e = err as { code: unknown; message: unknown; location?: ErrorLocation };
    if (typeof e.code === 'string' && typeof e.message === 'string' && /^[A-Z_]+$/.test(e.code)) {
      return {
        code: e.code as ErrorCode,
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
