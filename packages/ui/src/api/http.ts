import { csrfHeaders, isCsrfFailure } from './csrf';
import { ApiError, apiErrorFromResponse } from './errors';
import { apiLimiter } from './limiter';

export interface RequestOptions {
  signal?: AbortSignal;
  /** Smaller starts first: on-screen order. */
  priority?: number;
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
}

export type QueryValue = string | number | boolean | null | undefined | ReadonlyArray<string | number>;

/** Builds a root-relative `/api/...` URL; null and undefined values are left out, arrays repeat the key. */
export function apiUrl(path: string, query?: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  if (query) {
    for (const [key, value] of Object.entries(query)) {
      if (value === null || value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
      else params.append(key, String(value));
    }
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Percent-encodes a project name or run id (one path segment). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

/** Encodes a metric/media/... name for a `{name:path}` route: each segment on its own, `/` kept. */
export function namePath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

async function send(url: string, opts: RequestOptions, accept: string, retried = false): Promise<Response> {
  const method = opts.method ?? (opts.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = { Accept: accept, ...csrfHeaders(method) };
  const init: RequestInit = { method, signal: opts.signal, headers };
  if (opts.body !== undefined) {
    init.body = JSON.stringify(opts.body);
    headers['Content-Type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    reachability?.down();
    throw new ApiError('Cannot reach the KohakuBoard server', 0, 'unreachable');
  }
  reachability?.up();
  if (!res.ok) {
    const error = await apiErrorFromResponse(res);
    // The team server answers a stale CSRF token with a fresh cookie: one more try uses it.
    if (!retried && isCsrfFailure(error)) return send(url, opts, accept, true);
    errorListener?.(error);
    throw error;
  }
  return res;
}

/** A JSON endpoint through the page's request limiter (204 No Content gives undefined). */
export function apiJson<T>(url: string, opts: RequestOptions = {}): Promise<T> {
  return apiLimiter.run(
    async () => {
      const res = await send(url, opts, 'application/json');
      if (res.status === 204) return undefined as T;
      return (await res.json()) as T;
    },
    opts.priority ?? 0,
    opts.signal,
  );
}

/** A binary endpoint read whole. */
export function apiBytes(url: string, opts: RequestOptions = {}): Promise<ArrayBuffer> {
  return apiLimiter.run(
    async () => {
      const res = await send(url, opts, 'application/octet-stream');
      return await res.arrayBuffer();
    },
    opts.priority ?? 0,
    opts.signal,
  );
}

/** A streamed binary endpoint: `onChunk` sees each network chunk as it arrives. */
export function apiStream(
  url: string,
  opts: RequestOptions,
  onChunk: (chunk: Uint8Array) => void,
): Promise<void> {
  return apiLimiter.run(
    async () => {
      const res = await send(url, opts, 'application/octet-stream');
      if (!res.body) {
        onChunk(new Uint8Array(await res.arrayBuffer()));
        return;
      }
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (value) onChunk(value);
      }
    },
    opts.priority ?? 0,
    opts.signal,
  );
}

/** Plain text (log download). */
export function apiText(url: string, opts: RequestOptions = {}): Promise<{ text: string; headers: Headers }> {
  return apiLimiter.run(
    async () => {
      const res = await send(url, opts, 'text/plain');
      return { text: await res.text(), headers: res.headers };
    },
    opts.priority ?? 0,
    opts.signal,
  );
}

// Reachability is reported to the connection banner (docs/ui.md#error-states) without an import cycle.
let reachability: { up: () => void; down: () => void } | null = null;
export function onReachability(listener: { up: () => void; down: () => void }): void {
  reachability = listener;
}

// Every error answer is shown to the session state (signed-in pages notice an ended session there).
let errorListener: ((error: ApiError) => void) | null = null;
export function onApiError(listener: (error: ApiError) => void): void {
  errorListener = listener;
}
