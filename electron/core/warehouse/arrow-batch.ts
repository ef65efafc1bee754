import duckdb from '@duckdb/node-bindings';
import { DuckDBTypeId, DuckDBVector, type DuckDBDataChunk, type DuckDBType } from '@duckdb/node-api';
import {
  Binary,
  Bool,
  DateDay,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  TimeMicrosecond,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  makeData,
  type DataType,
} from 'apache-arrow';

/**
 * Builds Arrow record batches from DuckDB data chunks. Fixed-width columns (numbers, dates, timestamps) and
 * validity bitmaps are copied as memory, since DuckDB's layout is Arrow's; strings are copied byte for byte from
 * DuckDB's string_t without decoding; only rare types (nested, decimal, uuid, interval...) go value by value.
 */

type ColumnPlan =
  | { kind: 'fixed'; arrow: DataType; byteWidth: number }
  | { kind: 'bool' }
  | { kind: 'bytes'; arrow: Utf8 | Binary }
  | { kind: 'decimal'; byteWidth: number; scale: number }
  | { kind: 'text' };

function planFor(type: DuckDBType): ColumnPlan {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { kind: 'bool' };
    case DuckDBTypeId.TINYINT:
      return { kind: 'fixed', arrow: new Int8(), byteWidth: 1 };
    case DuckDBTypeId.SMALLINT:
      return { kind: 'fixed', arrow: new Int16(), byteWidth: 2 };
    case DuckDBTypeId.INTEGER:
      return { kind: 'fixed', arrow: new Int32(), byteWidth: 4 };
    case DuckDBTypeId.BIGINT:
      return { kind: 'fixed', arrow: new Int64(), byteWidth: 8 };
    case DuckDBTypeId.UTINYINT:
      return { kind: 'fixed', arrow: new Uint8(), byteWidth: 1 };
    case DuckDBTypeId.USMALLINT:
      return { kind: 'fixed', arrow: new Uint16(), byteWidth: 2 };
    case DuckDBTypeId.UINTEGER:
      return { kind: 'fixed', arrow: new Uint32(), byteWidth: 4 };
    case DuckDBTypeId.UBIGINT:
      return { kind: 'fixed', arrow: new Uint64(), byteWidth: 8 };
    case DuckDBTypeId.FLOAT:
      return { kind: 'fixed', arrow: new Float32(), byteWidth: 4 };
    case DuckDBTypeId.DOUBLE:
      return { kind: 'fixed', arrow: new Float64(), byteWidth: 8 };
    case DuckDBTypeId.DATE:
      return { kind: 'fixed', arrow: new DateDay(), byteWidth: 4 };
    case DuckDBTypeId.TIME:
      return { kind: 'fixed', arrow: new TimeMicrosecond(), byteWidth: 8 };
    case DuckDBTypeId.TIMESTAMP:
      return { kind: 'fixed', arrow: new TimestampMicrosecond(), byteWidth: 8 };
    case DuckDBTypeId.TIMESTAMP_TZ:
      return { kind: 'fixed', arrow: new TimestampMicrosecond('UTC'), byteWidth: 8 };
    case DuckDBTypeId.TIMESTAMP_S:
      return { kind: 'fixed', arrow: new TimestampSecond(), byteWidth: 8 };
    case DuckDBTypeId.TIMESTAMP_MS:
      return { kind: 'fixed', arrow: new TimestampMillisecond(), byteWidth: 8 };
    case DuckDBTypeId.TIMESTAMP_NS:
      return { kind: 'fixed', arrow: new TimestampNanosecond(), byteWidth: 8 };
    case DuckDBTypeId.VARCHAR:
      return { kind: 'bytes', arrow: new Utf8() };
    case DuckDBTypeId.BLOB:
      return { kind: 'bytes', arrow: new Binary() };
    case DuckDBTypeId.DECIMAL: {
      const { width, scale } = type as unknown as { width: number; scale: number };
      const byteWidth = width <= 4 ? 2 : width <= 9 ? 4 : width <= 18 ? 8 : 16;
      return { kind: 'decimal', byteWidth, scale };
    }
    default:
      // HUGEINT, UUID, INTERVAL, ENUM, LIST, STRUCT, MAP, ...: exact text, value by value.
      return { kind: 'text' };
  }
}

function arrowTypeOf(plan: ColumnPlan): DataType {
  switch (plan.kind) {
    case 'fixed':
      return plan.arrow;
    case 'bool':
      return new Bool();
    case 'bytes':
      return plan.arrow;
    case 'decimal':
      return new Float64();
    case 'text':
      return new Utf8();
  }
}

type TypedArrayConstructor = {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): ArrayLike<number | bigint>;
  BYTES_PER_ELEMENT: number;
};

interface ChunkValidity {
  rows: number;
  /** DuckDB's validity mask (LSB first, as Arrow's), or null when every row is valid. */
  bits: Uint8Array | null;
}

class GrowableBytes {
  buf = new Uint8Array(1 << 16);
  length = 0;
  reserve(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  push(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }
}

const textEncoder = new TextEncoder();

function isValid(bits: Uint8Array | null, row: number): boolean {
  return bits === null || (bits[row >> 3] & (1 << (row & 7))) !== 0;
}

class ColumnBuilder {
  readonly plan: ColumnPlan;
  readonly type: DuckDBType;
  private validity: ChunkValidity[] = [];
  private rows = 0;
  private fixedParts: Uint8Array[] = [];
  private boolBits = new GrowableBytes();
  private offsets: number[] = [0];
  private bytes = new GrowableBytes();
  private doubles: number[] = [];

  constructor(type: DuckDBType) {
    this.type = type;
    this.plan = planFor(type);
  }

  append(chunk: DuckDBDataChunk, column: number): void {
    const n = chunk.rowCount;
    const vector = duckdb.data_chunk_get_vector(chunk.chunk, column);
    const validityRaw = duckdb.vector_get_validity(vector, Math.ceil(n / 64) * 8);
    const bits = validityRaw ? validityRaw.slice(0, Math.ceil(n / 8)) : null;
    this.validity.push({ rows: n, bits });
    const plan = this.plan;
    switch (plan.kind) {
      case 'fixed': {
        this.fixedParts.push(duckdb.vector_get_data(vector, n * plan.byteWidth).slice());
        break;
      }
      case 'bool': {
        const data = duckdb.vector_get_data(vector, n);
        const start = this.rows;
        this.boolBits.reserve(Math.ceil((start + n) / 8) - this.boolBits.length + 1);
        const out = this.boolBits.buf;
        for (let i = 0; i < n; i++) {
          if (data[i]) out[(start + i) >> 3] |= 1 << ((start + i) & 7);
        }
        this.boolBits.length = Math.max(this.boolBits.length, Math.ceil((start + n) / 8));
        break;
      }
      case 'bytes': {
        const data = duckdb.vector_get_data(vector, n * 16);
        const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
        for (let i = 0; i < n; i++) {
          if (isValid(bits, i)) {
            const at = i * 16;
            const len = view.getUint32(at, true);
            if (len <= 12) this.bytes.push(data.subarray(at + 4, at + 4 + len));
            else
              this.bytes.push(
                duckdb.get_data_from_pointer(data.buffer as ArrayBuffer, data.byteOffset + at + 8, len),
              );
          }
          this.offsets.push(this.bytes.length);
        }
        break;
      }
      case 'decimal': {
        const data = duckdb.vector_get_data(vector, n * plan.byteWidth);
        const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
        const div = 10 ** plan.scale;
        for (let i = 0; i < n; i++) {
          let v = 0;
          if (isValid(bits, i)) {
            switch (plan.byteWidth) {
              case 2:
                v = view.getInt16(i * 2, true);
                break;
              case 4:
                v = view.getInt32(i * 4, true);
                break;
              case 8:
                v = Number(view.getBigInt64(i * 8, true));
                break;
              default: {
                const lo = view.getBigUint64(i * 16, true);
                const hi = view.getBigInt64(i * 16 + 8, true);
                v = Number((hi << 64n) + lo);
              }
            }
          }
          this.doubles.push(v / div);
        }
        break;
      }
      case 'text': {
        const values = DuckDBVector.create(vector, n, this.type);
        for (let i = 0; i < n; i++) {
          const value = values.getItem(i);
          if (value !== null) this.bytes.push(textEncoder.encode(String(value)));
          this.offsets.push(this.bytes.length);
        }
        break;
      }
    }
    this.rows += n;
  }

  private buildValidity(): { bitmap: Uint8Array | undefined; nullCount: number } {
    if (this.validity.every((v) => v.bits === null)) return { bitmap: undefined, nullCount: 0 };
    const bitmap = new Uint8Array(Math.ceil(this.rows / 8));
    let at = 0;
    for (const part of this.validity) {
      if (part.bits === null) {
        for (let i = 0; i < part.rows; i++) bitmap[(at + i) >> 3] |= 1 << ((at + i) & 7);
      } else if ((at & 7) === 0) {
        bitmap.set(part.bits.subarray(0, Math.ceil(part.rows / 8)), at >> 3);
        // Clear bits past this part's rows in its last byte: the next part ORs its own in.
        const rem = part.rows & 7;
        if (rem) bitmap[(at + part.rows) >> 3] &= (1 << rem) - 1;
      } else {
        for (let i = 0; i < part.rows; i++) {
          if (isValid(part.bits, i)) bitmap[(at + i) >> 3] |= 1 << ((at + i) & 7);
        }
      }
      at += part.rows;
    }
    let valid = 0;
    for (let i = 0; i < this.rows; i++) if (bitmap[i >> 3] & (1 << (i & 7))) valid++;
    return { bitmap, nullCount: this.rows - valid };
  }

  build() {
    const { bitmap, nullCount } = this.buildValidity();
    const length = this.rows;
    const type = arrowTypeOf(this.plan);
    const common = { type, length, nullCount, nullBitmap: bitmap };
    switch (this.plan.kind) {
      case 'fixed': {
        const total = this.fixedParts.reduce((s, p) => s + p.byteLength, 0);
        const buf = new Uint8Array(total);
        let off = 0;
        for (const p of this.fixedParts) {
          buf.set(p, off);
          off += p.byteLength;
        }
        // Arrow's array type for the column (Int32Array, BigInt64Array, Float64Array, ...) over the copied bytes.
        const ArrayType = (type as unknown as { ArrayType: TypedArrayConstructor }).ArrayType;
        const elems = total / ArrayType.BYTES_PER_ELEMENT;
        return makeData({ ...common, data: new ArrayType(buf.buffer, 0, elems) } as never);
      }
      case 'bool':
        return makeData({ ...common, data: this.boolBits.buf.slice(0, Math.ceil(length / 8)) } as never);
      case 'decimal':
        return makeData({ ...common, data: Float64Array.from(this.doubles) } as never);
      case 'bytes':
      case 'text':
        return makeData({
          ...common,
          valueOffsets: Int32Array.from(this.offsets),
          data: this.bytes.buf.slice(0, this.bytes.length),
        } as never);
    }
  }
}

export interface ResultColumn {
  name: string;
  type: DuckDBType;
}

/** Accumulates DuckDB chunks and cuts them into Arrow IPC streams of one record batch each. */
export class ArrowBatchBuilder {
  private builders: ColumnBuilder[];
  private readonly schema: Schema;
  rowCount = 0;

  constructor(private readonly columns: ResultColumn[]) {
    this.builders = columns.map((c) => new ColumnBuilder(c.type));
    this.schema = new Schema(
      columns.map(
        (c, i) =>
          new Field(
            c.name,
            arrowTypeOf(this.builders[i].plan),
            true,
            new Map([['duckdb_type', c.type.toString()]]),
          ),
      ),
    );
  }

  append(chunk: DuckDBDataChunk, maxRows = Infinity): number {
    let take = chunk.rowCount;
    if (take > maxRows) {
      take = maxRows;
      chunk.rowCount = take;
    }
    for (let i = 0; i < this.builders.length; i++) this.builders[i].append(chunk, i);
    this.rowCount += take;
    return take;
  }

  /** The rows so far as one Arrow IPC stream; the builder starts empty again. */
  flush(): Uint8Array {
    const children = this.builders.map((b) => b.build());
    const data = makeData({
      type: new Struct(this.schema.fields),
      length: this.rowCount,
      nullCount: 0,
      children,
    });
    const batch = new RecordBatch(this.schema, data);
    this.builders = this.columns.map((c) => new ColumnBuilder(c.type));
    this.rowCount = 0;
    return RecordBatchStreamWriter.writeAll([batch]).toUint8Array(true);
  }
}
