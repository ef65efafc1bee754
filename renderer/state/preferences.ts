import { create } from 'zustand';

/**
 * The user's own preferences (not the workspace's): kept in the browser's storage of this app, so they follow
 * the person from workspace to workspace.
 */
export type EnterAccepts = 'when-navigated' | 'always';

interface Preferences {
  /** Whether Enter accepts a completion only after the list was navigated (VS Code's way), or always. */
  enterAccepts: EnterAccepts;
  set(patch: Partial<Omit<Preferences, 'set'>>): void;
}

const KEY = 'lakebench.preferences';

function load(): Partial<Preferences> {
  try {
    const raw = globalThis.localStorage?.getItem(KEY);
    const value = raw ? (JSON.parse(raw) as Partial<Preferences>) : {};
    return value.enterAccepts === 'always' || value.enterAccepts === 'when-navigated'
      ? { enterAccepts: value.enterAccepts }
      : {};
  } catch {
    // Unreadable or disabled storage: the defaults apply.
    return {};
  }
}

export const usePreferences = create<Preferences>((set, get) => ({
  enterAccepts: 'when-navigated',
  ...load(),
  set(patch) {
    set(patch);
    try {
      const { set: _set, ...values } = get();
      globalThis.localStorage?.setItem(KEY, JSON.stringify(values));
    } catch {
      // Storage may be full or disabled; the preference still holds for this session.
    }
  },
}));

/** Whether a plain Enter, with the suggestion list open and not navigated, should break the line instead. */
export function enterBreaksLine(enterAccepts: EnterAccepts, listNavigated: boolean): boolean {
  return enterAccepts === 'when-navigated' && !listNavigated;
}
