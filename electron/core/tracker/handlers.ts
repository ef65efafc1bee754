import type { RequestHandlers } from '../../../shared/api/client';
import type { trackerRequests } from '../../../shared/tracker/contract';
import type { LakebenchCore } from '../app';

/** The tracker service's part of the API: one handler per request of its contract. */
export function trackerHandlers(_core: LakebenchCore): Pick<RequestHandlers, keyof typeof trackerRequests> {
  return {};
}
