import { z } from 'zod';
import { isMap, parseDocument } from 'yaml';
import { LakebenchError } from '../../../shared/errors';

/** `lakebench.yaml`: settings a person reviews in git. No secrets ever live here. */
export const WorkspaceSettingsSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    version: z.literal(1).default(1),
    // A section with only comments under it parses as null: treat it as empty.
    warehouse: z.preprocess(
      (v) => v ?? {},
      z
        .object({
          threads: z.number().int().positive().max(1024).optional(),
          memory_limit: z
            .string()
            .regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB|%)$/i, 'a size like "4GB" or "75%"')
            .optional(),
        })
        .strict(),
    ),
    opensearch: z
      .object({ url: z.string().url().optional(), index_prefix: z.string().optional() })
      .partial()
      .optional(),
  })
  .passthrough();
export type WorkspaceSettings = z.infer<typeof WorkspaceSettingsSchema>;

export const DEFAULT_SETTINGS_YAML = `# Lakebench workspace settings. Reviewed in git; secrets never go here.
version: 1
warehouse:
  # threads: 4
  # memory_limit: 4GB
`;

/** Parses lakebench.yaml, with errors that name the file, line and column. */
export function parseSettings(text: string, file: string): WorkspaceSettings {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0];
    throw new LakebenchError(
      'WORKSPACE_INVALID_SETTINGS',
      `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
      { file, ...(pos ? { line: pos.line, column: pos.col } : {}) },
    );
  }
  const value: unknown = doc.toJS() ?? {};
  const parsed = WorkspaceSettingsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.map(String);
    let line: number | undefined;
    let column: number | undefined;
    // Point at the offending key in the file when the YAML has it.
    const node = path.length && isMap(doc.contents) ? doc.getIn(path, true) : undefined;
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) {
      const before = text.slice(0, range[0]).split('\n');
      line = before.length;
      column = before[before.length - 1].length + 1;
    }
    const where = line ? `${file}:${line}:${column}` : file;
    throw new LakebenchError(
      'WORKSPACE_INVALID_SETTINGS',
      `${where}: ${path.length ? `${path.join('.')}: ` : ''}${issue.message}`,
      { file, ...(line ? { line, column } : {}) },
    );
  }
  return parsed.data;
}
