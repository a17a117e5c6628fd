/**
 * What a task hands back to the HTTP layer: a status, a content type, an encoded body and headers. Tasks
 * encode their bodies themselves, so that the encoding of large responses also runs off the event loop.
 */
import { createHash } from 'node:crypto';
import { isStorageError } from '../../storage/index.js';
import { ApiError, type ErrorDetail, errorBody, storageFailure } from '../api-error.js';
import { apiJson } from '../json-encode.js';

export const JSON_TYPE = 'application/json; charset=utf-8';

export interface TaskResult {
  status: number;
  type: string;
  body: string | Uint8Array;
  headers?: Record<string, string>;
  /** For a 5xx: what went wrong, so the HTTP layer can log it (a plain object: it crosses threads). */
  cause?: { message: string; stack?: string };
}

export function jsonResult(value: unknown, headers?: Record<string, string>): TaskResult {
  return { status: 200, type: JSON_TYPE, body: apiJson(value), headers };
}

export function errorResult(
  status: number,
  detail: ErrorDetail,
  headers?: Record<string, string>,
): TaskResult {
  return { status, type: JSON_TYPE, body: errorBody(detail), headers };
}

/**
 * Turns a thrown ApiError (a cancellation is one) or a StorageError (a damaged or unreadable file: 500
 * storage_error naming it) into a result; anything else propagates (500 internal_error).
 */
export function resultOfError(err: unknown): TaskResult {
  if (err instanceof ApiError) return errorResult(err.status, err.detail, err.headers);
  if (isStorageError(err)) {
    return { ...resultOfError(storageFailure(err)), cause: { message: err.message, stack: err.stack } };
  }
  throw err;
}

/** The error detail of a result that is not a 200 (its body is the error shape). */
export function errorDetailOf(result: TaskResult): ErrorDetail {
  try {
    const detail = (JSON.parse(bodyText(result.body)) as { detail?: ErrorDetail }).detail;
    if (detail && typeof detail.error === 'string' && typeof detail.code === 'string') return detail;
  } catch {
    /* not the error shape */
  }
  return { error: 'Internal server error', code: 'internal_error' };
}

/** The body as text (a worker may hand large bodies over as UTF-8 bytes). */
export function bodyText(body: string | Uint8Array): string {
  return typeof body === 'string'
    ? body
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}

/** Whether an If-None-Match header names this ETag (or `*`). */
export function etagMatches(ifNoneMatch: string | null | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === '*');
}

/**
 * A weak ETag from the body itself (histogram and table data, docs/api.md#headers-and-caching): equal data
 * and query give an equal body, so an unchanged answer becomes a 304.
 */
export function withBodyEtag(result: TaskResult, ifNoneMatch: string | null | undefined): TaskResult {
  if (result.status !== 200) return result;
  const etag = `W/"b-${createHash('sha1').update(result.body).digest('base64url').slice(0, 20)}"`;
  const headers = { ...result.headers, etag, 'cache-control': 'no-cache' };
  if (etagMatches(ifNoneMatch, etag)) return { status: 304, type: result.type, body: '', headers };
  return { ...result, headers };
}
