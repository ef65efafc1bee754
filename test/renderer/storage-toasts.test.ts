import { describe, expect, it } from 'vitest';
import { LakebenchError } from '../../shared/errors';
import { clearStorageProblem, reportError, useToasts } from '../../renderer/state/toasts';

describe('storage problems in the UI', () => {
  it('say plainly that the disk is full, in a toast and in the status bar until a save works again', () => {
    useToasts.setState({ toasts: [], storageProblem: null });
    const full = new LakebenchError('DISK_FULL', 'The disk is full: ENOSPC: no space left on device, write.');
    reportError('Could not save notebooks/a.ipynb', full);
    const [toast] = useToasts.getState().toasts;
    expect(toast).toMatchObject({
      kind: 'error',
      title: 'The disk is full (could not save notebooks/a.ipynb)',
    });
    expect(toast.message).toMatch(/^The disk is full: /);
    expect(useToasts.getState().storageProblem).toMatch(/^The disk is full: /);
    clearStorageProblem();
    expect(useToasts.getState().storageProblem).toBeNull();
  });

  it('say that the storage is read-only, and leave other errors as they were', () => {
    useToasts.setState({ toasts: [], storageProblem: null });
    reportError(
      'Could not save x',
      new LakebenchError('STORAGE_READ_ONLY', 'The storage is read-only: EROFS.'),
    );
    expect(useToasts.getState().toasts[0].title).toBe('The storage is read-only (could not save x)');
    reportError('Could not open y', new LakebenchError('NOT_FOUND', 'y does not exist'));
    expect(useToasts.getState().toasts[1]).toMatchObject({
      title: 'Could not open y',
      message: 'y does not exist',
    });
  });
});
