/**
 * Upload bodies read with a size limit and never held beyond it (docs/server.md#log-upload): a
 * `Content-Length` over the limit is refused before a byte is read; a body without one is counted as it
 * streams and refused as soon as it passes the limit. The rest of an oversized body is never read: a refused
 * announced body closes the connection; a refused streaming body pauses it instead, so that the client, still
 * sending, reads the 413 (closing a socket with unread data resets it, and the client would see only the
 * reset), and the keep-alive timeout closes it. A body can be read into shared memory that an ingest thread
 * parses as it fills (docs/server.md#parsing-a-log-body).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import type { SharedBody } from '../ingest/body-stream.js';
import { apiError } from './api-error.js';

export const MB = 1024 * 1024;

export const tooLarge = (limit: number, close = true) =>
  apiError(
    413,
    'too_large',
    `The body is larger than the limit of ${Math.round(limit / MB)} MiB`,
    close ? { connection: 'close' } : {},
  );

export const unsupportedType = (allowed: string) =>
  apiError(415, 'unsupported_media_type', `The body must be sent ${allowed}`);

/** The announced length; a 413 when it is over the limit. */
export function announcedLength(req: FastifyRequest, limit: number): number | null {
  const header = req.headers['content-length'];
  if (header === undefined) return null;
  const n = Number(header);
  if (!Number.isSafeInteger(n) || n < 0) throw apiError(400, 'invalid_body', 'Invalid Content-Length');
  if (n > limit) throw tooLarge(limit);
  return n;
}

/**
 * Reads the whole body into one buffer of its own (which can be handed to another thread without a copy),
 * or into `shared` (of the announced length), publishing each chunk as it is copied in.
 */
export function readBody(
  req: FastifyRequest,
  limit: number,
  shared: SharedBody | null = null,
): Promise<Uint8Array> {
  let announced: number | null;
  try {
    announced = announcedLength(req, limit);
  } catch (err) {
    shared?.abort();
    return Promise.reject(err);
  }
  const raw = req.raw;
  return new Promise((resolve, reject) => {
    let size = 0;
    const fixed =
      shared && shared.bytes.length === announced
        ? shared.bytes
        : announced !== null
          ? new Uint8Array(new ArrayBuffer(announced))
          : null;
    if (shared && fixed !== shared.bytes) shared.abort();
    const chunks: Buffer[] = [];
    const cleanup = () => {
      raw.off('data', onData);
      raw.off('end', onEnd);
      raw.off('error', onError);
      raw.off('aborted', onAborted);
    };
    const fail = (err: unknown) => {
      cleanup();
      shared?.abort();
      raw.pause();
      reject(err);
    };
    const onData = (c: Buffer) => {
      if (size + c.length > limit || (fixed && size + c.length > fixed.length)) {
        fail(tooLarge(limit, false));
        return;
      }
      if (fixed) fixed.set(c, size);
      else chunks.push(c);
      size += c.length;
      if (fixed === shared?.bytes) shared.progress(size);
    };
    const onEnd = () => {
      cleanup();
      if (fixed) {
        if (fixed === shared?.bytes) {
          if (size === fixed.length) shared.complete();
          else shared.abort();
        }
        resolve(size === fixed.length ? fixed : fixed.slice(0, size));
        return;
      }
      const out = new Uint8Array(new ArrayBuffer(size));
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.length;
      }
      resolve(out);
    };
    const onError = (err: Error) => fail(err);
    const onAborted = () => fail(apiError(400, 'invalid_body', 'The request was aborted'));
    raw.on('data', onData);
    raw.on('end', onEnd);
    raw.on('error', onError);
    raw.on('aborted', onAborted);
  });
}

/** Streams the body into a new file of `dir` while hashing it (SHA-256); removes the file on failure. */
export function bodyToFile(
  req: FastifyRequest,
  dir: string,
  limit: number,
): Promise<{ path: string; size: number; sha256: string }> {
  announcedLength(req, limit);
  const raw = req.raw;
  const path = join(dir, `log-${process.pid}-${randomBytes(8).toString('hex')}.tmp`);
  const out = createWriteStream(path, { flags: 'wx' });
  const hash = createHash('sha256');
  return new Promise((resolve, reject) => {
    let size = 0;
    let done = false;
    const fail = (err: unknown) => {
      if (done) return;
      done = true;
      raw.unpipe(out);
      raw.pause();
      out.destroy();
      rmSync(path, { force: true });
      reject(err);
    };
    raw.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) fail(tooLarge(limit, false));
      else hash.update(c);
    });
    raw.on('aborted', () => fail(apiError(400, 'invalid_body', 'The request was aborted')));
    raw.on('error', fail);
    out.on('error', fail);
    out.on('finish', () => {
      if (done) return;
      done = true;
      resolve({ path, size, sha256: hash.digest('hex') });
    });
    raw.pipe(out);
  });
}
