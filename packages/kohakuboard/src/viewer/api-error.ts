import { isStorageError, type StorageError } from '../storage/errors.js';

/**
 * The one error shape of every /api response (API.md §0.5): {"detail": {"error", "code"}} plus "param" for
 * validation errors. Errors are values created here and thrown by handlers; the error hook renders them.
 */
export interface ErrorDetail {
  error: string;
  code: string;
  param?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly param?: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get detail(): ErrorDetail {
    return this.param === undefined
      ? { error: this.message, code: this.code }
      : { error: this.message, code: this.code, param: this.param };
  }
}

export function errorBody(detail: ErrorDetail): string {
  return JSON.stringify({ detail });
}

/** What the framework reports about an error it raised (a body too large, a malformed request). */
export interface FrameworkError {
  statusCode?: number;
  code?: string;
  message: string;
}

/**
 * The status, body and headers of any error thrown under /api (§0.5): ApiErrors as they are, framework
 * errors mapped to 400/413, anything else a 500 whose message never shows internals.
 */
export function errorReply(err: ApiError | FrameworkError | StorageError): {
  status: number;
  body: string;
  headers?: Record<string, string>;
} {
  if (err instanceof ApiError)
    return { status: err.status, body: errorBody(err.detail), headers: err.headers };
  if (isStorageError(err)) return errorReply(storageFailure(err));
  const status = err.statusCode ?? 500;
  if (status === 413)
    return { status, body: errorBody({ error: 'Request body too large', code: 'too_large' }) };
  if (status >= 400 && status < 500) {
    const code = err.code === 'FST_ERR_BAD_URL' ? 'invalid_name' : 'invalid_body';
    return { status: 400, body: errorBody({ error: err.message, code }) };
  }
  return { status: 500, body: errorBody({ error: 'Internal server error', code: 'internal_error' }) };
}

export const invalidParameter = (param: string, message: string) =>
  new ApiError(400, 'invalid_parameter', message, param);
export const invalidName = (message = 'Invalid name') => new ApiError(400, 'invalid_name', message);
export const notFound = (code: string, message: string) => new ApiError(404, code, message);
export const routeNotFound = () => new ApiError(404, 'not_found', 'Not found');
export const projectNotFound = () => notFound('project_not_found', 'Project not found');
export const runNotFound = () => notFound('run_not_found', 'Run not found');
/** The caller may read the resource but not change it (the team server; SERVER.md §4.2). */
export const forbidden = () => new ApiError(403, 'forbidden', 'Forbidden');
export const methodNotAllowed = (allow: string[]) =>
  new ApiError(405, 'method_not_allowed', 'Method not allowed', undefined, { allow: allow.join(', ') });
/**
 * A run file that cannot be read (damaged, cut short, not the expected format, or linked outside the data
 * directory): 500 `storage_error` (docs/api.md#errors), with a message that names the file relative to the
 * data directory and the problem, so the user can tell which file to look at. Never `internal_error`.
 */
export const storageFailure = (err: StorageError) => new ApiError(500, 'storage_error', err.message);
