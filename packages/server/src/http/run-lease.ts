/**
 * A run PATCH (rename, annotation) holds the run's lease (docs/server.md#leases) while the read API's handler
 * rewrites metadata.json, so that it never interleaves with another writer of the run in any process.
 */
import type { FastifyInstance } from 'fastify';
import { LeaseBusyError } from '../db/leases.js';
import { isServerRun } from '../index/run-row.js';
import { apiError } from './api-error.js';
import type { ServerContext } from './context.js';

const PATCH_RUN = /^\/api\/projects\/([^/]+)\/runs\/([^/?]+)(\?|$)/;

declare module 'fastify' {
  interface FastifyRequest {
    runLease: { name: string; epoch: number } | null;
  }
}

export function runLeaseForPatch(app: FastifyInstance, ctx: ServerContext): void {
  app.decorateRequest('runLease', null);
  app.addHook('preHandler', async (req) => {
    if (req.method !== 'PATCH') return;
    const m = PATCH_RUN.exec(req.url);
    if (!m) return;
    let seg: string;
    let id: string;
    try {
      seg = decodeURIComponent(m[1]);
      id = decodeURIComponent(m[2]);
    } catch {
      return;
    }
    const run = ctx.index.resolve(ctx.rights.projectKey(req, seg), id);
    // Runs the caller may not write are refused by the handler, exactly as before.
    if (!run || !isServerRun(run) || !ctx.rights.canWriteRun(req.principal, run)) return;
    const name = `run:${run.facts.pk}`;
    try {
      const held = await ctx.leases.acquire(name, { waitMs: 10_000 });
      req.runLease = { name, epoch: held.epoch };
    } catch (err) {
      if (err instanceof LeaseBusyError)
        throw apiError(409, 'run_busy', 'The run is being written', { 'retry-after': '5' });
      throw err;
    }
  });
  app.addHook('onResponse', async (req) => {
    if (req.runLease) await ctx.leases.release(req.runLease.name, req.runLease.epoch).catch(() => undefined);
  });
}
