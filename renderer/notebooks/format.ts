import { DataType, type Field, util } from 'apache-arrow';

/** How result values read as text: ISO dates, bigints as digits, nested values as JSON, NULL as null. */

export function isNumericType(type: DataType): boolean {
  return DataType.isInt(type) || DataType.isFloat(type) || DataType.isDecimal(type);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function isoDate(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(ms);
  const y = d.getUTCFullYear();
  const year = y < 0 ? `-${pad(-y, 4)}` : y > 9999 ? `+${y}` : pad(y, 4);
  return `${year}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

function isoTimestamp(ms: number, withZone: boolean): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(ms);
  const frac = d.getUTCMilliseconds();
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${frac ? `.${pad(frac, 3)}` : ''}`;
  return `${isoDate(ms)} ${time}${withZone ? 'Z' : ''}`;
}

function decimalText(value: unknown, scale: number): string {
  const digits = typeof value === 'bigint' ? value.toString() : util.bigNumToString(value as never);
  if (scale <= 0) return digits;
  const negative = digits.startsWith('-');
  const abs = (negative ? digits.slice(1) : digits).padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${abs.slice(0, abs.length - scale)}.${abs.slice(abs.length - scale)}`;
}

function jsonReplacer(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  return v;
}

function toJsonText(value: unknown): string {
  const plain =
    value && typeof value === 'object' && 'toJSON' in value && typeof value.toJSON === 'function'
      ? (value.toJSON as () => unknown)()
      : value;
  try {
    return JSON.stringify(plain, jsonReplacer) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Text of a value, or null for SQL NULL. */
export function formatValue(value: unknown, type: DataType): string | null {
  if (value === null || value === undefined) return null;
  if (DataType.isDate(type)) return typeof value === 'number' ? isoDate(value) : String(value);
  if (DataType.isTimestamp(type)) {
    return typeof value === 'number' ? isoTimestamp(value, Boolean(type.timezone)) : String(value);
  }
  if (DataType.isDecimal(type)) return decimalText(value, type.scale);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
    return String(Number(value.toPrecision(15)));
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Uint8Array) {
    const shown = Array.from(value.subarray(0, 64), (b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
    return value.length > 64 ? `${shown}…` : shown;
  }
  if (DataType.isDictionary(type)) return formatValue(value, type.dictionary);
  return toJsonText(value);
}

/** A DuckDB-style name for an Arrow type, used until the host reports DuckDB's own column types. */
export function typeLabel(field: Field): string {
  const t = field.type;
  if (DataType.isInt(t)) {
    const names: Record<number, string> = { 8: 'TINYINT', 16: 'SMALLINT', 32: 'INTEGER', 64: 'BIGINT' };
    return `${t.isSigned ? '' : 'U'}${names[t.bitWidth] ?? 'INTEGER'}`;
  }
  if (DataType.isFloat(t)) return t.precision === 2 ? 'DOUBLE' : t.precision === 1 ? 'FLOAT' : 'HALF';
  if (DataType.isDecimal(t)) return `DECIMAL(${t.precision},${t.scale})`;
  if (DataType.isUtf8(t) || DataType.isLargeUtf8(t)) return 'VARCHAR';
  if (DataType.isDictionary(t)) return 'VARCHAR';
  if (DataType.isBool(t)) return 'BOOLEAN';
  if (DataType.isDate(t)) return 'DATE';
  if (DataType.isTimestamp(t)) return t.timezone ? 'TIMESTAMPTZ' : 'TIMESTAMP';
  if (DataType.isTime(t)) return 'TIME';
  if (DataType.isBinary(t) || DataType.isLargeBinary(t)) return 'BLOB';
  if (DataType.isList(t)) return 'LIST';
  if (DataType.isStruct(t)) return 'STRUCT';
  if (DataType.isMap(t)) return 'MAP';
  if (DataType.isNull(t)) return 'NULL';
  return String(t).toUpperCase();
}
