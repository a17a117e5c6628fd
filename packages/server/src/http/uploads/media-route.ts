/**
 * `POST …/runs/{run_id}/media` (docs/server.md#media-upload): multipart blobs named `<hash>.<format>`,
 * streamed to temporary files with the limits, then checked and stored in the run's ingest thread under
 * the run's lease; what the run no longer waits for leaves `pending_media`.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { emptySummary } from '../../ingest/apply-log.js';
import type { IncomingBlob, MediaStoreResult } from '../../ingest/media-store.js';
import { existingRun, findRun } from '../../ingest/upload-target.js';
import { DetailedApiError } from '../api-error.js';
import { tooLarge, unsupportedType } from '../upload-body.js';
import { contentType, parseJson, type UploadKit } from './upload-kit.js';

const MEDIA_FILE = /^[0-9a-z]{22}\.[0-9a-z]{1,8}$/;
export const MAX_MEDIA_FILES = 1000;

export function mediaRoute(scope: FastifyInstance, kit: UploadKit): void {
  const { ctx, limits, incoming } = kit;
  scope.post('/api/server/project/:seg/runs/:id/media', async (req, reply) => {
    const { p, project, runId } = await kit.begin(req);
    if (contentType(req) !== 'multipart/form-data') throw unsupportedType('as multipart/form-data');
    const announced = Number(req.headers['content-length'] ?? Number.NaN);
    if (announced > limits.mediaRequest) throw tooLarge(limits.mediaRequest);
    const run = await existingRun(ctx, p, project, runId);
    const blobs: IncomingBlob[] = [];
    const rejected: MediaStoreResult['rejected'] = [];
    let total = 0;
    try {
      for await (const part of req.parts()) {
        if (part.type !== 'file') continue;
        const name = part.filename ?? '';
        if (part.fieldname !== 'files' || !MEDIA_FILE.test(name)) {
          part.file.resume();
          rejected.push({ filename: name, code: 'invalid_media' });
          continue;
        }
        const path = join(incoming, `media-${process.pid}-${randomBytes(8).toString('hex')}.tmp`);
        blobs.push({ key: name, path });
        part.file.on('data', (c: Buffer) => {
          total += c.length;
          if (total > limits.mediaRequest) part.file.destroy(tooLarge(limits.mediaRequest));
        });
        await pipeline(part.file, createWriteStream(path, { flags: 'wx' }));
        if (part.file.truncated) throw tooLarge(limits.mediaFile);
      }
      const stored = await kit.underLease(run, async (lease) => {
        const r = await ctx.ingest.run<MediaStoreResult>(kit.poolKey(project, runId), {
          kind: 'media',
          run: kit.target(run, lease),
          blobs,
        });
        const done = new Set([...r.uploaded, ...r.skipped]);
        const current = (await findRun(ctx, project.id, runId)) ?? run;
        const pending = parseJson<string[]>(current.pending_media, []).filter((k) => !done.has(k));
        const summary = emptySummary();
        if (r.uploaded.length > 0 || pending.length !== parseJson<string[]>(current.pending_media, []).length)
          await kit.publish(current, { pending_media: JSON.stringify(pending) }, summary, false);
        return r;
      });
      const all = [...rejected, ...stored.rejected];
      const results = {
        status: all.length ? 'rejected' : 'uploaded',
        uploaded_count: stored.uploaded.length,
        uploaded_hashes: stored.uploaded.map((k) => k.slice(0, k.indexOf('.'))),
        skipped_count: stored.skipped.length,
        rejected: all,
      };
      if (all.length > 0)
        throw new DetailedApiError(422, 'media_rejected', 'Some files were rejected', { results });
      reply.header('cache-control', 'no-store');
      return { ...results, status: 'uploaded' };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT')
        throw tooLarge(code === 'FST_REQ_FILE_TOO_LARGE' ? limits.mediaFile : limits.mediaRequest);
      throw err;
    } finally {
      for (const b of blobs) rmSync(b.path, { force: true });
    }
  });
}
