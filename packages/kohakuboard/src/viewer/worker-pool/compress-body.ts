/**
 * Compression of large bodies where they are produced (docs/api.md#headers-and-caching,
 * docs/api.md#work-off-the-event-loop). A task result of 1 MiB or more is compressed in the worker thread
 * that built it: the event loop then neither runs the compressor's callbacks nor receives the uncompressed
 * bytes, whose volume would otherwise set off full garbage collections of the main thread's heap (V8 counts
 * such buffers as external memory). Smaller bodies are left to the HTTP layer's compression, which skips a
 * reply that already has a Content-Encoding.
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { TaskResult } from './task-result.js';

export type BodyEncoding = 'br' | 'gzip';

/** Bodies at least this large are compressed in the task. */
export const COMPRESS_IN_TASK_BYTES = 1024 * 1024;

/** The content types the HTTP layer compresses (text, JSON, JavaScript, SVG; not event streams). */
export const COMPRESSIBLE_TYPE =
  /^(?:text\/(?!event-stream)|application\/(?:json|javascript)|image\/svg\+xml)/;

/** Brotli settings of the HTTP layer: quality 4 and a small window keep it fast and lean. */
export const BROTLI_PARAMS = {
  [constants.BROTLI_PARAM_QUALITY]: 4,
  [constants.BROTLI_PARAM_LGWIN]: 18,
};

/**
 * Settings for the large bodies compressed in tasks: the fastest levels. On the numeric JSON of long series
 * they are three to six times faster than the HTTP layer's and the output is only 1–15 % larger.
 */
const TASK_BROTLI_PARAMS = { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_LGWIN]: 18 };
const TASK_GZIP_LEVEL = 1;

/**
 * The encoding to use for a request's large bodies: `br` when Accept-Encoding allows it, else `gzip`, else
 * none (q=0 refuses a coding; `*` stands for any coding not named). Requests that ask for no compression
 * (`x-no-compression`) get none, as from the HTTP layer.
 */
export function negotiateEncoding(
  headers: Record<string, string | string[] | undefined>,
): BodyEncoding | null {
  if (headers['x-no-compression'] !== undefined) return null;
  const header = headers['accept-encoding'];
  if (typeof header !== 'string' || header.trim() === '') return null;
  const q = new Map<string, number>();
  for (const part of header.toLowerCase().split(',')) {
    const [token, ...params] = part.trim().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam === undefined ? 1 : Number(qParam.slice(2));
    q.set(token === 'x-gzip' ? 'gzip' : token, Number.isFinite(value) ? value : 0);
  }
  const weight = (coding: BodyEncoding) => q.get(coding) ?? q.get('*') ?? 0;
  const br = weight('br');
  const gzip = weight('gzip');
  if (br <= 0 && gzip <= 0) return null;
  return br >= gzip ? 'br' : 'gzip';
}

/** The result with its body compressed when it is large and compressible; otherwise unchanged. */
export function compressLargeBody(result: TaskResult, encoding: BodyEncoding | null | undefined): TaskResult {
  if (!encoding || result.status !== 200 || !COMPRESSIBLE_TYPE.test(result.type)) return result;
  const body = typeof result.body === 'string' ? Buffer.from(result.body, 'utf8') : result.body;
  if (body.byteLength < COMPRESS_IN_TASK_BYTES) return result;
  const compressed =
    encoding === 'br'
      ? brotliCompressSync(body, { params: TASK_BROTLI_PARAMS })
      : gzipSync(body, { level: TASK_GZIP_LEVEL });
  return {
    ...result,
    body: compressed,
    headers: { ...result.headers, 'content-encoding': encoding, vary: 'accept-encoding' },
  };
}
