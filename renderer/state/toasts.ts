import { create } from 'zustand';
import { formatLocation, toErrorData } from '../../shared/errors';

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  title: string;
  message: string;
}

interface ToastState {
  toasts: Toast[];
  /** A full disk or read-only storage: shown in the status bar until a later save succeeds or it is dismissed. */
  storageProblem: string | null;
  push(toast: Omit<Toast, 'id'>): void;
  dismiss(id: number): void;
}

let nextId = 1;

export const useToasts = create<ToastState>((set) => ({
  toasts: [],
  storageProblem: null,
  push: (toast) => set((s) => ({ toasts: [...s.toasts.slice(-4), { ...toast, id: nextId++ }] })),
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
}));

/** Shows a failed call to the user: what was being done, and the error's message and location. */
export function reportError(what: string, err: unknown): void {
  const data = toErrorData(err);
  const where = formatLocation(data.location);
  const message = where ? `${data.message} (${where})` : data.message;
  if (data.code === 'DISK_FULL' || data.code === 'STORAGE_READ_ONLY') {
    // Not one failed action but a state of the machine: said plainly, and kept in the status bar.
    const title = data.code === 'DISK_FULL' ? 'The disk is full' : 'The storage is read-only';
    useToasts.setState({ storageProblem: message });
    useToasts.getState().push({ kind: 'error', title: `${title} (${what.toLowerCase()})`, message });
    return;
  }
  useToasts.getState().push({ kind: 'error', title: what, message });
}

/** The storage works again (a save went through): the status bar notice goes. */
export function clearStorageProblem(): void {
  if (useToasts.getState().storageProblem !== null) useToasts.setState({ storageProblem: null });
}

export function notify(title: string, message: string): void {
  useToasts.getState().push({ kind: 'info', title, message });
}
