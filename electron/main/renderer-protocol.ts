import path from 'node:path';
import { contentTypeOf } from '../core/web-content';

/**
 * The renderer is served from a privileged custom scheme, `app://lakebench/`, rather than file://: the page gets
 * a real origin (so CSP 'self', module scripts and workers behave as on the web), and only files inside
 * dist/renderer can ever be loaded, whatever URL the page asks for.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'lakebench';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Used when the built index.html carries no CSP meta (it should); as strict as the renderer's own. */
export const DEFAULT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; " +
  "form-action 'none'; frame-ancestors 'none'";

export function contentTypeFor(file: string): string {
  return contentTypeOf(file);
}

/** True for URLs of our own pages. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Links the user may follow in their browser: http(s) only, never file:, javascript:, custom schemes. */
export function isExternalWebUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.host.length > 0;
  } catch {
    return false;
  }
}

/**
 * Maps an app:// URL to a file inside `root`, or null when the URL is not ours or points outside the root
 * (`..`, encoded separators, NUL). `/` serves index.html.
 */
export function resolveRendererFile(root: string, url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  if (pathname === '/' || pathname === '') pathname = '/index.html';
  const base = path.resolve(root);
  const file = path.resolve(base, `.${pathname}`);
  const rel = path.relative(base, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return file;
}

/** The policy of the page's CSP meta tag, so the response header says exactly what the page says. */
export function cspFromHtml(html: string): string | null {
  for (const tag of html.match(/<meta\b[^>]*>/gi) ?? []) {
    if (!/http-equiv\s*=\s*["']?content-security-policy["']?/i.test(tag)) continue;
    const content = /\bcontent\s*=\s*"([^"]*)"|\bcontent\s*=\s*'([^']*)'/i.exec(tag);
    const policy = (content?.[1] ?? content?.[2] ?? '').replace(/\s+/g, ' ').trim();
    if (policy) return policy;
  }
  return null;
}
