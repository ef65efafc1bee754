import { z } from 'zod';
import { kernelEvents, kernelRequests } from '../kernels/contract';
import { logsEvents, logsRequests } from '../logs/contract';
import { notebookEvents, notebookRequests } from '../notebook/contract';
import { pipelineEvents, pipelineRequests } from '../pipeline/contract';
import { trackerEvents, trackerRequests } from '../tracker/contract';
import { warehouseEvents, warehouseRequests } from '../warehouse/contract';
import { tablesEvents, tablesRequests } from '../tables/contract';
import { WorkspaceInfoSchema, workspaceEvents, workspaceRequests } from '../workspace/contract';
import { request } from './define';
import { operationEvents, operationRequests } from './operations';

/**
 * The one API contract of Lakebench. Every request and every event the main process (or the browser-mode
 * server) offers the renderer is declared here with its runtime schema. Transports are generated from this map;
 * adding a request never means writing a handler by hand for each transport.
 */

export { ErrorDataSchema } from './schemas';
export {
  FileEntrySchema,
  WorkspaceInfoSchema,
  type FileEntry,
  type WorkspaceInfo,
} from '../workspace/contract';
export { NotebookCellSchema, NotebookDocumentSchema } from '../notebook/contract';
export {
  ColumnInfoSchema,
  QueryStatusSchema,
  TableInfoSchema,
  type ColumnInfo,
  type QueryStatus,
  type TableInfo,
} from '../warehouse/contract';

/** The app's own requests; each service's live in `shared/<service>/contract.ts`. */
export const appRequests = {
  'app.getInfo': request(
    z.object({}),
    z.object({
      version: z.string(),
      platform: z.string(),
      workspace: WorkspaceInfoSchema.nullable(),
    }),
    'What is running and which workspace is open.',
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

export const appEvents = {
  'app.onCommand': z.object({ command: z.enum(MENU_COMMANDS) }),
} as const;

/** Every request: the foundation's and each service's own, declared beside the service's types. */
export const requests = {
  ...appRequests,
  ...operationRequests,
  ...workspaceRequests,
  ...notebookRequests,
  ...warehouseRequests,
  ...tablesRequests,
  ...trackerRequests,
  ...pipelineRequests,
  ...kernelRequests,
  ...logsRequests,
};
export const events = {
  ...appEvents,
  ...operationEvents,
  ...workspaceEvents,
  ...notebookEvents,
  ...warehouseEvents,
  ...tablesEvents,
  ...trackerEvents,
  ...pipelineEvents,
  ...kernelEvents,
  ...logsEvents,
};

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
