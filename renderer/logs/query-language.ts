import { kqlCompletionContext, kqlFields, parseKql, type KqlError } from '../../shared/logs/kql';
import type { LogQuery } from '../../shared/logs/model';

/**
 * The query bar's language: KQL-style text (shared/logs/kql.ts) parsed into the service's `LogQuery`. The Logs
 * area reaches the grammar only through this file.
 */

export type QueryParseError = KqlError;

export type QueryParseResult = { query: LogQuery } | { error: QueryParseError };

/** The query of a text, or where it is wrong. Empty text is every record; `now-1h` counts from `now`. */
export function parseQueryText(text: string, now = Date.now()): QueryParseResult {
  if (!text.trim()) return { query: { kind: 'all' } };
  return parseKql(text, { now });
}

/** The fields a query can name, for completion: the record columns and the structured fields seen. */
export function knownFields(seenFieldKeys: Iterable<string>): string[] {
  const out = new Set<string>(kqlFields.map((f) => f.name));
  for (const k of seenFieldKeys) out.add(`fields.${k}`);
  return [...out];
}

/** Values known without asking the store (levels, sources, streams), by field. */
export function fixedValues(field: string): readonly string[] | undefined {
  return kqlFields.find((f) => f.name === field)?.values;
}

/**
 * The word being typed at the cursor: a field name, or after `field:` a value of that field; `start` is where
 * the text a chosen completion replaces begins (an opening quote included).
 */
export function completionContext(
  text: string,
  cursor: number,
):
  | { kind: 'field'; prefix: string; start: number }
  | { kind: 'value'; field: string; prefix: string; start: number } {
  const c = kqlCompletionContext(text, cursor);
  return c.kind === 'value'
    ? { kind: 'value', field: c.field, prefix: c.prefix, start: c.from }
    : { kind: 'field', prefix: c.prefix, start: c.from };
}
