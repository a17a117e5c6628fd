/**
 * Health, readiness and the system info the UI reads first (docs/server.md#read-api).
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FEATURES } from 'kohakuboard/read-api';
import { sql } from 'kysely';
import { migrationsCurrent } from '../../db/database.js';
import { VERSION } from '../../version.js';
import type { ServerContext } from '../context.js';

export const SERVER_FEATURES = [...FEATURES, 'auth', 'tokens', 'orgs', 'visibility'];

export function systemInfo(ctx: ServerContext, req: FastifyRequest): object {
  const p = req.principal;
  return {
    mode: 'remote',
    require_auth: !ctx.config.noAuth,
    version: VERSION,
    api_version: 2,
    features: SERVER_FEATURES,
    registration: ctx.config.registration,
    anonymous_read: !ctx.config.noAnonymous,
    no_auth: ctx.config.noAuth,
    user: p ? { username: p.username, is_admin: p.isAdmin } : null,
  };
}

export function systemRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/health', async () => ({ status: 'healthy', mode: 'remote' }));
  app.get('/health/ready', async (_req, reply) => {
    let reason: string | null = null;
    try {
      await sql`select 1`.execute(ctx.db.k);
      if (!(await migrationsCurrent(ctx.db))) reason = 'migrations_pending';
    } catch {
      reason = 'database_unavailable';
    }
    if (!reason) {
      try {
        const incoming = join(ctx.index.dataDir, '.kobo', 'incoming');
        mkdirSync(incoming, { recursive: true });
        accessSync(incoming, constants.W_OK);
      } catch {
        reason = 'incoming_not_writable';
      }
    }
    if (reason) return reply.code(503).send({ status: 'not_ready', reason });
    return { status: 'ready' };
  });
}
