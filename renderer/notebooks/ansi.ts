/**
 * Terminal text as the kernel sends it: IPython colours tracebacks with ANSI escapes, and progress bars redraw
 * a line with carriage returns. Turned into styled segments here (never into HTML), so nothing in an output
 * can become markup.
 */

export interface AnsiSegment {
  text: string;
  fg?: string;
  bg?: string;
  bold?: boolean;
  underline?: boolean;
}

/** The 16 terminal colours, tuned to read on the app's dark background. */
const BASIC = [
  '#5c6370',
  '#e06c75',
  '#98c379',
  '#e5c07b',
  '#61afef',
  '#c678dd',
  '#56b6c2',
  '#d7dae0',
  '#7f848e',
  '#f07178',
  '#b5e890',
  '#ffd580',
  '#82c0ff',
  '#d7a1ff',
  '#7fdbe6',
  '#ffffff',
];

/** Background colours are the same hues, see-through, so text on them stays readable. */
function background(color: string): string {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (hex) return `rgba(${parseInt(hex[1], 16)}, ${parseInt(hex[2], 16)}, ${parseInt(hex[3], 16)}, 0.3)`;
  const rgb = /^rgb\((\d+), (\d+), (\d+)\)$/.exec(color);
  return rgb ? `rgba(${rgb[1]}, ${rgb[2]}, ${rgb[3]}, 0.3)` : color;
}

/** One of the 256 xterm colours. */
export function xtermColor(n: number): string | undefined {
  if (!Number.isInteger(n) || n < 0 || n > 255) return undefined;
  if (n < 16) return BASIC[n];
  if (n >= 232) {
    const v = 8 + 10 * (n - 232);
    return `rgb(${v}, ${v}, ${v})`;
  }
  const levels = [0, 95, 135, 175, 215, 255];
  const i = n - 16;
  return `rgb(${levels[Math.floor(i / 36)]}, ${levels[Math.floor(i / 6) % 6]}, ${levels[i % 6]})`;
}

/** Keeps what a terminal would show of each line: the text after the last carriage return. */
export function applyCarriageReturns(text: string): string {
  if (!text.includes('\r')) return text;
  return text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((line) => {
      const parts = line.split('\r');
      // "abc\r" then nothing yet: the terminal still shows abc.
      for (let i = parts.length - 1; i >= 0; i--) if (parts[i] !== '') return parts[i];
      return '';
    })
    .join('\n');
}

interface Style {
  fg?: string;
  bg?: string;
  bold?: boolean;
  underline?: boolean;
}

function applySgr(style: Style, params: number[]): Style {
  const next: Style = { ...style };
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (p === 0) {
      delete next.fg;
      delete next.bg;
      delete next.bold;
      delete next.underline;
    } else if (p === 1) next.bold = true;
    else if (p === 22) delete next.bold;
    else if (p === 4) next.underline = true;
    else if (p === 24) delete next.underline;
    else if (p >= 30 && p <= 37) next.fg = BASIC[p - 30];
    else if (p >= 90 && p <= 97) next.fg = BASIC[p - 90 + 8];
    else if (p === 39) delete next.fg;
    else if (p >= 40 && p <= 47) next.bg = background(BASIC[p - 40]);
    else if (p >= 100 && p <= 107) next.bg = background(BASIC[p - 100 + 8]);
    else if (p === 49) delete next.bg;
    else if ((p === 38 || p === 48) && params[i + 1] === 5) {
      const color = xtermColor(params[i + 2]);
      if (color) {
        if (p === 38) next.fg = color;
        else next.bg = background(color);
      }
      i += 2;
    } else if ((p === 38 || p === 48) && params[i + 1] === 2) {
      const [r, g, b] = params.slice(i + 2, i + 5);
      if ([r, g, b].every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) {
        if (p === 38) next.fg = `rgb(${r}, ${g}, ${b})`;
        else next.bg = `rgba(${r}, ${g}, ${b}, 0.3)`;
      }
      i += 4;
    }
  }
  return next;
}

/** Splits text into styled segments; escape sequences other than colours are dropped. */
export function parseAnsi(input: string): AnsiSegment[] {
  const text = applyCarriageReturns(input);
  const segments: AnsiSegment[] = [];
  // eslint-disable-next-line no-control-regex
  const escape = /\u001b\[([0-9;?]*)([A-Za-z])/g;
  let style: Style = {};
  let last = 0;
  const push = (chunk: string) => {
    if (!chunk) return;
    const prev = segments[segments.length - 1];
    if (
      prev &&
      prev.fg === style.fg &&
      prev.bg === style.bg &&
      prev.bold === style.bold &&
      prev.underline === style.underline
    ) {
      prev.text += chunk;
    } else segments.push({ text: chunk, ...style });
  };
  for (let m = escape.exec(text); m; m = escape.exec(text)) {
    push(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] === 'm') {
      const params = m[1] === '' ? [0] : m[1].split(';').map((x) => (x === '' ? 0 : Number(x)));
      style = applySgr(style, params);
    }
  }
  push(text.slice(last));
  return segments;
}

function channels(color: string): number[] | null {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (hex) return hex.slice(1).map((h) => parseInt(h, 16));
  return /^rgb\((\d+), (\d+), (\d+)\)$/.exec(color)?.slice(1).map(Number) ?? null;
}

function luminance(rgb: number[]): number {
  return (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255;
}

/**
 * The text colour to draw a segment in. IPython's traceback colours are made for a light page: dark ones are
 * lightened to read on the app's dark background, and dark grey on a highlight takes the app's text colour.
 */
export function segmentColor(segment: AnsiSegment): string | undefined {
  if (!segment.fg) return undefined;
  const rgb = channels(segment.fg);
  if (!rgb) return segment.fg;
  const l = luminance(rgb);
  if (segment.bg && l < 0.45) return undefined;
  if (l >= 0.35) return segment.fg;
  const [r, g, b] = rgb.map((c) => Math.round(c + (255 - c) * 0.45));
  return `rgb(${r}, ${g}, ${b})`;
}
