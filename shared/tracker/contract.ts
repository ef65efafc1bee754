import type { z } from 'zod';
import type { request } from '../api/define';

/** The tracker service's requests and events; merged into the one API contract in shared/api/contract.ts. */
export const trackerRequests = {} satisfies Record<string, ReturnType<typeof request>>;
export const trackerEvents = {} satisfies Record<string, z.ZodType>;
