/**
 * API tokens (docs/server.md#authentication): listed, created (shown once) and revoked by their owner in
 * a signed-in session.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Scope } from '../../access/principal.js';
import { LIMITS } from '../../auth/rate-limit.js';
import { audit } from '../../db/accounts.js';
import { createApiToken, parseScopes } from '../../db/credentials.js';
import { apiError, notFound, rateLimited } from '../api-error.js';
import type { ServerContext } from '../context.js';
import { bodyOf, iso, requireSession, str } from '../guards.js';

export function tokenRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { db } = ctx;

  app.get('/api/auth/tokens', async (req, reply) => {
    const p = requireSession(req);
    const rows = await db.k
      .selectFrom('api_tokens')
      .leftJoin('projects', 'projects.id', 'api_tokens.project_id')
      .leftJoin('owners', 'owners.id', 'projects.owner_id')
      .select([
        'api_tokens.id',
        'api_tokens.name',
        'api_tokens.prefix',
        'api_tokens.scopes',
        'api_tokens.expires_ms',
        'api_tokens.last_used_ms',
        'api_tokens.created_ms',
        'projects.name as project_name',
        'owners.name as owner_name',
      ])
      .where('api_tokens.user_id', '=', p.userId)
      .where('api_tokens.revoked_ms', 'is', null)
      .orderBy('api_tokens.id')
      .execute();
    reply.header('cache-control', 'no-store');
    return {
      tokens: rows.map((t) => ({
        id: Number(t.id),
        name: t.name,
        prefix: t.prefix,
        scopes: [...parseScopes(t.scopes)],
        project: t.project_name ? `${t.owner_name}/${t.project_name}` : null,
        expires_at: iso(t.expires_ms),
        last_used: iso(t.last_used_ms),
        created_at: iso(t.created_ms),
      })),
    };
  });

  const create = async (req: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const p = requireSession(req);
    const b = bodyOf(req);
    const name = str(b, 'name').trim();
    if (name === '' || name.length > 100)
      throw apiError(400, 'invalid_body', '"name" must be 1–100 characters');
    let scopes: Scope[] = ['read', 'write'];
    if (b.scopes !== undefined && b.scopes !== null) {
      if (
        !Array.isArray(b.scopes) ||
        b.scopes.length === 0 ||
        b.scopes.some((s) => s !== 'read' && s !== 'write')
      )
        throw apiError(400, 'invalid_body', '"scopes" must be a non-empty list of read and write');
      scopes = [...new Set(b.scopes as Scope[])];
    }
    let projectId: number | null = null;
    let projectKey: string | null = null;
    if (b.project !== undefined && b.project !== null) {
      const project = typeof b.project === 'string' ? ctx.index.project(b.project) : null;
      // Only a project the user can read: others are not revealed.
      if (!project || !ctx.rights.canReadProjectEntry(p, project))
        throw apiError(404, 'project_not_found', 'Project not found');
      projectId = project.id;
      projectKey = project.key;
    }
    let days: number | null = ctx.config.tokenExpireDays === 0 ? null : ctx.config.tokenExpireDays;
    if ('expires_in_days' in b) {
      const v = b.expires_in_days;
      if (v === null) days = null;
      else if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 3650) days = v;
      else throw apiError(400, 'invalid_body', '"expires_in_days" must be 1–3650 or null');
    }
    const limit = await ctx.limiter.hit(LIMITS.tokensUser, String(p.userId));
    if (limit.exceeded) throw rateLimited(limit.retryAfterS);
    const expiresMs = days === null ? null : Date.now() + days * 86_400_000;
    const t = await createApiToken(db, { userId: p.userId, name, scopes, projectId, expiresMs });
    await audit(db, {
      actorId: p.userId,
      action: 'token_create',
      target: name,
      ip: req.ip,
      detail: { token_id: t.id, scopes },
    });
    reply.header('cache-control', 'no-store');
    return {
      success: true,
      token: t.token,
      token_id: t.id,
      prefix: t.prefix,
      scopes,
      project: projectKey,
      expires_at: iso(expiresMs),
      message: "Token created. Save it now: it won't be shown again.",
    };
  };
  app.post('/api/auth/tokens/create', create);
  app.post('/api/auth/tokens', create);

  app.delete<{ Params: { id: string } }>('/api/auth/tokens/:id', async (req) => {
    const p = requireSession(req);
    const id = Number(req.params.id);
    if (!Number.isSafeInteger(id)) throw notFound('Token not found');
    const r = await db.k
      .updateTable('api_tokens')
      .set({ revoked_ms: Date.now() })
      .where('id', '=', id)
      .where('user_id', '=', p.userId)
      .where('revoked_ms', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw notFound('Token not found');
    ctx.authCache.clear();
    await audit(db, { actorId: p.userId, action: 'token_revoke', target: String(id), ip: req.ip });
    return { success: true, message: 'Token revoked successfully' };
  });
}
