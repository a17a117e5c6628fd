/**
 * An error answer of the API (docs/api.md#errors): `{"detail": {"error", "code", "param"?}}`, or a network
 * failure.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly param?: string,
    /** Seconds from the `Retry-After` header (429 rate_limited, 409 run_busy), when sent. */
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** True when the server could not be reached at all (no HTTP status). */
  get unreachable(): boolean {
    return this.status === 0;
  }
}

export function isAbortError(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

/** Reads `detail.error` from an error body; falls back to the status text. */
export async function apiErrorFromResponse(res: Response): Promise<ApiError> {
  let message = res.statusText || `HTTP ${res.status}`;
  let code = 'http_error';
  let param: string | undefined;
  try {
    const body = (await res.json()) as { detail?: unknown };
    const detail = body.detail;
    if (typeof detail === 'string') message = detail;
    else if (detail && typeof detail === 'object') {
      const d = detail as { error?: unknown; code?: unknown; param?: unknown };
      if (typeof d.error === 'string') message = d.error;
      if (typeof d.code === 'string') code = d.code;
      if (typeof d.param === 'string') param = d.param;
    }
  } catch {
    // Not JSON: keep the status text.
  }
  const retryAfter = Number(res.headers.get('retry-after') ?? Number.NaN);
  return new ApiError(message, res.status, code, param, Number.isFinite(retryAfter) ? retryAfter : undefined);
}

/** A short message for showing an error in a card or banner. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
