/**
 * Which of a rich output's representations to show, in the order Jupyter prefers them. JavaScript and widget
 * outputs are not run: the app runs no code that a notebook brings along.
 */
export const MIME_ORDER = [
  'text/html',
  'image/svg+xml',
  'image/png',
  'image/jpeg',
  'image/gif',
  'text/markdown',
  'text/latex',
  'application/json',
  'text/plain',
] as const;

export type ShownMime = (typeof MIME_ORDER)[number];

export function pickMime(data: Record<string, unknown>): ShownMime | null {
  for (const mime of MIME_ORDER) if (data[mime] !== undefined && data[mime] !== null) return mime;
  return null;
}

/** The base64 payload of an image output as a data: URL (nbformat may split it over lines). */
export function imageDataUrl(mime: string, value: unknown): string {
  const raw = Array.isArray(value) ? value.join('') : String(value ?? '');
  return `data:${mime};base64,${raw.replace(/\s+/g, '')}`;
}

/**
 * An SVG output as a data: URL for an <img>, where its scripts cannot run. An image needs the SVG namespace,
 * which Jupyter's outputs (matplotlib's, say) may leave out: it is added where the root element lacks it.
 */
export function svgDataUrl(value: unknown): string {
  let raw = Array.isArray(value) ? value.join('') : String(value ?? '');
  raw = raw.replace(/<svg\b(?![^>]*\sxmlns=)/i, '<svg xmlns="http://www.w3.org/2000/svg"');
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(raw)}`;
}

/** The document of a sandboxed HTML output frame: the app's look, and no scripts (the frame forbids them). */
export function htmlOutputDocument(html: string): string {
  // The frame's colour scheme must match the app's, or Chromium paints it on an opaque white backdrop.
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="color-scheme" content="dark"><style>
:root{color-scheme:dark;}
html,body{margin:0;padding:0;background:transparent;color:#d7dae0;font:13px -apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Arial,sans-serif;}
body{padding:6px 12px;overflow:auto;}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;}
th,td{padding:3px 10px;border-bottom:1px solid #2c313a;text-align:right;}
th{color:#8b93a1;font-weight:600;}
a{color:#3b82f6;}
</style></head><body>${html}</body></html>`;
}
