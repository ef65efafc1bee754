import type { RequestHandlers } from '../../../shared/api/client';
import type { workspaceRequests } from '../../../shared/workspace/contract';
import type { LakebenchCore } from '../app';

/** The workspace service's part of the API: one handler per request of its contract. */
export function workspaceHandlers(
  core: LakebenchCore,
): Pick<RequestHandlers, keyof typeof workspaceRequests> {
  return {
    'workspace.open': async ({ path: folder, create }) => core.openWorkspace(folder, create),
    'workspace.getInfo': async () => core.workspace.info(),
    'workspace.listFiles': async () => core.workspace.listFiles(),
  };
}
