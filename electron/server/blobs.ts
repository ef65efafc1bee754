import { randomBytes } from 'node:crypto';

/** Bytes larger than this go to the client over HTTP instead of inside a WebSocket frame. */
export const SPILL_BYTES = 64 * 1024;
/** A blob not fetched within this time is dropped (its client went away or fell behind). */
const BLOB_TTL_MS = 120_000;

interface Blob {
  bytes: Uint8Array;
  clientId: string;
  expires: number;
}

/**
 * Large binary event parts (Arrow batches) waiting for their client to fetch them over HTTP. Each blob is
 * served once, to the client it was made for, then forgotten.
 */
export class BlobStore {
  private readonly blobs = new Map<string, Blob>();
  private readonly timer: NodeJS.Timeout;
  private bytesHeld = 0;

  constructor() {
    this.timer = setInterval(() => this.sweep(), 10_000);
    this.timer.unref();
  }

  put(clientId: string, bytes: Uint8Array): string {
    const id = `${clientId}.${randomBytes(12).toString('base64url')}`;
    this.blobs.set(id, { bytes, clientId, expires: Date.now() + BLOB_TTL_MS });
    this.bytesHeld += bytes.byteLength;
    return id;
  }

  /** The bytes of a blob, once; null if unknown, already taken or expired. */
  take(id: string): Uint8Array | null {
    const blob = this.blobs.get(id);
    if (!blob) return null;
    this.blobs.delete(id);
    this.bytesHeld -= blob.bytes.byteLength;
    return blob.bytes;
  }

  dropClient(clientId: string): void {
    for (const [id, blob] of this.blobs) {
      if (blob.clientId === clientId) {
        this.blobs.delete(id);
        this.bytesHeld -= blob.bytes.byteLength;
      }
    }
  }

  get size(): { blobs: number; bytes: number } {
    return { blobs: this.blobs.size, bytes: this.bytesHeld };
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, blob] of this.blobs) {
      if (blob.expires < now) {
        this.blobs.delete(id);
        this.bytesHeld -= blob.bytes.byteLength;
      }
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.blobs.clear();
    this.bytesHeld = 0;
  }
}
