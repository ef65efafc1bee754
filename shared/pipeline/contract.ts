import type { z } from 'zod';
import type { request } from '../api/define';

/** The pipeline service's requests and events; merged into the one API contract in shared/api/contract.ts. */
export const pipelineRequests = {} satisfies Record<string, ReturnType<typeof request>>;
export const pipelineEvents = {} satisfies Record<string, z.ZodType>;
