import type { RequestHandlers } from '../../../shared/api/client';
import type { kernelRequests } from '../../../shared/kernels/contract';
import type { LakebenchCore } from '../app';
import { follows } from '../operations';

/** The kernels' part of the API: one handler per request of their contract. */
export function kernelHandlers(core: LakebenchCore): Pick<RequestHandlers, keyof typeof kernelRequests> {
  const k = () => core.kernels;
  return {
    'kernels.execute': async (args, ctx) => {
      const kernels = k();
      const { executionId, notebook } = args;
      kernels.attach(notebook, ctx.clientId);
      // An execution is an operation: operations.cancel interrupts the notebook's kernel, which ends it
      // (running: KeyboardInterrupt; queued: aborted).
      // An id reused while its first execution still runs shares that operation.
      if (core.operations.isRunning(executionId)) return kernels.execute(args);
      const operation = core.operations.start({
        id: executionId,
        kind: 'kernel.execution',
        scope: core.workspace.root,
        cancel: () => kernels.interrupt(notebook).interrupted,
        follow: [
          follows('kernels.onExecutionFinished', 'executionId', (p) => ({
            finished: true,
            message: p.status,
          })),
        ],
      });
      try {
        return await kernels.execute(args);
      } catch (err) {
        operation.finish('failed');
        throw err;
      }
    },
    'kernels.interrupt': async ({ notebook }) => k().interrupt(notebook),
    'kernels.complete': async ({ notebook, code, cursor }) => k().complete(notebook, code, cursor),
    'kernels.inspect': async ({ notebook, code, cursor }) => k().inspect(notebook, code, cursor),
    'kernels.restart': async ({ notebook }, ctx) => {
      k().attach(notebook, ctx.clientId);
      return k().restart(notebook);
    },
    'kernels.shutdown': async ({ notebook }) => k().shutdown(notebook),
    // A page that opens a notebook asks for its kernel: it uses it from then on (a reload keeps it running).
    'kernels.getInfo': async ({ notebook }, ctx) => {
      const info = k().getInfo(notebook);
      k().attach(notebook, ctx.clientId);
      return info;
    },
  };
}
