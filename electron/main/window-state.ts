/** Remembered window placement, validated before use: the file may be stale, edited or from another screen. */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  /** Absent when the window should be centred by the OS. */
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const DEFAULT_WINDOW_SIZE = { width: 1280, height: 820 };
export const MIN_WINDOW_SIZE = { width: 720, height: 480 };

/** How much of the title bar must lie on some screen for a saved position to be kept. */
const TITLE_BAR_HEIGHT = 32;
const MAX_UNKNOWN_SCREEN = 16_384;
const MIN_VISIBLE_TITLE_WIDTH = 120;

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return { width: Math.max(0, width), height: Math.max(0, height) };
}

/** True when enough of the window's title bar is on one of the screens for the user to grab it. */
export function isTitleBarVisible(bounds: Rect, workAreas: readonly Rect[]): boolean {
  const titleBar = { x: bounds.x, y: bounds.y, width: bounds.width, height: TITLE_BAR_HEIGHT };
  const needWidth = Math.min(MIN_VISIBLE_TITLE_WIDTH, bounds.width);
  return workAreas.some((area) => {
    const o = overlap(titleBar, area);
    return o.width >= needWidth && o.height >= TITLE_BAR_HEIGHT / 2;
  });
}

/**
 * Turns whatever was read from window-state.json into a placement that is safe to use on the current screens:
 * sizes clamped between the minimum and the largest screen, and a position kept only if the title bar is on a
 * screen (a monitor may have been unplugged since). `workAreas[0]` is the primary screen.
 */
export function restoreWindowState(raw: unknown, workAreas: readonly Rect[]): WindowState {
  const primary = workAreas[0];
  // With no screen known (should not happen) only an absurd size is refused.
  const maxWidth = workAreas.length ? Math.max(...workAreas.map((a) => a.width)) : MAX_UNKNOWN_SCREEN;
  const maxHeight = workAreas.length ? Math.max(...workAreas.map((a) => a.height)) : MAX_UNKNOWN_SCREEN;
  const clampSize = (w: number, h: number, limitW = maxWidth, limitH = maxHeight) => ({
    width: Math.round(Math.min(Math.max(w, MIN_WINDOW_SIZE.width), Math.max(limitW, MIN_WINDOW_SIZE.width))),
    height: Math.round(
      Math.min(Math.max(h, MIN_WINDOW_SIZE.height), Math.max(limitH, MIN_WINDOW_SIZE.height)),
    ),
  });
  const fallback: WindowState = {
    ...(primary
      ? clampSize(DEFAULT_WINDOW_SIZE.width, DEFAULT_WINDOW_SIZE.height, primary.width, primary.height)
      : DEFAULT_WINDOW_SIZE),
    maximized: false,
  };

  if (!raw || typeof raw !== 'object') return fallback;
  const r = raw as Record<string, unknown>;
  const maximized = r.maximized === true;
  if (!isFiniteNumber(r.width) || !isFiniteNumber(r.height) || r.width <= 0 || r.height <= 0) {
    return { ...fallback, maximized };
  }
  const size = clampSize(r.width, r.height);
  if (isFiniteNumber(r.x) && isFiniteNumber(r.y) && workAreas.length > 0) {
    const bounds = { x: Math.round(r.x), y: Math.round(r.y), ...size };
    if (isTitleBarVisible(bounds, workAreas)) return { ...bounds, maximized };
  }
  // No usable position: let the OS centre it, sized to fit the primary screen.
  const fitted = primary ? clampSize(size.width, size.height, primary.width, primary.height) : size;
  return { ...fitted, maximized };
}

/** What is written to window-state.json when the window closes. */
export function windowStateToSave(normalBounds: Rect, maximized: boolean): WindowState {
  return {
    x: Math.round(normalBounds.x),
    y: Math.round(normalBounds.y),
    width: Math.round(normalBounds.width),
    height: Math.round(normalBounds.height),
    maximized,
  };
}
