import { z } from 'zod';
import { request } from '../api/define';

/** The workspace service's part of the API: the open folder, its settings and its files. */

/** Half of a UTF-16 pair without its other half: no file system can name a file with it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Text that can be a file name: no NUL, no lone surrogates. */
export function isFileNameText(text: string): boolean {
  return !text.includes('\0') && !LONE_SURROGATE.test(text);
}

/** A path inside the workspace, relative, with forward slashes. */
export const WorkspacePath = z
  .string()
  .min(1, 'a path is required')
  .max(1024)
  .refine((p) => !p.includes('\0'), 'a path must not contain NUL')
  .refine((p) => !LONE_SURROGATE.test(p), 'a path must be valid Unicode (it has a lone surrogate)');

export const WorkspaceInfoSchema = z.object({
  root: z.string(),
  name: z.string(),
  isSample: z.boolean(),
  settings: z.record(z.string(), z.unknown()),
});
export type WorkspaceInfo = z.infer<typeof WorkspaceInfoSchema>;

export const FileEntrySchema = z.object({
  path: z.string(),
  kind: z.enum(['file', 'directory']),
  size: z.number(),
  mtimeMs: z.number(),
});
export type FileEntry = z.infer<typeof FileEntrySchema>;

export const workspaceRequests = {
  'workspace.open': request(
    z.object({
      path: z
        .string()
        .min(1, 'a folder path is required')
        .max(4096)
        .refine(isFileNameText, 'a folder path must be valid Unicode without NUL'),
      create: z.boolean().default(true),
    }),
    WorkspaceInfoSchema,
    'Opens (and lays out, if new) a workspace folder; closes the one open before.',
  ),
  'workspace.getInfo': request(z.object({}), WorkspaceInfoSchema, 'The open workspace.'),
  'workspace.listFiles': request(
    z.object({}),
    z.array(FileEntrySchema),
    'Every file and folder a person works with (not .lakebench/ or .git/).',
  ),
} satisfies Record<string, ReturnType<typeof request>>;

export const workspaceEvents = {
  'workspace.onOpened': WorkspaceInfoSchema,
  'workspace.onFilesChanged': z.object({ paths: z.array(z.string()) }),
} satisfies Record<string, z.ZodType>;
