import { RotateCcw, Square } from 'lucide-react';
import type { KernelInfo } from '../../shared/kernels/contract';
import { interruptKernel, restartKernel } from './kernel-actions';
import { kernelTestIds } from './testids';

const STATE_LABEL: Record<KernelInfo['state'], string> = {
  none: 'not started',
  starting: 'starting',
  idle: 'idle',
  busy: 'busy',
  restarting: 'restarting',
  dead: 'dead',
};

/** The notebook's Python kernel: its state, and interrupt and restart. */
export function KernelBar({ path, kernel }: { path: string; kernel: KernelInfo | null }) {
  const state = kernel?.state ?? 'none';
  const version = kernel?.pythonVersion ? ` ${kernel.pythonVersion}` : '';
  const title = kernel
    ? `Python kernel of this notebook: ${kernel.python}${version} (${STATE_LABEL[state]})`
    : 'The Python kernel starts when a Python cell first runs';
  return (
    <div className="kernel-bar">
      <span className="kernel-state" title={title}>
        <span className={`kernel-dot state-${state}`} />
        Python{version} ·{' '}
        <span data-testid={kernelTestIds.kernelStatus} data-state={state}>
          {state}
        </span>
      </span>
      {kernel?.error && state === 'none' && (
        <span className="kernel-error" title={kernel.error.message}>
          {kernel.error.message}
        </span>
      )}
      <button
        className="btn btn-small"
        data-testid={kernelTestIds.kernelInterrupt}
        onClick={() => void interruptKernel(path)}
        disabled={state !== 'busy'}
        title="Interrupt the running code (KeyboardInterrupt)"
      >
        <Square size={12} /> Interrupt
      </button>
      <button
        className="btn btn-small"
        data-testid={kernelTestIds.kernelRestart}
        onClick={() => void restartKernel(path)}
        disabled={state === 'starting' || state === 'restarting'}
        title="Restart the kernel: its variables are gone, the notebook's outputs stay"
      >
        <RotateCcw size={12} /> Restart
      </button>
    </div>
  );
}
