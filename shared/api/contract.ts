import { z } from 'zod';
import { kernelEvents, kernelRequests } from '../kernels/contract';
import { CELL_LANGUAGES } from '../notebook/model';
import { pipelineEvents, pipelineRequests } from '../pipeline/contract';
import { trackerEvents, trackerRequests } from '../tracker/contract';
import { SqlCompletionResultSchema } from '../sql/completion';
import { request } from './define';

/**
 * The one API contract of Lakebench. Every request and every event the main process (or the browser-mode
 * server) offers the renderer is declared here with its runtime schema. Transports are generated from this map;
 * adding a request never means writing a handler by hand for each transport.
 */

const ErrorLocationSchema = z.object({
  file: z.string().optional(),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
  offset: z.number().int().optional(),
  cellId: z.string().optional(),
  task: z.string().optional(),
});

export const ErrorDataSchema = z.object({
  code: z.string(),
  message: z.string(),
  location: ErrorLocationSchema.optional(),
});

/** A path inside the workspace, relative, with forward slashes. */
const WorkspacePath = z
  .string()
  .min(1, 'a path is required')
  .max(1024)
  .refine((p) => !p.includes('\0'), 'a path must not contain NUL');

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

export const ColumnInfoSchema = z.object({ name: z.string(), type: z.string() });
export type ColumnInfo = z.infer<typeof ColumnInfoSchema>;

export const TableInfoSchema = z.object({
  schema: z.string(),
  name: z.string(),
  kind: z.enum(['table', 'view']),
  rowCount: z.number().nullable(),
  columns: z.array(ColumnInfoSchema),
});
export type TableInfo = z.infer<typeof TableInfoSchema>;

export const QueryStatusSchema = z.enum(['succeeded', 'failed', 'cancelled']);
export type QueryStatus = z.infer<typeof QueryStatusSchema>;

const QueryId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._:-]+$/, 'a query id is letters, digits, . _ : or -');

export const coreRequests = {
  'app.getInfo': request(
    z.object({}),
    z.object({
      version: z.string(),
      platform: z.string(),
      workspace: WorkspaceInfoSchema.nullable(),
    }),
    'What is running and which workspace is open.',
  ),

  'workspace.open': request(
    z.object({ path: z.string().min(1, 'a folder path is required'), create: z.boolean().default(true) }),
    WorkspaceInfoSchema,
    'Opens (and lays out, if new) a workspace folder; closes the one open before.',
  ),
  'workspace.getInfo': request(z.object({}), WorkspaceInfoSchema, 'The open workspace.'),
  'workspace.listFiles': request(
    z.object({}),
    z.array(FileEntrySchema),
    'Every file and folder a person works with (not .lakebench/ or .git/).',
  ),

  'notebooks.create': request(
    z.object({ name: z.string().min(1, 'a notebook name is required').max(200) }),
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

  'warehouse.runQuery': request(
    z.object({
      sql: z.string().max(10_000_000),
      queryId: QueryId.optional(),
      /** At most this many rows are sent to the client; the rest are counted, not sent. */
      maxRows: z.number().int().positive().max(100_000_000).default(10_000_000),
      origin: z.object({ notebook: z.string().optional(), cellId: z.string().optional() }).optional(),
    }),
    z.object({ queryId: z.string() }),
    'Starts a query and returns its id at once; batches, progress and the end arrive as events.',
  ),
  'warehouse.cancelQuery': request(
    z.object({ queryId: QueryId }),
    z.object({ cancelled: z.boolean() }),
    'Interrupts a running query.',
  ),
  'warehouse.listTables': request(
    z.object({}),
    z.array(TableInfoSchema),
    'Tables and views of the workspace database.',
  ),
  'warehouse.complete': request(
    z.object({
      text: z.string().max(1_000_000),
      cursor: z.number().int().min(0),
    }),
    SqlCompletionResultSchema,
    'SQL completion at an offset of a cell: keywords, functions with signatures, tables, columns in scope.',
  ),
} as const;

/** Commands the desktop shell's native menu sends to the renderer. */
export const MENU_COMMANDS = [
  'newNotebook',
  'save',
  'runCell',
  'runAll',
  'closeTab',
  'showArea:notebooks',
  'showArea:data',
] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

export const coreEvents = {
  'app.onCommand': z.object({ command: z.enum(MENU_COMMANDS) }),
  'workspace.onOpened': WorkspaceInfoSchema,
  'workspace.onFilesChanged': z.object({ paths: z.array(z.string()) }),
  'warehouse.onQueryBatch': z.object({
    queryId: z.string(),
    batchIndex: z.number().int(),
    /** One Arrow IPC stream (schema + one record batch). */
    arrow: z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected Arrow IPC bytes'),
    rowCount: z.number().int(),
    rowsSoFar: z.number().int(),
  }),
  'warehouse.onQueryProgress': z.object({
    queryId: z.string(),
    /** 0-100, or -1 when DuckDB cannot tell. */
    percentage: z.number(),
    rowsSoFar: z.number().int(),
    elapsedMs: z.number(),
  }),
  'warehouse.onQueryFinished': z.object({
    queryId: z.string(),
    status: QueryStatusSchema,
    rowCount: z.number().int(),
    /** True when more rows exist than were sent (maxRows). */
    truncated: z.boolean(),
    elapsedMs: z.number(),
    columns: z.array(ColumnInfoSchema),
    statementType: z.string(),
    rowsChanged: z.number().int().nullable(),
    error: ErrorDataSchema.nullable(),
  }),
} as const;

/** Every request: the foundation's and each service's own, declared beside the service's types. */
export const requests = { ...coreRequests, ...trackerRequests, ...pipelineRequests, ...kernelRequests };
export const events = { ...coreEvents, ...trackerEvents, ...pipelineEvents, ...kernelEvents };

export type Requests = typeof requests;
export type RequestName = keyof Requests;
export type RequestArgs<K extends RequestName> = z.input<Requests[K]['input']>;
export type RequestParsedArgs<K extends RequestName> = z.output<Requests[K]['input']>;
export type RequestResult<K extends RequestName> = z.output<Requests[K]['output']>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export const requestNames = Object.keys(requests) as RequestName[];
export const eventNames = Object.keys(events) as EventName[];

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(requests, name);
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}
