/**
 * The three upload requests of one run (docs/sync.md#protocol) over Node's fetch, with the retries of
 * docs/sync.md#retries: a network error, a 5xx, 429 and 409 `run_busy` are tried again after 1, 2, 4, 8
 * and 16 s, then every 30 s, or after the server's `Retry-After`; other answers are final.
 */
import { SyncError, type SyncErrorCode } from './errors.js';
import { projectSegment } from './run-target.js';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface HttpOptions {
  remoteUrl: string;
  token: string;
  project: string;
  runId: string;
  /** How many times a failed request is tried again (Infinity: until aborted). */
  maxRetries: number;
  /** The waits before each retry, in ms; the last one repeats. */
  retryDelaysMs?: number[];
  fetch?: FetchLike;
  signal?: AbortSignal;
  /** Told before every wait. */
  onRetry?: (what: string, reason: string, waitMs: number) => void;
}

export const DEFAULT_RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 16000, 30000];
/** The longest Retry-After honoured. */
const MAX_RETRY_AFTER_MS = 300_000;

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the server's JSON answers of several shapes
  json: any;
}

/** The server's error code and message from `{"detail": {"error", "code"}}` (or FastAPI's `{"detail": "…"}`). */
function serverError(json: unknown): { code: string | null; message: string | null } {
  const detail = (json as { detail?: unknown } | null)?.detail;
  if (typeof detail === 'string') return { code: null, message: detail };
  if (detail && typeof detail === 'object') {
    const d = detail as { code?: unknown; error?: unknown; message?: unknown };
    return {
      code: typeof d.code === 'string' ? d.code : null,
      message: typeof d.error === 'string' ? d.error : typeof d.message === 'string' ? d.message : null,
    };
  }
  return { code: null, message: null };
}

function codeFor(status: number): SyncErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 413) return 'too_large';
  if (status >= 500) return 'server_error';
  return 'bad_request';
}

const HINTS: Partial<Record<SyncErrorCode, string>> = {
  unauthorized: ' (check the token: --token-file, KOHAKU_BOARD_TOKEN or --token)',
  forbidden: ' (the token needs the write scope and the user write access to the project)',
};

function retryable(status: number, code: string | null): boolean {
  return status >= 500 || status === 429 || (status === 409 && code === 'run_busy');
}

function retryAfterMs(res: Response): number | null {
  const h = res.headers.get('retry-after');
  if (!h) return null;
  const secs = Number(h);
  if (Number.isFinite(secs)) return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, secs * 1000));
  const at = Date.parse(h);
  return Number.isFinite(at) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, at - Date.now())) : null;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new SyncError('aborted', 'the sync was stopped'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new SyncError('aborted', 'the sync was stopped'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class SyncHttp {
  private readonly base: string;
  private readonly fetch: FetchLike;

  constructor(private readonly options: HttpOptions) {
    this.base = `${options.remoteUrl.replace(/\/+$/, '')}/api/projects/${projectSegment(options.project)}/runs/${encodeURIComponent(options.runId)}`;
    this.fetch = options.fetch ?? ((url, init) => fetch(url, init));
  }

  postLog(body: string): Promise<Answer> {
    return this.send('POST /log', () => ({
      url: `${this.base}/log`,
      init: { method: 'POST', headers: { 'content-type': 'application/json' }, body },
    }));
  }

  postMedia(files: Array<{ name: string; bytes: Uint8Array }>): Promise<Answer> {
    return this.send('POST /media', () => {
      const form = new FormData();
      for (const f of files)
        form.append('files', new Blob([f.bytes], { type: 'application/octet-stream' }), f.name);
      return { url: `${this.base}/media`, init: { method: 'POST', body: form } };
    });
  }

  putLog(file: string, bytes: Uint8Array): Promise<Answer> {
    return this.send(`PUT /logs/${file}`, () => ({
      url: `${this.base}/logs/${encodeURIComponent(file)}`,
      init: {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream' },
        body: new Blob([bytes]),
      },
    }));
  }

  /** Sends until a final answer; 2xx and 422 are returned, other final answers thrown as SyncError. */
  private async send(what: string, make: () => { url: string; init: RequestInit }): Promise<Answer> {
    const delays = this.options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    for (let attempt = 0; ; attempt++) {
      const { url, init } = make();
      const headers = {
        ...(init.headers as Record<string, string>),
        authorization: `Bearer ${this.options.token}`,
      };
      let failure: SyncError;
      let wait = delays[Math.min(attempt, delays.length - 1)] ?? 1000;
      try {
        const res = await this.fetch(url, { ...init, headers, signal: this.options.signal });
        const text = await res.text();
        let json: unknown = null;
        try {
          json = text ? JSON.parse(text) : null;
        } catch {
          /* not JSON: reported by status */
        }
        if (res.ok || res.status === 422) return { status: res.status, json };
        const { code, message } = serverError(json);
        const kind = codeFor(res.status);
        failure = new SyncError(
          kind,
          `${what} to ${this.options.remoteUrl}: ${res.status} ${code ?? res.statusText}${message ? `: ${message}` : ''}${HINTS[kind] ?? ''}`,
          res.status,
          code,
        );
        if (!retryable(res.status, code)) throw failure;
        wait = retryAfterMs(res) ?? wait;
      } catch (err) {
        if (err instanceof SyncError) {
          if (err.status === null || !retryable(err.status, err.serverCode)) throw err;
          failure = err;
        } else if (this.options.signal?.aborted) {
          throw new SyncError('aborted', 'the sync was stopped', null, null, { cause: err });
        } else {
          const cause = (err as { cause?: { code?: string; message?: string } }).cause;
          failure = new SyncError(
            'network',
            `${what} to ${this.options.remoteUrl} failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
            null,
            null,
            { cause: err },
          );
        }
      }
      if (attempt >= this.options.maxRetries) throw failure;
      this.options.onRetry?.(what, failure.message, wait);
      await sleep(wait, this.options.signal);
    }
  }
}
