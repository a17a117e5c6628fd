/**
 * Media blobs (docs/api.md#media-files), by file name, by media id and by run folder: content type from the
 * extension, immutable caching, single byte ranges with 206/416 (If-Range honoured; unparsable ranges
 * ignored), and the blob read once from SQLite (a range reads only its bytes).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import rangeParser from 'range-parser';
import { mediaBlobSize, readMediaBlob } from '../../../reader/media-blob-source.js';
import { mediaRowOfId } from '../../../reader/metadata-rows.js';
import type { RunRecord } from '../../../reader/run-record.js';
import { ApiError, invalidParameter, notFound } from '../../api-error.js';
import type { TaskResult } from '../../worker-pool/task-result.js';
import type { ByteSpan } from '../../worker-pool/tasks.js';
import type { ReadApiOptions } from '../options.js';

const FILENAME_RE = /^[0-9A-Za-z_-]+\.[0-9A-Za-z]{1,8}$/;

const CONTENT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  mp4: 'video/mp4',
  webm: 'video/webm',
  avi: 'video/x-msvideo',
  mov: 'video/quicktime',
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  flac: 'audio/flac',
};

export function mediaContentType(filename: string): string {
  const ext = filename.slice(filename.lastIndexOf('.') + 1).toLowerCase();
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

export type ByteRange = { start: number; end: number } | 'unsatisfiable' | null;

/**
 * A single `bytes=a-b`, `a-` or `-n` range (parsed by range-parser); null for none, for several ranges (the
 * full 200 answers them), for another unit and for a header that does not parse, which is ignored.
 */
export function parseRange(header: string | undefined, size: number): ByteRange {
  if (!header || !/^\s*bytes\s*=/i.test(header) || header.includes(',')) return null;
  const ranges = rangeParser(size, header);
  if (ranges === -2) return null;
  if (ranges === -1) return 'unsatisfiable';
  return ranges.length === 1 ? { start: ranges[0].start, end: ranges[0].end } : null;
}

/**
 * Whether a Range header may be honoured given If-Range: only when If-Range is absent or names this
 * representation's ETag exactly (a date, a weak or another tag: the full body, RFC 9110, section 13.1.5).
 */
export function ifRangeMatches(ifRange: string | undefined, etag: string): boolean {
  return ifRange === undefined || ifRange.trim() === etag;
}

const mediaNotFound = () => notFound('media_not_found', 'Media file not found');

/** Blobs up to this size are read on the event loop (well under a millisecond); larger ones in the pool. */
const READ_INLINE_BYTES = 256 * 1024;

/**
 * The blob's bytes (or a range of them). A large blob is read in the task pool, so that an 8 MiB read never
 * holds the event loop; it is read once there and handed over without a copy (docs/api.md#media-files).
 */
async function readBlob(
  h: ReadApiOptions,
  run: RunRecord,
  key: string,
  range: ByteSpan | null,
  size: number,
): Promise<Buffer> {
  const dir = h.index.runDir(run);
  // By the blob's size even for a small range: SQLite loads the whole value before cutting a range out.
  if (size <= READ_INLINE_BYTES) {
    const bytes = readMediaBlob(h.reader, dir, key, range ?? undefined);
    if (!bytes) throw mediaNotFound();
    return bytes;
  }
  const result = await h.executor.run<TaskResult>({ task: 'mediaBlob', runDir: dir, key, range }, dir);
  if (result.status !== 200 || typeof result.body === 'string') throw mediaNotFound();
  const b = result.body;
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

export async function sendBlob(
  h: ReadApiOptions,
  run: RunRecord,
  filename: string,
  contentType: string,
  cacheControl: string,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const size = mediaBlobSize(h.reader, h.index.runDir(run), filename);
  if (size === null) throw mediaNotFound();
  const etag = `"${filename}"`;
  reply
    .header('content-type', contentType)
    .header('content-disposition', `inline; filename="${filename}"`)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', cacheControl)
    .header('etag', etag)
    .header('accept-ranges', 'bytes');
  if (req.headers['if-none-match'] === etag) return reply.code(304).send();
  const ifRange = typeof req.headers['if-range'] === 'string' ? req.headers['if-range'] : undefined;
  const range = ifRangeMatches(ifRange, etag) ? parseRange(req.headers.range, size) : null;
  if (range === 'unsatisfiable') {
    throw new ApiError(416, 'range_not_satisfiable', 'Range not satisfiable', undefined, {
      'content-range': `bytes */${size}`,
    });
  }
  // HEAD is answered like GET; Node sends the headers (with the length) and drops the body.
  if (range) {
    const part = await readBlob(h, run, filename, range, size);
    return reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`).send(part);
  }
  return reply.send(await readBlob(h, run, filename, null, size));
}

/** docs/api.md#media-files: `media/files/{filename}`. */
export function sendMediaFile(
  h: ReadApiOptions,
  run: RunRecord,
  filename: string,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  if (!FILENAME_RE.test(filename)) throw new ApiError(400, 'invalid_name', 'Invalid media filename');
  return sendBlob(
    h,
    run,
    filename,
    mediaContentType(filename),
    'public, max-age=31536000, immutable',
    req,
    reply,
  );
}

/** docs/api.md#media-by-id: a blob by the integer id of its media record. */
export function sendMediaById(
  h: ReadApiOptions,
  run: RunRecord,
  mediaId: string,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  if (!/^\d{1,15}$/.test(mediaId)) throw invalidParameter('media_id', 'media_id must be an integer');
  const row = mediaRowOfId(h.reader, h.index.runDir(run), Number(mediaId));
  if (!row || !/^[0-9A-Za-z_-]+$/.test(row.media_hash) || !/^[0-9A-Za-z]{1,8}$/.test(row.format)) {
    throw mediaNotFound();
  }
  const filename = `${row.media_hash}.${row.format}`;
  return sendBlob(h, run, filename, mediaContentType(filename), 'public, max-age=86400', req, reply);
}

export async function sendBoardMedia(
  h: ReadApiOptions,
  principal: unknown,
  board: string,
  mediaId: string,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const run = h.index.findBoard(
    board,
    (r) => h.access.canReadProject(principal, r.project) && h.access.canReadRun(principal, r),
  );
  if (!run) throw notFound('run_not_found', `Board '${board}' not found`);
  return sendMediaById(h, run, mediaId, req, reply);
}
