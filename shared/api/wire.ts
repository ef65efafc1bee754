import type { LakebenchErrorData } from '../errors';

/**
 * The WebSocket framing. Messages are JSON, except that binary values (Arrow batches) travel as raw bytes
 * after it, so a batch is never turned into text. Frame: u32 JSON length, JSON, then per binary value
 * u32 length and bytes. In the JSON a binary value is `{"$bin": index}`.
 *
 * Large binary values may instead be left on the host and named by `{"$blob": id, "size": n}`: the client
 * fetches them over HTTP, which browsers receive several times faster than WebSocket frames, and delivers the
 * message once they are in, in the order the messages came.
 */

declare const TextEncoder: { new (): { encode(input: string): Uint8Array } };
declare const TextDecoder: {
  new (label?: string, options?: { fatal?: boolean }): { decode(input: Uint8Array): string };
};

/**
 * The largest message one WebSocket frame may carry, either way. The host closes a socket that sends more
 * (close code 1009), so the client refuses to send such a message and says why instead.
 */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export type WireMessage =
  | { t: 'call'; id: number; method: string; args: unknown }
  | { t: 'reply'; id: number; ok: true; value: unknown }
  | { t: 'reply'; id: number; ok: false; error: LakebenchErrorData }
  | { t: 'event'; name: string; payload: unknown };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Keeps a large binary value on the host and returns the id a client fetches it by, or null to inline it. */
export type Spill = (bytes: Uint8Array) => string | null;

export interface BlobRef {
  $blob: string;
  size: number;
}

function extract(value: unknown, blobs: Uint8Array[], spill?: Spill): unknown {
  if (value instanceof Uint8Array) {
    const id = spill?.(value);
    if (id) return { $blob: id, size: value.byteLength } satisfies BlobRef;
    blobs.push(value);
    return { $bin: blobs.length - 1 };
  }
  if (Array.isArray(value)) return value.map((v) => extract(v, blobs, spill));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = extract(v, blobs, spill);
    return out;
  }
  return value;
}

function isBlobRef(value: unknown): value is BlobRef {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return typeof v.$blob === 'string' && typeof v.size === 'number' && Object.keys(v).length === 2;
}

/** True when a decoded message names bytes left on the host. */
export function hasBlobRefs(value: unknown): boolean {
  if (isBlobRef(value)) return true;
  if (Array.isArray(value)) return value.some(hasBlobRefs);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array))
    return Object.values(value).some(hasBlobRefs);
  return false;
}

/** Replaces every blob reference by its bytes, fetched all at once. */
export async function resolveBlobRefs<T>(
  value: T,
  fetchBlob: (id: string) => Promise<Uint8Array>,
): Promise<T> {
  if (isBlobRef(value)) {
    const bytes = await fetchBlob(value.$blob);
    if (bytes.byteLength !== value.size) {
      throw new Error(`wire: blob ${value.$blob} has ${bytes.byteLength} bytes, not ${value.size}`);
    }
    return bytes as T;
  }
  if (Array.isArray(value)) return (await Promise.all(value.map((v) => resolveBlobRefs(v, fetchBlob)))) as T;
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const entries = await Promise.all(
      Object.entries(value).map(async ([k, v]) => [k, await resolveBlobRefs(v, fetchBlob)] as const),
    );
    return Object.fromEntries(entries) as T;
  }
  return value;
}

function restore(value: unknown, blobs: Uint8Array[]): unknown {
  if (Array.isArray(value)) return value.map((v) => restore(v, blobs));
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1 && keys[0] === '$bin' && typeof obj.$bin === 'number') {
      const blob = blobs[obj.$bin];
      if (!blob) throw new Error(`wire: missing binary part ${obj.$bin}`);
      return blob;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = restore(v, blobs);
    return out;
  }
  return value;
}

export function encodeMessage(message: WireMessage, spill?: Spill): Uint8Array {
  const blobs: Uint8Array[] = [];
  const json = encoder.encode(JSON.stringify(extract(message, blobs, spill)));
  let size = 4 + json.byteLength;
  for (const b of blobs) size += 4 + b.byteLength;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.byteLength, true);
  out.set(json, 4);
  let offset = 4 + json.byteLength;
  for (const b of blobs) {
    view.setUint32(offset, b.byteLength, true);
    out.set(b, offset + 4);
    offset += 4 + b.byteLength;
  }
  return out;
}

export function decodeMessage(frame: Uint8Array): WireMessage {
  if (frame.byteLength < 4) throw new Error('wire: frame too short');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const jsonLength = view.getUint32(0, true);
  if (4 + jsonLength > frame.byteLength) throw new Error('wire: frame shorter than its header says');
  const parsed: unknown = JSON.parse(decoder.decode(frame.subarray(4, 4 + jsonLength)));
  const blobs: Uint8Array[] = [];
  let offset = 4 + jsonLength;
  while (offset < frame.byteLength) {
    if (offset + 4 > frame.byteLength) throw new Error('wire: truncated binary part');
    const len = view.getUint32(offset, true);
    if (offset + 4 + len > frame.byteLength) throw new Error('wire: truncated binary part');
    // A copy, so the Arrow reader gets an aligned buffer of its own.
    blobs.push(frame.slice(offset + 4, offset + 4 + len));
    offset += 4 + len;
  }
  const message = restore(parsed, blobs) as WireMessage;
  if (!message || typeof message !== 'object' || typeof (message as { t?: unknown }).t !== 'string') {
    throw new Error('wire: not a Lakebench message');
  }
  return message;
}
