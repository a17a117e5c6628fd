/**
 * Uploads (docs/server.md#uploads): `POST …/runs/{run_id}/log` (a log sync request of this project's
 * client or of the Python sync worker), `POST …/runs/{run_id}/media` (multipart blobs) and
 * `PUT …/runs/{run_id}/logs/{file}` (a raw log file). Reached through the URL rewrite of project-urls.ts
 * under `/api/server/project/{P}/runs/{run_id}/…`.
 *
 * Every upload checks the caller (write scope, write right) before it reads the body, holds the run's lease
 * while it writes (one writer per run across processes), and writes in the ingest threads, never on the
 * event loop. Errors raised before writing apply nothing.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../../access/principal.js';
import { addChange } from '../../db/catalog.js';
import { type HeldLease, LeaseBusyError } from '../../db/leases.js';
import type { RunRow } from '../../db/schema.js';
import type { IndexColumns } from '../../index/run-row.js';
import { type Cursors, emptySummary, type RunDataSummary } from '../../ingest/apply-log.js';
import type { Rejection } from '../../ingest/log-request.js';
import type { IncomingBlob, MediaStoreResult } from '../../ingest/media-store.js';
import { ServerBusyError } from '../../ingest/pool.js';
import type { ApplyTaskResult, ParseResult, RunTarget } from '../../ingest/tasks.js';
import {
  checkKnownRun,
  checkRunId,
  createRun,
  existingRun,
  findRun,
  runDirOf,
  type UploadProject,
  uploadProject,
} from '../../ingest/upload-target.js';
import { apiError, DetailedApiError, rateLimited } from '../api-error.js';
import type { ServerContext } from '../context.js';
import { requireUser } from '../guards.js';
import { bodyToFile, MB, readBody, tooLarge, unsupportedType } from '../upload-body.js';

export const LOG_FILES = [
  'output.log',
  'board.log',
  'writer.log',
  'sync_worker.log',
  'storage.log',
  'media.log',
];
const MEDIA_FILE = /^[0-9a-z]{22}\.[0-9a-z]{1,8}$/;
const MAX_MEDIA_FILES = 1000;
const MAX_PENDING_MEDIA = 10_000;
const MAX_MISSING_REPORTED = 1000;

interface Params {
  seg: string;
  id: string;
  file?: string;
}

const runBusy = () => apiError(409, 'run_busy', 'The run is being written', { 'retry-after': '5' });
const serverBusy = () =>
  apiError(503, 'server_busy', 'The server is busy; try again', { 'retry-after': '5' });

function contentType(req: FastifyRequest): string | null {
  const t = req.headers['content-type'];
  return typeof t === 'string' ? t.split(';')[0].trim().toLowerCase() : null;
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

const VISIBLE_COLUMNS: Array<keyof IndexColumns> = [
  'name',
  'annotation',
  'finished_at',
  'status',
  'created_at',
];

export function uploadRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { config, db, index, leases } = ctx;
  const limits = {
    body: config.limits.syncBodyMb * MB,
    item: config.limits.itemMb * MB,
    mediaFile: config.limits.mediaFileMb * MB,
    mediaRequest: config.limits.mediaRequestMb * MB,
    logFile: config.limits.logFileMb * MB,
  };
  const incoming = join(index.dataDir, '.kobo', 'incoming');
  const journal = config.sharedDataDir ? 'delete' : 'wal';

  /** Caller, scope, rate and names: everything that needs no body. */
  async function begin(
    req: FastifyRequest,
  ): Promise<{ p: Principal; project: UploadProject; runId: string }> {
    const p = requireUser(req, 'write');
    const wait = ctx.ingestRate.take(p.tokenId !== null ? `t:${p.tokenId}` : `u:${p.userId}`);
    if (wait > 0) throw rateLimited(wait);
    const { seg, id } = req.params as Params;
    const runId = checkRunId(id);
    const project = await uploadProject(ctx, p, seg, (bare) => `${p.username}/${bare}`);
    return { p, project, runId };
  }

  const poolKey = (project: UploadProject, runId: string) =>
    `${project.key.toLowerCase()}/${runId.toLowerCase()}`;

  /** Runs `work` under the run's lease (409 run_busy when another process keeps it for 10 s). */
  async function underLease<T>(run: RunRow, work: (lease: HeldLease) => Promise<T>): Promise<T> {
    try {
      return await leases.withLease(`run:${run.id}`, { waitMs: 10_000 }, async (lease) => {
        const out = await work(lease);
        if (lease.signal.aborted)
          throw apiError(503, 'ingest_failed', 'The run lease was lost while writing; send again', {
            'retry-after': '5',
          });
        return out;
      });
    } catch (err) {
      if (err instanceof LeaseBusyError) throw runBusy();
      if (err instanceof ServerBusyError) throw serverBusy();
      throw err;
    }
  }

  const target = (run: RunRow, lease: HeldLease): RunTarget => ({
    dataDir: index.dataDir,
    dir: runDirOf(ctx, run),
    journal,
    foreign: lease.foreignSinceLast,
  });

  async function publish(
    run: RunRow,
    set: Partial<RunRow>,
    summary: RunDataSummary,
    visibleChange: boolean,
  ): Promise<void> {
    await db.k.transaction().execute(async (tx) => {
      await tx
        .updateTable('runs')
        .set((eb) => ({ ...set, data_version: eb('data_version', '+', 1) }))
        .where('id', '=', run.id)
        .execute();
      if (visibleChange) await addChange(tx, run.id, 'updated');
      await addChange(tx, run.id, 'data', summary);
    });
    void index.poll();
  }

  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // Bodies are read by the handlers themselves, with their limits.
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
    await scope.register(fastifyMultipart, {
      limits: {
        fileSize: limits.mediaFile,
        files: MAX_MEDIA_FILES,
        fields: 16,
        fieldSize: 64 * 1024,
        parts: MAX_MEDIA_FILES + 16,
      },
    });

    scope.post('/api/server/project/:seg/runs/:id/log', async (req, reply) => {
      const timing = new Timing();
      const { p, project, runId } = await begin(req);
      const type = contentType(req);
      if (type !== null && type !== 'application/json')
        throw unsupportedType('as application/json (or without a Content-Type)');
      let known = await findRun(ctx, project.id, runId);
      if (known) checkKnownRun(known, p, null);
      const bytes = await readBody(req, limits.body);
      timing.mark('body');
      const receivedAtMs = Date.now();
      const key = poolKey(project, runId);
      const ticket = ctx.ingest.ticket();
      let parsed: ParseResult;
      try {
        parsed = await ctx.ingest.run<ParseResult>(
          key,
          { kind: 'parse', ticket, bytes, maxItemBytes: limits.item },
          [bytes.buffer as ArrayBuffer],
        );
      } catch (err) {
        if (err instanceof ServerBusyError) throw serverBusy();
        throw err;
      }
      timing.mark('parse');
      if (!parsed.ok)
        throw apiError(400, parsed.code === 'too_deep' ? 'too_deep' : 'invalid_body', parsed.message);
      let applied = false;
      try {
        let created = false;
        if (known) checkKnownRun(known, p, parsed.createdAt);
        else {
          if (!parsed.hasMetadata)
            throw apiError(400, 'metadata_required', 'The first upload of a run must carry its metadata');
          const c = await createRun(
            ctx,
            p,
            project,
            runId,
            { createdAt: parsed.createdAt, annotation: parsed.annotation, name: parsed.name },
            (m) => req.log.error(m),
          );
          known = c.run;
          created = c.created;
        }
        const run = known;
        timing.mark('run');
        const result = await underLease(run, async (lease) => {
          timing.mark('lease');
          const r = await ctx.ingest.run<ApplyTaskResult>(key, {
            kind: 'apply',
            ticket,
            run: target(run, lease),
            receivedAtMs,
            staleAfterMs: config.staleAfterS * 1000,
          });
          applied = true;
          timing.mark('write');
          if (!r.ok) {
            const status = r.code === 'no_space' ? 507 : 503;
            throw new DetailedApiError(
              status,
              status === 507 ? 'insufficient_storage' : 'ingest_failed',
              `Storing the upload failed (${r.message}); what was committed stays, sending again is safe`,
              { applied: r.applied },
              { 'retry-after': '10' },
            );
          }
          const current = (await findRun(ctx, project.id, runId)) ?? run;
          const pendingBefore = parseJson<string[]>(current.pending_media, []);
          const pending = [...new Set([...pendingBefore, ...r.missingMedia])].slice(0, MAX_PENDING_MEDIA);
          const visible = VISIBLE_COLUMNS.some((k) => r.index[k] !== current[k]);
          await publish(
            current,
            {
              ...r.index,
              pending_media: JSON.stringify(pending),
              fingerprint: current.fingerprint ?? parsed.createdAt,
            },
            r.summary,
            visible && !created,
          );
          return { r, current, pending };
        });
        const { r, current, pending } = result;
        timing.mark('db');
        reply.header('server-timing', timing.header(reply.elapsedTime));
        const missingHashes = [
          ...new Set([...r.missingMedia, ...pending].map((k) => k.slice(0, k.indexOf('.')))),
        ];
        return uploadAnswer(
          parsed.syncRange,
          project,
          runId,
          created,
          r.cursors,
          r.rejected,
          missingHashes.slice(0, MAX_MISSING_REPORTED),
          parseJson<Record<string, string>>(current.log_hashes, {}),
        );
      } finally {
        if (!applied) void ctx.ingest.run(key, { kind: 'discard', ticket }).catch(() => undefined);
      }
    });

    scope.post('/api/server/project/:seg/runs/:id/media', async (req, reply) => {
      const { p, project, runId } = await begin(req);
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
        const stored = await underLease(run, async (lease) => {
          const r = await ctx.ingest.run<MediaStoreResult>(poolKey(project, runId), {
            kind: 'media',
            run: target(run, lease),
            blobs,
          });
          const done = new Set([...r.uploaded, ...r.skipped]);
          const current = (await findRun(ctx, project.id, runId)) ?? run;
          const pending = parseJson<string[]>(current.pending_media, []).filter((k) => !done.has(k));
          const summary = emptySummary();
          if (
            r.uploaded.length > 0 ||
            pending.length !== parseJson<string[]>(current.pending_media, []).length
          )
            await publish(current, { pending_media: JSON.stringify(pending) }, summary, false);
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

    scope.put('/api/server/project/:seg/runs/:id/logs/:file', async (req, reply) => {
      const { p, project, runId } = await begin(req);
      const file = (req.params as Params).file ?? '';
      if (!LOG_FILES.includes(file))
        throw apiError(400, 'invalid_log_filename', `Log files are ${LOG_FILES.join(', ')}`);
      const type = contentType(req);
      if (type !== null && type !== 'application/octet-stream' && type !== 'text/plain')
        throw unsupportedType('as application/octet-stream or text/plain');
      const run = await existingRun(ctx, p, project, runId);
      await mkdir(incoming, { recursive: true });
      const body = await bodyToFile(req, incoming, limits.logFile);
      try {
        await underLease(run, async () => {
          const logs = join(runDirOf(ctx, run), 'logs');
          await mkdir(logs, { recursive: true });
          await rename(body.path, join(logs, file));
          const current = (await findRun(ctx, project.id, runId)) ?? run;
          const hashes = {
            ...parseJson<Record<string, string>>(current.log_hashes, {}),
            [file]: body.sha256,
          };
          const summary = emptySummary();
          summary.logs[file] = body.size;
          await publish(
            current,
            { log_hashes: JSON.stringify(hashes), last_activity_ms: Date.now() },
            summary,
            false,
          );
        });
      } finally {
        await rm(body.path, { force: true });
      }
      reply.header('cache-control', 'no-store');
      return { status: 'success', filename: file, size: body.size, hash: body.sha256 };
    });
  });
}

/** Server-Timing of an upload: where its time went, stage by stage, and the whole (`app`). */
class Timing {
  private last = performance.now();
  private readonly parts: string[] = [];
  mark(stage: string): void {
    const now = performance.now();
    this.parts.push(`${stage};dur=${(now - this.last).toFixed(1)}`);
    this.last = now;
  }
  header(totalMs: number): string {
    return [`app;dur=${totalMs.toFixed(1)}`, ...this.parts].join(', ');
  }
}

function uploadAnswer(
  syncRange: { start_step: number; end_step: number },
  project: UploadProject,
  runId: string,
  created: boolean,
  cursors: Cursors,
  rejected: Rejection[],
  missingMedia: string[],
  logHashes: Record<string, string>,
) {
  return {
    status: rejected.length ? 'partial' : 'synced',
    synced_range: syncRange,
    log_hashes: logHashes,
    missing_media: missingMedia,
    errors: rejected.length
      ? rejected.map(
          (r) =>
            `${r.source}${r.name !== null ? ` "${r.name}"` : ''}${r.index !== null ? ` #${r.index}` : ''}: ${r.message}`,
        )
      : null,
    run: { project: project.key, run_id: runId, created },
    cursors,
    rejected,
  };
}
