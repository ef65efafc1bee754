import type { RequestHandlers } from '../../../shared/api/client';
import type { pipelineRequests } from '../../../shared/pipeline/contract';
import type { LakebenchCore } from '../app';

/** The pipelines service's part of the API: one handler per request of its contract. */
export function pipelineHandlers(_core: LakebenchCore): Pick<RequestHandlers, keyof typeof pipelineRequests> {
  return {};
}
