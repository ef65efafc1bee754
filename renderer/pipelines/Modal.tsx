import { useEffect, type ReactNode } from 'react';
import { create } from 'zustand';
import { testIds } from '../testids';

/** A dialog of the Pipelines area (run params, backfill, confirmations), in the app's dialog style. */
export function Modal(props: {
  title: string;
  wide?: boolean;
  onClose(): void;
  children: ReactNode;
  testId?: string;
}) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') props.onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [props]);
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && props.onClose()}>
      <div
        className={props.wide ? 'dialog pl-dialog wide' : 'dialog pl-dialog'}
        role="dialog"
        aria-modal="true"
        aria-label={props.title}
        data-testid={props.testId}
      >
        <div className="dialog-title">{props.title}</div>
        {props.children}
      </div>
    </div>
  );
}

interface ConfirmRequest {
  title: string;
  message: string;
  okLabel: string;
  danger?: boolean;
  resolve(ok: boolean): void;
}
const useConfirm = create<{ current: ConfirmRequest | null }>(() => ({ current: null }));

export function confirmAction(options: Omit<ConfirmRequest, 'resolve'>): Promise<boolean> {
  return new Promise((resolve) => {
    useConfirm.getState().current?.resolve(false);
    useConfirm.setState({ current: { ...options, resolve } });
  });
}

export function ConfirmDialog() {
  const current = useConfirm((s) => s.current);
  if (!current) return null;
  const close = (ok: boolean) => {
    useConfirm.setState({ current: null });
    current.resolve(ok);
  };
  return (
    <Modal title={current.title} onClose={() => close(false)}>
      <p className="dialog-text">{current.message}</p>
      <div className="dialog-buttons">
        <button className="btn" data-testid={testIds.dialogCancel} onClick={() => close(false)}>
          Cancel
        </button>
        <button
          className={current.danger ? 'btn btn-danger' : 'btn btn-primary'}
          data-testid={testIds.dialogOk}
          autoFocus
          onClick={() => close(true)}
        >
          {current.okLabel}
        </button>
      </div>
    </Modal>
  );
}
