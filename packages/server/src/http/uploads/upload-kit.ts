/**
 * What the three upload routes share (docs/server.md#uploads): the limits, the caller's checks before any
 * body is read (write scope, the --ingest-rate bucket, names, the project's rights), the run's lease around
 * the writing, where a run's ingest thread and files are, and the run row's update with its change.
 */
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../../access/principal.js';
import { addChange } from '../../db/catalog.js';
import { type HeldLease, LeaseBusyError } from '../../db/leases.js';
import type { RunRow } from '../../db/schema.js';
import type { RunDataSummary } from '../../ingest/apply-log.js';
import { ServerBusyError } from '../../ingest/pool.js';
import type { RunTarget } from '../../ingest/tasks.js';
import { checkRunId, runDirOf, type UploadProject, uploadProject } from '../../ingest/upload-target.js';
import { apiError, rateLimited } from '../api-error.js';
import type { ServerContext } from '../context.js';
import { requireUser } from '../guards.js';
import { MB } from '../upload-body.js';

export interface UploadParams {
  seg: string;
  id: string;
  file?: string;
}

export const runBusy = () => apiError(409, 'run_busy', 'The run is being written', { 'retry-after': '5' });
export const serverBusy = () =>
  apiError(503, 'server_busy', 'The server is busy; try again', { 'retry-after': '5' });

/** The media type of a request without its parameters, lower-cased; null without a Content-Type. */
export function contentType(req: FastifyRequest): string | null {
  const t = req.headers['content-type'];
  return typeof t === 'string' ? t.split(';')[0].trim().toLowerCase() : null;
}

export function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export class UploadKit {
  readonly limits;
  /** Where bodies are streamed before they are stored (same file system: atomic renames). */
  readonly incoming: string;
  private readonly journal: 'wal' | 'delete';

  constructor(readonly ctx: ServerContext) {
    const l = ctx.config.limits;
    this.limits = {
      body: l.syncBodyMb * MB,
      item: l.itemMb * MB,
      mediaFile: l.mediaFileMb * MB,
      mediaRequest: l.mediaRequestMb * MB,
      logFile: l.logFileMb * MB,
    };
    this.incoming = join(ctx.index.dataDir, '.kobo', 'incoming');
    this.journal = ctx.config.sharedDataDir ? 'delete' : 'wal';
  }

  /** Caller, scope, rate and names: everything that needs no body. */
  async begin(req: FastifyRequest): Promise<{ p: Principal; project: UploadProject; runId: string }> {
    const p = requireUser(req, 'write');
    const wait = this.ctx.ingestRate.take(p.tokenId !== null ? `t:${p.tokenId}` : `u:${p.userId}`);
    if (wait > 0) throw rateLimited(wait);
    const { seg, id } = req.params as UploadParams;
    const runId = checkRunId(id);
    const project = await uploadProject(this.ctx, p, seg, (bare) => `${p.username}/${bare}`);
    return { p, project, runId };
  }

  /** The ingest thread of a run: the same for every upload of it, known before the run exists. */
  poolKey(project: UploadProject, runId: string): string {
    return `${project.key.toLowerCase()}/${runId.toLowerCase()}`;
  }

  /** Runs `work` under the run's lease (409 run_busy when another process keeps it for 10 s). */
  async underLease<T>(run: RunRow, work: (lease: HeldLease) => Promise<T>): Promise<T> {
    try {
      return await this.ctx.leases.withLease(`run:${run.id}`, { waitMs: 10_000 }, async (lease) => {
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

  /** The run as an ingest thread writes it, under `lease`. */
  target(run: RunRow, lease: HeldLease): RunTarget {
    return {
      dataDir: this.ctx.index.dataDir,
      dir: runDirOf(this.ctx, run),
      journal: this.journal,
      foreign: lease.foreignSinceLast,
    };
  }

  /** Updates the run row (data_version + 1) and adds its `data` change (and an `updated` one when asked). */
  async publish(
    run: RunRow,
    set: Partial<RunRow>,
    summary: RunDataSummary,
    visibleChange: boolean,
  ): Promise<void> {
    await this.ctx.db.k.transaction().execute(async (tx) => {
      await tx
        .updateTable('runs')
        .set((eb) => ({ ...set, data_version: eb('data_version', '+', 1) }))
        .where('id', '=', run.id)
        .execute();
      if (visibleChange) await addChange(tx, run.id, 'updated');
      await addChange(tx, run.id, 'data', summary);
    });
    void this.ctx.index.poll();
  }
}
