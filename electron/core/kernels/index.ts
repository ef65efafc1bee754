import type { RequestParsedArgs, RequestResult } from '../../../shared/api/contract';
import type { KernelCompletion, KernelInfo } from '../../../shared/kernels/contract';

/**
 * The kernels service: one Python kernel per open notebook (NotebookKernels), and the Python kernel itself,
 * which pipelines' notebook tasks start on their own. This is the service's public module; its other files are
 * its own.
 */
export interface KernelsService {
  /** Runs a cell in its notebook's kernel (started by the first execution); outputs arrive as events. */
  execute(args: RequestParsedArgs<'kernels.execute'>): Promise<RequestResult<'kernels.execute'>>;
  interrupt(notebook: string): { interrupted: boolean };
  restart(notebook: string): Promise<KernelInfo>;
  shutdown(notebook: string): Promise<{ shutdown: boolean }>;
  getInfo(notebook: string): KernelInfo;
  /** A page uses a notebook's kernel; a page that went away no longer does (its last page stops it). */
  attach(notebook: string, clientId: string): void;
  detachClient(clientId: string): void;
  /** A notebook was renamed: its kernel follows it. */
  rename(from: string, to: string): void;
  /** Completion and help from the notebook's running kernel (nothing when it has none). */
  complete(notebook: string, code: string, cursor: number): Promise<KernelCompletion>;
  inspect(notebook: string, code: string, cursor: number): Promise<{ text: string | null }>;
  /** Shuts down every kernel (the workspace is closing). */
  close(): Promise<void>;
}

export { NotebookKernels } from './notebook-kernels';
export {
  KERNEL_BRIDGE_FILE,
  PythonKernel,
  appendOutput,
  kernelBridgePath,
  stripAnsi,
  type ExecuteOptions,
  type ExecuteResult,
  type ExecutionStatus,
  type KernelError,
  type KernelOptions,
  type KernelState,
} from './python-kernel';
export { injectParameters, isPythonName, pythonLiteral } from './parameters';
