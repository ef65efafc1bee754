import type { RequestHandlers } from '../../../shared/api/client';
import type { kernelRequests } from '../../../shared/kernels/contract';
import type { LakebenchCore } from '../app';

/** The kernels' part of the API: one handler per request of their contract. */
export function kernelHandlers(core: LakebenchCore): Pick<RequestHandlers, keyof typeof kernelRequests> {
  const k = () => core.kernels;
  return {
    'kernels.execute': async (args) => k().execute(args),
    'kernels.interrupt': async ({ notebook }) => k().interrupt(notebook),
    'kernels.restart': async ({ notebook }) => k().restart(notebook),
    'kernels.shutdown': async ({ notebook }) => k().shutdown(notebook),
    'kernels.getInfo': async ({ notebook }) => k().getInfo(notebook),
  };
}
