/**
 * `POST …/runs/{run_id}/log` (docs/server.md#log-upload): a log sync request of this project's client or
 * of the Python sync worker. The body is read with its limit, parsed and checked in the run's ingest thread
 * (while it arrives, when that thread is idle: docs/server.md#parsing-a-log-body), the run created when it
 * is new, then written under the run's lease; the answer carries the cursors.
 */
import type { FastifyInstance } from 'fastify';
import type { IndexColumns } from '../../index/run-row.js';
import type { Cursors } from '../../ingest/apply-log.js';
import { SharedBody, STREAM_MIN_BYTES } from '../../ingest/body-stream.js';
import type { Rejection } from '../../ingest/log-request.js';
import { ServerBusyError } from '../../ingest/pool.js';
import type { ApplyTaskResult, ParseResult } from '../../ingest/tasks.js';
import { checkKnownRun, createRun, findRun, type UploadProject } from '../../ingest/upload-target.js';
import { apiError, DetailedApiError } from '../api-error.js';
import { announcedLength, readBody, unsupportedType } from '../upload-body.js';
import { contentType, parseJson, serverBusy, type UploadKit } from './upload-kit.js';

const MAX_PENDING_MEDIA = 10_000;
const MAX_MISSING_REPORTED = 1000;
const VISIBLE_COLUMNS: Array<keyof IndexColumns> = [
  'name',
  'annotation',
  'finished_at',
  'status',
  'created_at',
];

export function logRoute(scope: FastifyInstance, kit: UploadKit): void {
  const { ctx, limits } = kit;
  const { config } = ctx;
  scope.post('/api/server/project/:seg/runs/:id/log', async (req, reply) => {
    const timing = new Timing();
    const { p, project, runId } = await kit.begin(req);
    const type = contentType(req);
    if (type !== null && type !== 'application/json')
      throw unsupportedType('as application/json (or without a Content-Type)');
    let known = await findRun(ctx, project.id, runId);
    if (known) checkKnownRun(known, p, null);
    const key = kit.poolKey(project, runId);
    const ticket = ctx.ingest.ticket();
    // A large body goes to an idle ingest thread as it arrives, which parses it meanwhile.
    const announced = announcedLength(req, limits.body);
    let shared: SharedBody | null = null;
    let early: Promise<ParseResult> | null = null;
    if (announced !== null && announced >= STREAM_MIN_BYTES && ctx.ingest.idleFor(key)) {
      shared = new SharedBody(announced);
      early = ctx.ingest.run<ParseResult>(key, {
        kind: 'parse',
        ticket,
        bytes: shared.bytes,
        control: shared.control,
        maxItemBytes: limits.item,
      });
      early.catch(() => undefined);
    }
    const bytes = await readBody(req, limits.body, shared);
    timing.mark('body');
    const receivedAtMs = Date.now();
    let parsed: ParseResult | null = null;
    try {
      if (early) {
        parsed = await early;
        // Server-Timing then shows the time spent before the thread gave up, and the whole parse after it.
        if (!parsed.ok && parsed.code === 'gave_up') timing.mark('parse_gave_up');
      }
      if (parsed === null || (!parsed.ok && parsed.code === 'gave_up')) {
        parsed = await ctx.ingest.run<ParseResult>(
          key,
          { kind: 'parse', ticket, bytes, maxItemBytes: limits.item },
          bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [],
        );
      }
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
      const result = await kit.underLease(run, async (lease) => {
        timing.mark('lease');
        const r = await ctx.ingest.run<ApplyTaskResult>(key, {
          kind: 'apply',
          ticket,
          run: kit.target(run, lease),
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
        await kit.publish(
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
