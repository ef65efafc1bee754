import { CircleAlert, Info, X } from 'lucide-react';
import { useEffect } from 'react';
import { useToasts, type Toast } from '../state/toasts';
import { testIds } from '../testids';

function ToastItem({ toast }: { toast: Toast }) {
  const dismiss = useToasts((s) => s.dismiss);
  useEffect(() => {
    // Errors stay until dismissed; information goes away by itself.
    if (toast.kind !== 'info') return;
    const t = setTimeout(() => dismiss(toast.id), 5000);
    return () => clearTimeout(t);
  }, [toast, dismiss]);
  return (
    <div
      className={`toast toast-${toast.kind}`}
      role={toast.kind === 'error' ? 'alert' : 'status'}
      data-testid={testIds.toast}
    >
      {toast.kind === 'error' ? (
        <CircleAlert size={16} className="toast-icon" />
      ) : (
        <Info size={16} className="toast-icon" />
      )}
      <div className="toast-body">
        <div className="toast-title">{toast.title}</div>
        <div className="toast-message">{toast.message}</div>
      </div>
      <button
        className="icon-btn"
        aria-label="Dismiss"
        title="Dismiss"
        data-testid={testIds.toastDismiss}
        onClick={() => dismiss(toast.id)}
      >
        <X size={14} />
      </button>
    </div>
  );
}

export function Toasts() {
  const toasts = useToasts((s) => s.toasts);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <ToastItem key={t.id} toast={t} />
      ))}
    </div>
  );
}
