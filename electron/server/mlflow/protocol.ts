import { isUtf8 } from 'node:buffer';
import type http from 'node:http';
import { LakebenchError, errorMessage } from '../../../shared/errors';
import { hasLoneSurrogate, storageError } from '../../core/tracker';

/** MLflow's error codes and their HTTP statuses (mlflow/exceptions.py, ERROR_CODE_TO_HTTP_STATUS). */
export const HTTP_STATUS: Record<string, number> = {
  BAD_REQUEST: 400,
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  MALFORMED_REQUEST: 400,
  CUSTOMER_UNAUTHORIZED: 401,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  ENDPOINT_NOT_FOUND: 404,
  NOT_FOUND: 404,
  RESOURCE_DOES_NOT_EXIST: 404,
  ABORTED: 409,
  ALREADY_EXISTS: 409,
  RESOURCE_CONFLICT: 409,
  REQUEST_LIMIT_EXCEEDED: 429,
  RESOURCE_EXHAUSTED: 429,
  DATA_LOSS: 500,
  INTERNAL_ERROR: 500,
  INVALID_STATE: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
};

/** An error answered as MLflow does: `{"error_code", "message"}` with the code's HTTP status (or another). */
export class MlflowError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
    private readonly httpStatus?: number,
  ) {
    super(message);
  }

  get status(): number {
    return this.httpStatus ?? HTTP_STATUS[this.errorCode] ?? 500;
  }
}

/**
 * A full disk or a read-only database, in MLflow's terms. MLflow's clients retry 429, 500, 502, 503 and 504 for
 * minutes (urllib3's status_forcelist), and neither problem goes away by itself, so both answer statuses outside
 * that list: 507 Insufficient Storage for a full disk, 403 for a database that cannot be written.
 */
function storageMlflowError(err: unknown): MlflowError | null {
  const storage = storageError(err);
  if (!storage) return null;
  return storage.code === 'DISK_FULL'
    ? new MlflowError('RESOURCE_EXHAUSTED', storage.message, 507)
    : new MlflowError('PERMISSION_DENIED', storage.message, 403);
}

/** The service's errors in MLflow's terms. */
export function toMlflowError(err: unknown): MlflowError {
  if (err instanceof MlflowError) return err;
  const storage = storageMlflowError(err);
  if (storage) return storage;
  if (err instanceof LakebenchError) {
    switch (err.code) {
      case 'NOT_FOUND':
        return new MlflowError('RESOURCE_DOES_NOT_EXIST', err.message);
      case 'ALREADY_EXISTS':
        return new MlflowError('RESOURCE_ALREADY_EXISTS', err.message);
      case 'INVALID_PARAMETER_VALUE':
      case 'INVALID_REQUEST':
        return new MlflowError('INVALID_PARAMETER_VALUE', err.message);
      case 'WORKSPACE_NOT_OPEN':
        return new MlflowError('TEMPORARILY_UNAVAILABLE', err.message);
      default:
        return new MlflowError('INTERNAL_ERROR', err.message);
    }
  }
  const message = errorMessage(err);
  if (/SQLITE_BUSY|database is locked/i.test(message))
    return new MlflowError('TEMPORARILY_UNAVAILABLE', `The run tracker is busy, try again: ${message}`);
  return new MlflowError('INTERNAL_ERROR', message);
}

/** Non-finite metric values are already MLflow's strings ("NaN", "Infinity") by the time a body is sent. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export function sendError(res: http.ServerResponse, err: MlflowError): void {
  sendJson(res, err.status, { error_code: err.errorCode, message: err.message });
}

/** Request bodies above this are refused; MLflow's own limits keep real requests far smaller. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * The request body. Read with plain 'data' events into one buffer: log-batch requests of ~100 KB arrive many
 * times a second, and an async iterator per request costs more than the copy.
 */
export function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const tooLarge = () =>
    new MlflowError('INVALID_PARAMETER_VALUE', `The request body exceeds ${MAX_BODY_BYTES} bytes.`);
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_BODY_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // The rest is read and dropped, so the answer still reaches the client.
        req.off('data', onData).resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete)
        reject(new Error('The client closed the connection before the request body was sent.'));
    });
  });
}

/** Percent-decoding that refuses what URLSearchParams would quietly turn into U+FFFD. */
function decodeComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw new MlflowError(
      'INVALID_PARAMETER_VALUE',
      `Malformed percent-encoding in the query string: '${s.slice(0, 100)}'`,
    );
  }
}

/** The query string's fields; repeated keys become lists. */
function queryMessage(url: URL): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const query = url.search.replace(/^\?/, '');
  if (!query) return out;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodeComponent(part.slice(eq + 1));
    const before = out[key];
    out[key] = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value];
  }
  return out;
}

/** In JSON text that is valid UTF-8, a lone surrogate can only be written as an escape, \uD800 to \uDFFF. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** Refuses text that cannot be stored as UTF-8: an unpaired surrogate anywhere in the message. */
function checkText(value: unknown, where: string): void {
  if (typeof value === 'string') {
    if (hasLoneSurrogate(value))
      throw new MlflowError(
        'INVALID_PARAMETER_VALUE',
        `Invalid value for parameter '${where}': the text holds an unpaired UTF-16 surrogate.`,
      );
  } else if (Array.isArray(value)) value.forEach((v, i) => checkText(v, `${where}[${i}]`));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      checkText(k, where);
      checkText(v, where ? `${where}.${k}` : k);
    }
}

/** The request message: a JSON body for POST/PATCH/DELETE, the query string for GET (repeated keys as lists). */
export async function requestMessage(req: http.IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  if (req.method === 'GET' || req.method === 'HEAD') {
    const out = queryMessage(url);
    checkText(out, '');
    return out;
  }
  const body = await readBody(req);
  // Checked natively, then decoded as before: log-batch bodies of ~100 KB arrive many times a second.
  if (!isUtf8(body)) throw new MlflowError('INVALID_PARAMETER_VALUE', 'The request body is not valid UTF-8.');
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new MlflowError('MALFORMED_REQUEST', `Malformed JSON in the request body: ${errorMessage(err)}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new MlflowError('MALFORMED_REQUEST', 'The request body must be a JSON object.');
  if (SURROGATE_ESCAPE.test(text)) checkText(parsed, '');
  return parsed as Record<string, unknown>;
}

function pyType(v: unknown): string {
  if (v === null) return 'NoneType';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return 'dict';
}

function badType(name: string, v: unknown): MlflowError {
  return new MlflowError(
    'INVALID_PARAMETER_VALUE',
    `Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied. Hint: Value was of type '${pyType(v)}'. See the API docs for more information about request parameters.`,
  );
}

export function missing(name: string): MlflowError {
  return new MlflowError(
    'INVALID_PARAMETER_VALUE',
    `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`,
  );
}

/** Typed reads of request fields with MLflow's messages; GET values arrive as strings and are converted. */
export class Fields {
  constructor(readonly msg: Record<string, unknown>) {}

  has(name: string): boolean {
    return this.msg[name] !== undefined && this.msg[name] !== null;
  }

  str(name: string): string | undefined;
  str(name: string, required: true): string;
  str(name: string, required = false): string | undefined {
    const v = this.msg[name];
    if (v === undefined || v === null || (required && v === '')) {
      if (required) throw missing(name);
      return undefined;
    }
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v !== 'string') throw badType(name, v);
    return v;
  }

  /** A name or key: a string as MLflow requires, never a number turned into one. */
  name(name: string): string | undefined;
  name(name: string, required: true): string;
  name(name: string, required = false): string | undefined {
    const v = this.msg[name];
    if (v === undefined || v === null || (required && v === '')) {
      if (required) throw missing(name);
      return undefined;
    }
    if (typeof v !== 'string') throw badType(name, v);
    return v;
  }

  /** run_id, falling back to the older run_uuid. */
  runId(): string {
    const id = this.str('run_id') ?? this.str('run_uuid');
    if (!id) throw missing('run_id');
    return id;
  }

  int(name: string): number | undefined;
  int(name: string, required: true): number;
  int(name: string, required = false): number | undefined {
    const v = this.msg[name];
    if (v === undefined || v === null) {
      if (required) throw missing(name);
      return undefined;
    }
    const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw badType(name, v);
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.msg[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'True') return true;
    if (v === 'false' || v === 'False') return false;
    throw badType(name, v);
  }

  /** A repeated field: a JSON list, or repeated/single query values. */
  list(name: string): unknown[] {
    const v = this.msg[name];
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    if (typeof v === 'string') return [v];
    throw badType(name, v);
  }

  strings(name: string): string[] {
    return this.list(name).map((x) => {
      if (typeof x === 'number') return String(x);
      if (typeof x !== 'string') throw badType(name, x);
      return x;
    });
  }

  /** `[{"key": ..., "value": ...}]` as a record, checking each entry. */
  keyValues(name: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const item of this.list(name)) {
      if (!item || typeof item !== 'object' || Array.isArray(item)) throw badType(name, item);
      const { key, value } = item as Record<string, unknown>;
      if (typeof key !== 'string' || key === '') throw missing(`${name}.key`);
      if (typeof value !== 'string') throw badType(`${name}.value`, value);
      out[key] = value;
    }
    return out;
  }
}

export function tagList(tags: Record<string, string>): { key: string; value: string }[] | undefined {
  const list = Object.entries(tags).map(([key, value]) => ({ key, value }));
  return list.length ? list : undefined;
}
