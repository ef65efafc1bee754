import { z } from 'zod';
import { request } from '../api/define';
import { WorkspacePath, isFileNameText } from '../workspace/contract';
import { CELL_LANGUAGES } from './model';

/** The notebooks service's part of the API: `.ipynb` files read, written, renamed and deleted whole. */

export const NotebookCellSchema = z.object({
  id: z.string().regex(/^[a-zA-Z0-9-_]{1,64}$/, 'a cell id is 1-64 letters, digits, - or _'),
  language: z.enum(CELL_LANGUAGES),
  source: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  outputs: z.array(z.record(z.string(), z.unknown())),
  executionCount: z.number().int().nullable(),
  attachments: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  readOnly: z.string().optional(),
  displayLanguage: z.string().optional(),
  original: z.record(z.string(), z.unknown()).optional(),
});

export const NotebookDocumentSchema = z.object({
  metadata: z.record(z.string(), z.unknown()),
  nbformatMinor: z.number().int(),
  cells: z.array(NotebookCellSchema),
  notices: z.array(z.string()).optional(),
});

export const notebookRequests = {
  'notebooks.create': request(
    z.object({
      name: z
        .string()
        .min(1, 'a notebook name is required')
        .max(200)
        .refine(isFileNameText, 'a notebook name must be valid Unicode without NUL'),
    }),
    z.object({ path: z.string() }),
    'Creates notebooks/<name>.ipynb with one empty SQL cell.',
  ),
  'notebooks.open': request(
    z.object({ path: WorkspacePath }),
    z.object({ path: z.string(), notebook: NotebookDocumentSchema, mtimeMs: z.number() }),
    'Reads and validates a .ipynb file; a broken file is reported and left untouched.',
  ),
  'notebooks.stat': request(
    z.object({ path: WorkspacePath }),
    z.object({ path: z.string(), mtimeMs: z.number() }),
    "A notebook file's modification time, to tell a change by another program from the app's own save.",
  ),
  'notebooks.save': request(
    z.object({
      path: WorkspacePath,
      notebook: NotebookDocumentSchema,
      /** The modification time the client last read; a newer file on disk is not overwritten. */
      baseMtimeMs: z.number().nullable().default(null),
      force: z.boolean().default(false),
    }),
    z.object({ path: z.string(), mtimeMs: z.number() }),
    'Writes a notebook atomically as nbformat 4.',
  ),
  'notebooks.rename': request(
    z.object({ from: WorkspacePath, to: WorkspacePath }),
    z.object({ path: z.string() }),
    'Renames a notebook file.',
  ),
  'notebooks.delete': request(z.object({ path: WorkspacePath }), z.object({}), 'Deletes a notebook file.'),
} satisfies Record<string, ReturnType<typeof request>>;

export const notebookEvents = {} satisfies Record<string, z.ZodType>;
