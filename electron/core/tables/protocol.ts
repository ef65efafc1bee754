/**
 * Which tables Lakebench may read and write (PROTOCOL.md, "Protocol Evolution", "Table Features"): a table
 * that needs a feature Lakebench does not implement is refused with the feature's name.
 */
import { LakebenchError } from '../../../shared/errors';
import type { Metadata, Protocol } from './actions';
import { parseSchemaString, type DeltaType } from './schema';

/** True when a column (at any depth) carries a `delta.invariants` expression. */
function hasInvariant(t: DeltaType): boolean {
  switch (t.type) {
    case 'struct':
      return t.fields.some((f) => 'delta.invariants' in f.metadata || hasInvariant(f.type));
    case 'array':
      return hasInvariant(t.elementType);
    case 'map':
      return hasInvariant(t.keyType) || hasInvariant(t.valueType);
    default:
      return false;
  }
}

/**
 * Reader features Lakebench implements. `columnMapping` in `name` mode (top-level columns); `timestampNtz`
 * (read as DuckDB TIMESTAMP); `vacuumProtocolCheck` asks nothing of readers.
 */
const READER_FEATURES = new Set(['columnMapping', 'timestampNtz', 'vacuumProtocolCheck']);

/**
 * Writer features Lakebench honours when it writes. Lakebench writes at reader 1 / writer 2 (appendOnly and
 * invariants are the writer-2 features: Lakebench refuses deletes on append-only tables, and refuses to write
 * a table whose columns carry invariants); `timestampNtz` is added as a table feature (3/7) only when a column
 * needs it.
 */
const WRITER_FEATURES = new Set(['appendOnly', 'invariants', 'timestampNtz']);

/** The protocol versions whose features are implied (no feature lists): highest Lakebench reads / writes. */
const MAX_LEGACY_READER = 2;
const MAX_LEGACY_WRITER = 2;

function refused(what: string, features: string[], table: string, action: 'read' | 'write'): LakebenchError {
  return new LakebenchError(
    'TABLE_UNSUPPORTED_FEATURE',
    `${table} needs the ${what} ${features.map((f) => `\`${f}\``).join(', ')}, which Lakebench does not support, so it cannot ${action} this table`,
  );
}

/** Throws when Lakebench cannot read a table with this protocol and metadata. */
export function assertReadable(protocol: Protocol, metadata: Metadata | undefined, table: string): void {
  if (protocol.minReaderVersion >= 3 || protocol.readerFeatures) {
    const missing = (protocol.readerFeatures ?? []).filter((f) => !READER_FEATURES.has(f));
    if (missing.length) {
      throw refused(missing.length === 1 ? 'reader feature' : 'reader features', missing, table, 'read');
    }
    if (protocol.minReaderVersion > 3) {
      throw new LakebenchError(
        'TABLE_UNSUPPORTED_FEATURE',
        `${table} needs reader version ${protocol.minReaderVersion}; Lakebench reads versions 1 to 3`,
      );
    }
  } else if (protocol.minReaderVersion > MAX_LEGACY_READER) {
    throw new LakebenchError(
      'TABLE_UNSUPPORTED_FEATURE',
      `${table} needs reader version ${protocol.minReaderVersion}; Lakebench reads versions 1 to 3`,
    );
  }
  if (metadata && metadata.format.provider !== 'parquet') {
    throw new LakebenchError(
      'TABLE_UNSUPPORTED_FEATURE',
      `${table} stores its data as ${metadata.format.provider}; Lakebench reads Parquet data files only`,
    );
  }
  const mode = metadata?.configuration['delta.columnMapping.mode'] ?? 'none';
  if (mode !== 'none' && mode !== 'name') {
    throw new LakebenchError(
      'TABLE_UNSUPPORTED_FEATURE',
      `${table} uses column mapping mode \`${mode}\` (feature \`columnMapping\`); Lakebench reads only mode \`name\``,
    );
  }
}

/** Throws when Lakebench cannot write a table with this protocol and metadata. */
export function assertWritable(protocol: Protocol, metadata: Metadata, table: string): void {
  assertReadable(protocol, metadata, table);
  if (protocol.minWriterVersion >= 7) {
    const missing = (protocol.writerFeatures ?? []).filter((f) => !WRITER_FEATURES.has(f));
    if (missing.length) {
      throw refused(missing.length === 1 ? 'writer feature' : 'writer features', missing, table, 'write');
    }
  } else if (protocol.minWriterVersion > MAX_LEGACY_WRITER) {
    const implied: Record<number, string[]> = {
      3: ['checkConstraints'],
      4: ['checkConstraints', 'changeDataFeed', 'generatedColumns'],
      5: ['checkConstraints', 'changeDataFeed', 'generatedColumns', 'columnMapping'],
      6: ['checkConstraints', 'changeDataFeed', 'generatedColumns', 'columnMapping', 'identityColumns'],
    };
    throw refused(
      'writer features',
      implied[protocol.minWriterVersion] ?? [`version ${protocol.minWriterVersion}`],
      table,
      'write',
    );
  }
  const mode = metadata.configuration['delta.columnMapping.mode'] ?? 'none';
  if (mode !== 'none') throw refused('writer feature', ['columnMapping'], table, 'write');
  // Writer version 2 obliges writers to enforce column invariants, which Lakebench does not evaluate.
  const schema = parseSchemaString(metadata.schemaString, table);
  if (hasInvariant({ type: 'struct', fields: schema.fields })) {
    throw refused('writer feature', ['invariants'], table, 'write');
  }
}

/** True when the table only accepts appends (`delta.appendOnly`). */
export function isAppendOnly(metadata: Metadata): boolean {
  return metadata.configuration['delta.appendOnly'] === 'true';
}
