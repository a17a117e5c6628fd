import { isStorageError, type StorageError } from '../storage/errors.js';

/**
 * The one error shape of every /api response (docs/api.md#errors): {"detail": {"error", "code"}} plus "param"
 * for validation errors. Errors are values created here and thrown by handlers; the error hook renders them.
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

/** One failed check of a schema validation (the shape Fastify's validators report). */
export interface ValidationIssue {
  keyword: string;
  instancePath: string;
  params?: Record<string, unknown>;
  message?: string;
}

/** What the framework reports about an error it raised (a body too large, a malformed request, a schema). */
export interface FrameworkError {
  statusCode?: number;
  code?: string;
  message: string;
  validation?: ValidationIssue[];
  validationContext?: string;
}

/** How a route's schema validation errors are reported. */
export interface ValidationHints {
  /** Allowed values of enum-like fields, by field name (for the message). */
  allowed?: (field: string) => readonly unknown[] | null;
  /** Body fields that are query options: errors in them are invalid_parameter naming the field. */
  parameterFields?: readonly string[];
}

function issueMessage(field: string, issue: ValidationIssue, hints: ValidationHints): string {
  const p = issue.params ?? {};
  switch (issue.keyword) {
    case 'type':
      switch (p.type) {
        case 'integer':
          return `${field} must be an integer`;
        case 'number':
          return `${field} must be a number`;
        case 'boolean':
          return `${field} must be true, false, 1 or 0`;
        case 'array':
          return `${field} must be a list`;
        case 'string':
          return `${field} must be a string`;
        default:
          return `${field} must be of type ${String(p.type)}`;
      }
    case 'minimum':
      return `${field} must be >= ${String(p.limit)}`;
    case 'maximum':
      return `${field} must be <= ${String(p.limit)}`;
    case 'required':
      return `${field} is required`;
    default: {
      const values = (p.allowedValues as unknown[] | undefined) ?? hints.allowed?.(field) ?? null;
      if (values) return `${field} must be one of ${values.join(', ')}`;
      return `${field} ${issue.message ?? 'is invalid'}`;
    }
  }
}

/**
 * A schema validation failure as the API reports it (docs/api.md#errors): a query or path value is 400 invalid_parameter
 * naming the parameter; a body that is not the expected object is 400 invalid_body, except for body fields
 * that are query options (batch/scalars), which are invalid_parameter too.
 */
export function validationError(
  issues: readonly ValidationIssue[],
  context: string | undefined,
  hints: ValidationHints = {},
): ApiError {
  const issue = issues[0];
  const path = issue.instancePath.split('/').filter((s) => s !== '');
  const required = issue.params?.requiredProperties as string[] | undefined;
  const field =
    path[0] ?? (issue.params?.missingProperty as string | undefined) ?? required?.[0] ?? undefined;
  if (context === 'body') {
    if (field === undefined)
      return new ApiError(400, 'invalid_body', 'The request body must be a JSON object');
    if (hints.parameterFields?.includes(field)) {
      return new ApiError(400, 'invalid_parameter', issueMessage(field, issue, hints), field);
    }
    return new ApiError(400, 'invalid_body', issueMessage(`"${field}"`, issue, hints));
  }
  const name = field ?? context ?? 'parameter';
  return new ApiError(400, 'invalid_parameter', issueMessage(name, issue, hints), name);
}

/**
 * The status, body and headers of any error thrown under /api (docs/api.md#errors): ApiErrors as they are, schema
 * validation failures as 400 with the parameter, framework errors mapped to 400/413, anything else a 500
 * whose message never shows internals.
 */
export function errorReply(
  err: ApiError | FrameworkError | StorageError,
  hints: ValidationHints = {},
): {
  status: number;
  body: string;
  headers?: Record<string, string>;
} {
  if (err instanceof ApiError)
    return { status: err.status, body: errorBody(err.detail), headers: err.headers };
  if (isStorageError(err)) return errorReply(storageFailure(err));
  if (err.validation && err.validation.length > 0) {
    const e = validationError(err.validation, err.validationContext, hints);
    return { status: e.status, body: errorBody(e.detail) };
  }
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
/** The caller may read the resource but not change it (the team server; docs/server.md#no-enumeration). */
export const forbidden = () => new ApiError(403, 'forbidden', 'Forbidden');
export const methodNotAllowed = (allow: string[]) =>
  new ApiError(405, 'method_not_allowed', 'Method not allowed', undefined, { allow: allow.join(', ') });
/**
 * A run file that cannot be read (damaged, cut short, not the expected format, or linked outside the data
 * directory): 500 `storage_error` (docs/api.md#errors), with a message that names the file relative to the
 * data directory and the problem, so the user can tell which file to look at. Never `internal_error`.
 */
export const storageFailure = (err: StorageError) => new ApiError(500, 'storage_error', err.message);
