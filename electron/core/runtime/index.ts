/**
 * What several services need from the machine they run on: the shipped resources folder, the Python
 * interpreter, and child processes (their groups, whether they live, and who they are). Kernels, pipelines,
 * the tracker and the sample workspace use it instead of each other's files.
 */
export { pythonExecutable, resourcesDir } from './resources';
export { reportError } from './report';
export {
  isProcessAlive,
  killProcessGroup,
  killOwnProcessGroup,
  killProcessGroupIfSame,
  processIdentity,
  runProcess,
  type ProcessOptions,
  type ProcessResult,
} from './process';
