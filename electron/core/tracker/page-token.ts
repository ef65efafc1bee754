import { invalid } from './validate';

/** MLflow's page tokens: the offset of the next page, as base64 JSON. */

export function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function decodeToken(token: string | null | undefined): number {
  if (!token) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof parsed.offset === 'number' && Number.isSafeInteger(parsed.offset) && parsed.offset >= 0)
      return parsed.offset;
  } catch {
    // Not base64 JSON: refused below like any other token that names no offset.
  }
  throw invalid('Invalid page token, could not base64-decode');
}
