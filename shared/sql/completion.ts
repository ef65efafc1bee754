import { z } from 'zod';

/** One suggestion of SQL completion: what it is, what it inserts, and what to show beside it. */
export const SqlCompletionSchema = z.object({
  label: z.string(),
  kind: z.enum(['keyword', 'function', 'table', 'view', 'column', 'schema']),
  /** A column's type and table, a function's signature, a table's schema. */
  detail: z.string().optional(),
  documentation: z.string().optional(),
  insertText: z.string(),
});
export type SqlCompletion = z.infer<typeof SqlCompletionSchema>;

export const SqlCompletionResultSchema = z.object({
  /** The offset in the text from which a suggestion replaces what was typed. */
  from: z.number().int(),
  items: z.array(SqlCompletionSchema),
});
export type SqlCompletionResult = z.infer<typeof SqlCompletionResultSchema>;
