/**
 * A table's schema (PROTOCOL.md, "Schema Serialization Format"): parsing `schemaString`, the DuckDB type of
 * each Delta type, and partition values (stored as strings in the log) as typed SQL literals.
 */
import { LakebenchError } from '../../../shared/errors';

export type DeltaType =
  | { type: 'primitive'; name: string }
  | { type: 'decimal'; precision: number; scale: number }
  | { type: 'struct'; fields: DeltaField[] }
  | { type: 'array'; elementType: DeltaType; containsNull: boolean }
  | { type: 'map'; keyType: DeltaType; valueType: DeltaType; valueContainsNull: boolean };

export interface DeltaField {
  name: string;
  type: DeltaType;
  nullable: boolean;
  metadata: Record<string, unknown>;
}

export interface DeltaSchema {
  fields: DeltaField[];
}

const PRIMITIVES = new Set([
  'string',
  'long',
  'integer',
  'short',
  'byte',
  'float',
  'double',
  'boolean',
  'binary',
  'date',
  'timestamp',
  'timestamp_ntz',
  'void',
]);

class SchemaShapeError extends Error {}

function parseType(v: unknown, at: string): DeltaType {
  if (typeof v === 'string') {
    const decimal = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(v);
    if (decimal) return { type: 'decimal', precision: Number(decimal[1]), scale: Number(decimal[2]) };
    if (v === 'decimal') return { type: 'decimal', precision: 10, scale: 0 };
    if (!PRIMITIVES.has(v)) throw new SchemaShapeError(`${at} has the unknown type ${JSON.stringify(v)}`);
    return { type: 'primitive', name: v };
  }
  if (typeof v !== 'object' || v === null) throw new SchemaShapeError(`${at} has no type`);
  const o = v as Record<string, unknown>;
  switch (o.type) {
    case 'struct':
      return { type: 'struct', fields: parseFields(o.fields, at) };
    case 'array':
      return {
        type: 'array',
        elementType: parseType(o.elementType, `${at}.element`),
        containsNull: o.containsNull !== false,
      };
    case 'map':
      return {
        type: 'map',
        keyType: parseType(o.keyType, `${at}.key`),
        valueType: parseType(o.valueType, `${at}.value`),
        valueContainsNull: o.valueContainsNull !== false,
      };
    default:
      throw new SchemaShapeError(`${at} has the unknown type ${JSON.stringify(o.type)}`);
  }
}

function parseFields(v: unknown, at: string): DeltaField[] {
  if (!Array.isArray(v)) throw new SchemaShapeError(`${at} must have a list of fields`);
  return v.map((f, i) => {
    if (typeof f !== 'object' || f === null) throw new SchemaShapeError(`${at} field ${i} must be an object`);
    const o = f as Record<string, unknown>;
    if (typeof o.name !== 'string') throw new SchemaShapeError(`${at} field ${i} has no name`);
    const name = o.name;
    return {
      name,
      type: parseType(o.type, at ? `${at}.${name}` : name),
      nullable: o.nullable !== false,
      metadata:
        typeof o.metadata === 'object' && o.metadata !== null ? (o.metadata as Record<string, unknown>) : {},
    };
  });
}

/** Parses a metaData.schemaString; `file` says where it came from in an error. */
export function parseSchemaString(schemaString: string, file: string): DeltaSchema {
  let value: unknown;
  try {
    value = JSON.parse(schemaString);
  } catch (err) {
    throw new LakebenchError(
      'TABLE_LOG_CORRUPT',
      `${file}: metaData.schemaString is not valid JSON (${err instanceof Error ? err.message : String(err)})`,
      { file },
    );
  }
  try {
    const t = parseType(value, '');
    if (t.type !== 'struct') throw new SchemaShapeError('the schema must be a struct');
    return { fields: t.fields };
  } catch (err) {
    if (err instanceof SchemaShapeError) {
      throw new LakebenchError('TABLE_LOG_CORRUPT', `${file}: metaData.schemaString: ${err.message}`, {
        file,
      });
    }
    throw err;
  }
}

/** Quotes an identifier for DuckDB. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a string literal for DuckDB. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The DuckDB type of a Delta type. */
export function duckdbType(t: DeltaType): string {
  switch (t.type) {
    case 'decimal':
      return `DECIMAL(${t.precision}, ${t.scale})`;
    case 'struct':
      return `STRUCT(${t.fields.map((f) => `${quoteIdent(f.name)} ${duckdbType(f.type)}`).join(', ')})`;
    case 'array':
      return `${duckdbType(t.elementType)}[]`;
    case 'map':
      return `MAP(${duckdbType(t.keyType)}, ${duckdbType(t.valueType)})`;
    case 'primitive':
      switch (t.name) {
        case 'string':
          return 'VARCHAR';
        case 'long':
          return 'BIGINT';
        case 'integer':
          return 'INTEGER';
        case 'short':
          return 'SMALLINT';
        case 'byte':
          return 'TINYINT';
        case 'float':
          return 'FLOAT';
        case 'double':
          return 'DOUBLE';
        case 'boolean':
          return 'BOOLEAN';
        case 'binary':
          return 'BLOB';
        case 'date':
          return 'DATE';
        // Delta `timestamp` is an instant (UTC-adjusted in Parquet); `timestamp_ntz` is a wall-clock time.
        case 'timestamp':
          return 'TIMESTAMP WITH TIME ZONE';
        case 'timestamp_ntz':
          return 'TIMESTAMP';
        case 'void':
          return 'INTEGER';
        default:
          throw new LakebenchError('TABLE_LOG_CORRUPT', `unknown Delta type ${t.name}`);
      }
    default: {
      const never: never = t;
      return never;
    }
  }
}

/** The Delta type of a DuckDB column type (for creating tables from a query); null if Delta has none. */
export function deltaTypeOfDuckdb(duck: string): DeltaType | null {
  const t = duck.trim().toUpperCase();
  const simple: Record<string, string> = {
    VARCHAR: 'string',
    BIGINT: 'long',
    INTEGER: 'integer',
    SMALLINT: 'short',
    TINYINT: 'byte',
    FLOAT: 'float',
    DOUBLE: 'double',
    BOOLEAN: 'boolean',
    BLOB: 'binary',
    DATE: 'date',
    'TIMESTAMP WITH TIME ZONE': 'timestamp',
    TIMESTAMP: 'timestamp_ntz',
  };
  if (simple[t]) return { type: 'primitive', name: simple[t] };
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (decimal) return { type: 'decimal', precision: Number(decimal[1]), scale: Number(decimal[2]) };
  return null;
}

/** The JSON of a Delta type, as schemaString stores it. */
export function deltaTypeJson(t: DeltaType): unknown {
  switch (t.type) {
    case 'primitive':
      return t.name;
    case 'decimal':
      return `decimal(${t.precision},${t.scale})`;
    case 'struct':
      return { type: 'struct', fields: t.fields.map(deltaFieldJson) };
    case 'array':
      return { type: 'array', elementType: deltaTypeJson(t.elementType), containsNull: t.containsNull };
    case 'map':
      return {
        type: 'map',
        keyType: deltaTypeJson(t.keyType),
        valueType: deltaTypeJson(t.valueType),
        valueContainsNull: t.valueContainsNull,
      };
    default: {
      const never: never = t;
      return never;
    }
  }
}

function deltaFieldJson(f: DeltaField): unknown {
  return { name: f.name, type: deltaTypeJson(f.type), nullable: f.nullable, metadata: f.metadata };
}

export function schemaString(schema: DeltaSchema): string {
  return JSON.stringify({ type: 'struct', fields: schema.fields.map(deltaFieldJson) });
}

/** True when a type is (or contains) `timestamp_ntz`, which needs the `timestampNtz` table feature. */
export function usesTimestampNtz(t: DeltaType): boolean {
  switch (t.type) {
    case 'primitive':
      return t.name === 'timestamp_ntz';
    case 'decimal':
      return false;
    case 'struct':
      return t.fields.some((f) => usesTimestampNtz(f.type));
    case 'array':
      return usesTimestampNtz(t.elementType);
    case 'map':
      return usesTimestampNtz(t.keyType) || usesTimestampNtz(t.valueType);
    default: {
      const never: never = t;
      return never;
    }
  }
}

/** The name of a column in the Parquet files: its physical name under column mapping, else its name. */
export function physicalName(field: DeltaField, columnMapping: boolean): string {
  const physical = field.metadata['delta.columnMapping.physicalName'];
  return columnMapping && typeof physical === 'string' ? physical : field.name;
}

/** True when any nested field has a physical name other than its logical name. */
export function nestedNamesDiffer(t: DeltaType): boolean {
  switch (t.type) {
    case 'struct':
      return t.fields.some((f) => physicalName(f, true) !== f.name || nestedNamesDiffer(f.type));
    case 'array':
      return nestedNamesDiffer(t.elementType);
    case 'map':
      return nestedNamesDiffer(t.keyType) || nestedNamesDiffer(t.valueType);
    default:
      return false;
  }
}

function binaryLiteral(value: string): string {
  let hex = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    hex += `\\x${(code & 0xff).toString(16).padStart(2, '0').toUpperCase()}`;
  }
  return `${quoteLiteral(hex)}::BLOB`;
}

/**
 * A partition value (a string in the log; null or '' for null) as a typed DuckDB literal
 * (PROTOCOL.md, "Partition Value Serialization").
 */
export function partitionLiteral(value: string | null | undefined, t: DeltaType): string {
  const duck = duckdbType(t);
  if (value === null || value === undefined || value === '') return `CAST(NULL AS ${duck})`;
  if (t.type === 'primitive') {
    if (t.name === 'binary') return binaryLiteral(value);
    if (t.name === 'timestamp') {
      // Without a zone the value is the writer's local time; Lakebench reads it as UTC, as delta-rs does.
      const zoned = /(Z|[+-]\d\d(:?\d\d)?)$/.test(value) ? value : `${value}+00`;
      return `CAST(${quoteLiteral(zoned)} AS TIMESTAMP WITH TIME ZONE)`;
    }
  }
  if (t.type === 'struct' || t.type === 'array' || t.type === 'map') {
    throw new LakebenchError('TABLE_LOG_CORRUPT', `a partition column cannot have the type ${duck}`);
  }
  return `CAST(${quoteLiteral(value)} AS ${duck})`;
}

/** Serializes a value DuckDB printed as VARCHAR into Delta's partition value form. */
export function serializePartitionValue(text: string | null, t: DeltaType): string | null {
  if (text === null) return null;
  if (t.type === 'primitive' && t.name === 'timestamp') {
    // DuckDB prints `2024-01-02 03:04:05.123456+00`; Delta recommends ISO 8601 adjusted to UTC.
    const m = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d(?::?\d\d)?)?$/.exec(text);
    if (m && (m[3] === undefined || /^\+00(:?00)?$/.test(m[3]))) {
      const frac = m[2].includes('.') ? m[2] : `${m[2]}.000000`;
      return `${m[1]}T${frac}Z`;
    }
  }
  return text;
}
