/**
 * Stable selectors for the notebook's Python kernel (`[data-testid="..."]`), beside the app's own in
 * renderer/testids.ts. Change them only together with the tests.
 *
 *   add-python-cell         "+ Python" in the notebook toolbar (appends a Python cell)
 *   kernel-status           the kernel's state: none | starting | idle | busy | restarting | dead
 *   kernel-interrupt        interrupts the running code
 *   kernel-restart          restarts the kernel (its variables are gone)
 *   cell-outputs-<index>    a Python cell's outputs (streams, results, images, HTML, tracebacks)
 */
export const kernelTestIds = {
  addPythonCell: 'add-python-cell',
  kernelStatus: 'kernel-status',
  kernelInterrupt: 'kernel-interrupt',
  kernelRestart: 'kernel-restart',
  cellOutputs: (i: number) => `cell-outputs-${i}`,
} as const;
