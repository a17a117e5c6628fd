/**
 * The CSRF token of the team server (docs/server.md#csrf): it sets the script-readable cookie
 * `XSRF-TOKEN` with a session, and wants it back in `X-XSRF-TOKEN` on every unsafe request the session
 * cookie authenticates. `kobo open` sets no such cookie, so nothing is sent there.
 */
import type { ApiError } from './errors';

export const CSRF_COOKIE = 'XSRF-TOKEN';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The value of a cookie this page may read, or null. */
export function readCookie(name: string): string | null {
  if (typeof document === 'undefined') return null;
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

/** Forgets the CSRF cookie of a session the server no longer knows (it is set again at sign-in). */
export function dropCsrfCookie(): void {
  // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is missing in Firefox and Safari
  document.cookie = `${CSRF_COOKIE}=; Path=/; Max-Age=0; SameSite=Strict`;
}

export function csrfHeaders(method: string): Record<string, string> {
  if (!UNSAFE.has(method.toUpperCase())) return {};
  const token = readCookie(CSRF_COOKIE);
  return token ? { 'X-XSRF-TOKEN': token } : {};
}

export function isCsrfFailure(error: ApiError): boolean {
  return error.status === 403 && error.code === 'csrf_failed';
}
