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
  push(toast: Omit<Toast, 'id'>): void;
  dismiss(id: number): void;
}

let nextId = 1;

export const useToasts = create<ToastState>((set) => ({
  toasts: [],
  push: (toast) => set((s) => ({ toasts: [...s.toasts.slice(-4), { ...toast, id: nextId++ }] })),
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
}));

/** Shows a failed call to the user: what was being done, and the error's message and location. */
export function reportError(what: string, err: unknown): void {
  const data = toErrorData(err);
  const where = formatLocation(data.location);
  useToasts
    .getState()
    .push({ kind: 'error', title: what, message: where ? `${data.message} (${where})` : data.message });
}

export function notify(title: string, message: string): void {
  useToasts.getState().push({ kind: 'info', title, message });
}
