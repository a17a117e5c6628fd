/**
 * Errors of the server's routes, in the read API's one shape `{"detail": {"error", "code"}}`: the same
 * ApiError class the read API plugin renders, so that an error thrown in a hook before a plugin route is
 * rendered alike.
 */
import { ApiError } from 'kohakuboard/read-api';

export { ApiError };

export const apiError = (status: number, code: string, message: string, headers?: Record<string, string>) =>
  new ApiError(status, code, message, undefined, headers);

export const notAuthenticated = () => apiError(401, 'not_authenticated', 'Sign in first');
export const invalidToken = () =>
  apiError(401, 'invalid_token', 'Invalid or expired token', {
    'www-authenticate': 'Bearer error="invalid_token"',
  });
export const forbidden = () => apiError(403, 'forbidden', 'Forbidden');
export const sessionRequired = () =>
  apiError(403, 'session_required', 'This route needs a signed-in session, not a token');
export const insufficientScope = (scope: string) =>
  apiError(403, 'insufficient_scope', `The token lacks the "${scope}" scope`);
export const csrfFailed = () => apiError(403, 'csrf_failed', 'Missing or invalid CSRF token');
export const projectNotFound = () => apiError(404, 'project_not_found', 'Project not found');
export const runNotFound = () => apiError(404, 'run_not_found', 'Run not found');
export const notFound = (what = 'Not found') => apiError(404, 'not_found', what);
export const invalidName = (message = 'Invalid name') => apiError(400, 'invalid_name', message);
export const invalidBody = (message: string) => apiError(400, 'invalid_body', message);
export const rateLimited = (retryAfterS: number) =>
  apiError(429, 'rate_limited', 'Too many attempts; try again later', {
    'retry-after': String(Math.max(1, Math.ceil(retryAfterS))),
  });

/** An error whose `detail` carries more than the error and code (upload results, what was applied). */
export class DetailedApiError extends ApiError {
  constructor(
    status: number,
    code: string,
    message: string,
    readonly extra: Record<string, unknown>,
    headers?: Record<string, string>,
  ) {
    super(status, code, message, undefined, headers);
  }

  override get detail() {
    return { error: this.message, code: this.code, ...this.extra };
  }
}
