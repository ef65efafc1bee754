import type { RequestHandlers } from '../../../shared/api/client';
import { trackerRequests } from '../../../shared/tracker/contract';
import { LakebenchError } from '../../../shared/errors';
import type { LakebenchCore } from '../app';

type TrackerHandlers = Pick<RequestHandlers, keyof typeof trackerRequests>;

/** The tracker service's part of the API: one handler per request of its contract. */
export function trackerHandlers(_core: LakebenchCore): TrackerHandlers {
  const unavailable = async () => {
    throw new LakebenchError('INTERNAL', 'the run tracker store is being built into this version');
  };
  return Object.fromEntries(
    Object.keys(trackerRequests).map((k) => [k, unavailable]),
  ) as unknown as TrackerHandlers;
}
