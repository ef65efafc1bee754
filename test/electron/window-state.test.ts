import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WINDOW_SIZE,
  MIN_WINDOW_SIZE,
  restoreWindowState,
  windowStateToSave,
} from '../../electron/main/window-state';

const laptop = { x: 0, y: 0, width: 1920, height: 1050 };
// A second monitor to the left of the primary one, so its coordinates are negative.
const leftMonitor = { x: -2560, y: 0, width: 2560, height: 1400 };

describe('restoreWindowState', () => {
  it.each([undefined, null, 'big', 42, [], {}, { width: 'wide', height: 800 }, { width: -5, height: 800 }])(
    'falls back to the default size, centred, for %j',
    (raw) => {
      const state = restoreWindowState(raw, [laptop]);
      expect(state).toEqual({ ...DEFAULT_WINDOW_SIZE, maximized: false });
      expect(state.x).toBeUndefined();
    },
  );

  it('keeps a valid placement', () => {
    const saved = { x: 100, y: 80, width: 1400, height: 900, maximized: false };
    expect(restoreWindowState(saved, [laptop])).toEqual(saved);
  });

  it('keeps a placement on a secondary monitor with negative coordinates', () => {
    const saved = { x: -2000, y: 100, width: 1600, height: 1000, maximized: true };
    expect(restoreWindowState(saved, [laptop, leftMonitor])).toEqual(saved);
  });

  it('drops the position when that monitor has been unplugged, and fits the size to the screen', () => {
    const saved = { x: -2000, y: 100, width: 2400, height: 1300, maximized: false };
    expect(restoreWindowState(saved, [laptop])).toEqual({ width: 1920, height: 1050, maximized: false });
  });

  it('drops a position whose title bar is off every screen', () => {
    for (const pos of [
      { x: 100, y: -600 },
      { x: 100, y: 1040 },
      { x: 1900, y: 100 },
      { x: -1390, y: 100 },
    ]) {
      const state = restoreWindowState({ ...pos, width: 1400, height: 900 }, [laptop]);
      expect(state.x, JSON.stringify(pos)).toBeUndefined();
      expect(state.y).toBeUndefined();
    }
  });

  it('clamps sizes between the minimum and the largest screen', () => {
    expect(restoreWindowState({ x: 10, y: 10, width: 50, height: 20 }, [laptop])).toMatchObject(
      MIN_WINDOW_SIZE,
    );
    expect(
      restoreWindowState({ x: 0, y: 0, width: 9000, height: 9000 }, [laptop, leftMonitor]),
    ).toMatchObject({
      width: 2560,
      height: 1400,
    });
  });

  it('rejects non-finite numbers and keeps only a true maximized flag', () => {
    expect(
      restoreWindowState({ x: NaN, y: 0, width: 1000, height: 700, maximized: 'yes' }, [laptop]),
    ).toEqual({
      width: 1000,
      height: 700,
      maximized: false,
    });
    expect(
      restoreWindowState({ x: 0, y: 0, width: Infinity, height: 700, maximized: true }, [laptop]),
    ).toEqual({
      ...DEFAULT_WINDOW_SIZE,
      maximized: true,
    });
  });

  it('still answers when no screen is known', () => {
    expect(restoreWindowState({ x: 0, y: 0, width: 1000, height: 700 }, [])).toEqual({
      width: 1000,
      height: 700,
      maximized: false,
    });
  });

  it('round-trips what it saves', () => {
    const saved = windowStateToSave({ x: 10.4, y: 20.6, width: 1200.2, height: 800 }, true);
    expect(saved).toEqual({ x: 10, y: 21, width: 1200, height: 800, maximized: true });
    expect(restoreWindowState(JSON.parse(JSON.stringify(saved)), [laptop])).toEqual(saved);
  });
});
