import { deflateRawSync } from 'node:zlib';
import {
  FIELDS_MAX_BYTES,
  LOG_LEVELS,
  LOG_STREAMS,
  MESSAGE_INDEX_BYTES,
  MESSAGE_KEEP_BYTES,
  streamKeyOf,
  truncationMarker,
  type LogInput,
  type LogLevel,
  type LogStream,
} from '../../../shared/logs/model';

/** A record as the store writes it: one row of `records`, plus the deflated start of a cut message. */
export interface RecordRow {
  stream_key: string;
  /** Null: the writer numbers it after the stream's last line. */
  line: number | null;
  time: number;
  level: LogLevel;
  source: string;
  stream: LogStream;
  pipeline_id: string | null;
  run_id: string | null;
  task_id: string | null;
  try_number: number | null;
  notebook: string | null;
  cell_id: string | null;
  table_name: string | null;
  ingest_file: string | null;
  kernel_id: string | null;
  component: string | null;
  request_method: string | null;
  request_path: string | null;
  request_status: number | null;
  duration_ms: number | null;
  message: string;
  attrs: string;
  fields: string | null;
  message_bytes: number;
  truncated: number;
  invalid_utf8: number;
  size: number;
  /** The kept start of a cut message, deflated; null when the message is whole. */
  full: { bytes: number; complete: boolean; data: Buffer } | null;
}

const ID_MAX = 1024;
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/g;
// eslint-disable-next-line no-control-regex
const HAS_CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
const SECRET_PARAM = /([?&](?:token|access_token|api_key|apikey|key|password|secret|auth)=)[^&#]*/gi;

const fatalDecoder = new TextDecoder('utf-8', { fatal: true });
const lenientDecoder = new TextDecoder('utf-8');

/**
 * Output as text the index and the UI can hold: colour codes dropped, other control characters shown as their
 * Unicode pictures (so binary output stays one visible line and no marker byte can clash with highlighting).
 */
export function cleanText(text: string): string {
  let s = text.indexOf('\x1b') >= 0 ? text.replace(ANSI, '') : text;
  if (HAS_CONTROL.test(s)) {
    s = s.replace(CONTROL, (c) => String.fromCharCode(c === '\x7f' ? 0x2421 : 0x2400 + c.charCodeAt(0)));
  }
  return s;
}

/** Bytes decoded as UTF-8; invalid sequences become U+FFFD and are reported. Only the first `limit` bytes. */
export function decodeOutput(bytes: Uint8Array, limit: number): { text: string; invalid: boolean } {
  const view = bytes.length > limit ? bytes.subarray(0, limit) : bytes;
  try {
    return { text: fatalDecoder.decode(view), invalid: false };
  } catch {
    // Not valid UTF-8 (or cut inside a character at `limit`): decode with replacement characters instead.
    const text = lenientDecoder.decode(view);
    // A character cut by the limit itself is no fault of the output.
    const invalid = bytes.length <= limit || !endsInCutCharacter(view);
    return { text, invalid };
  }
}

function endsInCutCharacter(view: Uint8Array): boolean {
  try {
    let end = view.length;
    // back up over at most 3 continuation bytes and their lead byte
    for (let i = 0; i < 4 && end > 0 && (view[end - 1] & 0xc0) === 0x80; i++) end--;
    if (end > 0 && view[end - 1] >= 0xc0) end--;
    fatalDecoder.decode(view.subarray(0, end));
    return true;
  } catch {
    // The invalid bytes are before the cut: the output itself is invalid.
    return false;
  }
}

/** The start of `text` that fits in `maxBytes` of UTF-8, never splitting a surrogate pair. */
export function cutToBytes(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text;
  let head = text.slice(0, maxBytes);
  const last = head.charCodeAt(head.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) head = head.slice(0, -1);
  const buf = Buffer.from(head, 'utf8');
  if (buf.length <= maxBytes) return head;
  let s = buf.subarray(0, maxBytes).toString('utf8');
  // a character cut by the byte limit decodes as U+FFFD: drop it
  if (s.endsWith('\ufffd')) s = s.slice(0, -1);
  return s;
}

function cap(s: string | undefined | null): string | null {
  if (s === undefined || s === null) return null;
  return s.length > ID_MAX ? s.slice(0, ID_MAX) : s;
}

/** A request path as logged: secrets in its query (a token, a password) replaced. */
export function redactPath(path: string): string {
  return path.replace(SECRET_PARAM, '$1[redacted]');
}

function fieldsJson(fields: Record<string, unknown> | undefined): string | null {
  if (!fields) return null;
  let json: string;
  try {
    json = JSON.stringify(fields, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch (err) {
    json = JSON.stringify({ _invalid: `fields could not be stored: ${(err as Error).message}` });
  }
  if (json === '{}') return null;
  if (json.length <= FIELDS_MAX_BYTES && Buffer.byteLength(json) <= FIELDS_MAX_BYTES) return json;
  // Too large: keep each field cut to its share, so the record stays searchable by its small fields.
  const share = Math.max(64, Math.floor(FIELDS_MAX_BYTES / Math.max(1, Object.keys(fields).length)) - 32);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    const one = JSON.stringify(v) ?? 'null';
    out[k.slice(0, 200)] =
      one.length <= share
        ? v
        : `${cutToBytes(one, share)}${truncationMarker(Buffer.byteLength(one) - share)}`;
  }
  return JSON.stringify(out).slice(0, FIELDS_MAX_BYTES * 2);
}

const ATTRS_MAX = 2048;

function attrsOf(
  row: Omit<RecordRow, 'attrs' | 'size' | 'full'>,
  fields: Record<string, unknown> | undefined,
) {
  const parts: string[] = [];
  for (const v of [
    row.pipeline_id,
    row.task_id,
    row.notebook,
    row.cell_id,
    row.table_name,
    row.ingest_file,
    row.kernel_id,
    row.component,
    row.request_path,
  ])
    if (v) parts.push(v);
  if (fields)
    for (const v of Object.values(fields)) {
      if (typeof v === 'string') parts.push(v.length > 256 ? v.slice(0, 256) : v);
      else if (typeof v === 'number' || typeof v === 'boolean') parts.push(String(v));
    }
  const s = parts.join(' ');
  return s.length > ATTRS_MAX ? s.slice(0, ATTRS_MAX) : s;
}

function finiteInt(n: unknown): number | null {
  return typeof n === 'number' && Number.isFinite(n) ? Math.trunc(n) : null;
}

/** Turns what a service wrote into the row the store keeps: message cleaned and cut, fields capped. */
export function toRow(input: LogInput, now: number): RecordRow {
  const src = input.source;
  // Callers are typed, but a record must never break the store: anything off the known values is defaulted.
  const stream: LogStream = (LOG_STREAMS as readonly string[]).includes(input.stream as string)
    ? (input.stream as LogStream)
    : 'event';
  const level: LogLevel = (LOG_LEVELS as readonly string[]).includes(input.level as string)
    ? (input.level as LogLevel)
    : stream === 'stderr'
      ? 'warn'
      : 'info';
  let text: string;
  let invalid = false;
  let messageBytes: number;
  if (typeof input.message === 'string') {
    text = input.message;
    messageBytes = Buffer.byteLength(text);
  } else {
    const bytes = input.message;
    messageBytes = bytes.length;
    const decoded = decodeOutput(bytes, MESSAGE_KEEP_BYTES);
    text = decoded.text;
    invalid = decoded.invalid;
  }
  let message: string;
  let full: RecordRow['full'] = null;
  const overIndex = text.length * 3 > MESSAGE_INDEX_BYTES && messageBytes > MESSAGE_INDEX_BYTES;
  if (overIndex) {
    const kept = cleanText(cutToBytes(text, MESSAGE_KEEP_BYTES));
    const head = cutToBytes(kept, MESSAGE_INDEX_BYTES);
    const keptBuf = Buffer.from(kept, 'utf8');
    message = head + truncationMarker(messageBytes - Buffer.byteLength(head));
    full = {
      bytes: messageBytes,
      complete: messageBytes <= MESSAGE_KEEP_BYTES,
      data: deflateRawSync(keptBuf, { level: 1 }),
    };
  } else {
    message = cleanText(text);
  }
  const line =
    input.line !== undefined && Number.isSafeInteger(input.line) && input.line >= 1 ? input.line : null;
  const base = {
    stream_key: cap(streamKeyOf(src)) as string,
    line,
    time: Number.isFinite(input.time) ? Math.max(0, Math.floor(input.time as number)) : now,
    level,
    source: src.kind,
    stream,
    pipeline_id: src.kind === 'pipeline' || src.kind === 'scheduler' ? cap(src.pipelineId) : null,
    run_id: src.kind === 'pipeline' ? cap(src.runId) : null,
    task_id: src.kind === 'pipeline' ? cap(src.taskId) : null,
    try_number: src.kind === 'pipeline' ? finiteInt(src.tryNumber) : null,
    notebook: src.kind === 'notebook' || src.kind === 'kernel' ? cap(src.notebook) : null,
    cell_id: src.kind === 'notebook' ? cap(src.cellId) : null,
    table_name: src.kind === 'ingest' ? cap(src.table) : null,
    ingest_file: src.kind === 'ingest' ? cap(src.file) : null,
    kernel_id: src.kind === 'kernel' ? cap(src.kernelId) : null,
    component:
      src.kind === 'app' ? cap(src.component) : src.kind === 'ingest' && src.auto ? 'auto-ingest' : null,
    request_method: src.kind === 'server' ? cap(src.method) : null,
    request_path: src.kind === 'server' ? cap(redactPath(src.path)) : null,
    request_status: src.kind === 'server' ? finiteInt(src.status) : null,
    duration_ms: src.kind === 'server' && Number.isFinite(src.durationMs) ? src.durationMs : null,
    message,
    fields: fieldsJson(input.fields),
    message_bytes: messageBytes,
    truncated: full ? 1 : 0,
    invalid_utf8: invalid ? 1 : 0,
  };
  const attrs = attrsOf(base, input.fields);
  const size =
    96 + message.length + attrs.length + (base.fields?.length ?? 0) + (full ? full.data.length : 0);
  return { ...base, attrs, size, full };
}
