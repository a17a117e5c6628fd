/**
 * Plain sentences for the team server's errors on the signed-in pages (docs/ui.md#signed-in-pages):
 * what went wrong and, for rate limits, when to try again.
 */
import { ApiError } from '../../api/errors';

/** "45 s", "3 min 20 s", "2 h 5 min". */
export function formatWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

const MESSAGES: Record<string, string> = {
  invalid_credentials: 'Wrong username or password.',
  account_disabled: 'This account is deactivated. Ask a site administrator.',
  email_not_verified: 'Verify your email address first.',
  not_authenticated: 'Your session has ended. Sign in again.',
  session_required: 'Sign in to do this.',
  forbidden: 'You are not allowed to do this.',
  csrf_failed: 'The page lost its security token. Reload it and try again.',
  name_taken: 'That name is taken (names that differ only in case, - or _ count as the same).',
  email_taken: 'That email address is already registered.',
  registration_closed: 'Registration needs an invite link from a site administrator.',
  already_member: 'That user is already a member.',
};

export function errorText(err: unknown): string {
  if (!(err instanceof ApiError)) return err instanceof Error ? err.message : String(err);
  if (err.code === 'rate_limited') {
    return err.retryAfterS !== undefined
      ? `Too many attempts. Try again in ${formatWait(err.retryAfterS)}.`
      : 'Too many attempts. Try again later.';
  }
  if (err.unreachable) return 'Cannot reach the KohakuBoard server.';
  return MESSAGES[err.code] ?? err.message;
}
