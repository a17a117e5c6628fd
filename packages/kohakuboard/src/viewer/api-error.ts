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

export const invalidParameter = (param: string, message: string) =>
  new ApiError(400, 'invalid_parameter', message, param);
export const invalidName = (message = 'Invalid name') => new ApiError(400, 'invalid_name', message);
export const notFound = (code: string, message: string) => new ApiError(404, code, message);
export const routeNotFound = () => new ApiError(404, 'not_found', 'Not found');
export const projectNotFound = () => notFound('project_not_found', 'Project not found');
export const runNotFound = () => notFound('run_not_found', 'Run not found');
export const methodNotAllowed = (allow: string[]) =>
  new ApiError(405, 'method_not_allowed', 'Method not allowed', undefined, { allow: allow.join(', ') });
