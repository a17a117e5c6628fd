/**
 * Site administration (docs/server.md#permissions): users, invites, password resets, a rescan of the data
 * dir and the audit log. Session only, site admins only.
 */
import type { FastifyInstance } from 'fastify';
import { checkEmail, checkPassword, checkUsername } from '../../auth/names.js';
import { hashPassword } from '../../auth/passwords.js';
import { activeAdminCount, audit, createUser, ownerByName } from '../../db/accounts.js';
import { createOneTimeToken, endSessions } from '../../db/credentials.js';
import { apiError } from '../api-error.js';
import type { ServerContext } from '../context.js';
import { bodyOf, iso, optBool, optInt, optStr, requireAdmin } from '../guards.js';
import { nameTaken } from './auth.js';

export function adminRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { db } = ctx;
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.url.startsWith('/api/admin') || req.url.startsWith('/api/auth'))
      reply.header('cache-control', 'no-store');
    return payload;
  });

  app.get('/api/admin/users', async (req) => {
    requireAdmin(req);
    const q = req.query as { q?: string; offset?: string; limit?: string };
    const offset = Math.max(0, Number(q.offset ?? 0) || 0);
    const limit = Math.min(1000, Math.max(1, Number(q.limit ?? 100) || 100));
    let query = db.k.selectFrom('users').innerJoin('owners', 'owners.id', 'users.owner_id');
    if (q.q) query = query.where('owners.name', 'like', `%${q.q.toLowerCase().replace(/[%_\\]/g, '')}%`);
    const total = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await query
      .select([
        'owners.name',
        'users.email',
        'users.is_admin',
        'users.is_active',
        'owners.created_ms',
        'users.last_login_ms',
      ])
      .orderBy('owners.name')
      .offset(offset)
      .limit(limit)
      .execute();
    return {
      users: rows.map((r) => ({
        username: r.name,
        email: r.email,
        is_admin: r.is_admin === 1,
        is_active: r.is_active === 1,
        created_at: iso(r.created_ms),
        last_login_at: iso(r.last_login_ms),
      })),
      total: Number(total.n),
    };
  });

  app.post('/api/admin/users', async (req, reply) => {
    const p = requireAdmin(req);
    const b = bodyOf(req);
    const username = checkUsername(b.username);
    const email = b.email ? checkEmail(b.email) : null;
    const password =
      b.password === undefined || b.password === null ? null : checkPassword(b.password, username);
    const isAdmin = optBool(b, 'is_admin') ?? false;
    await createUser(db, {
      username,
      email,
      passwordHash: password ? await hashPassword(password) : null,
      isAdmin,
      emailVerified: true,
    }).catch(nameTaken);
    await audit(db, {
      actorId: p.userId,
      action: 'admin_user_create',
      target: username,
      ip: req.ip,
      detail: { admin: isAdmin },
    });
    return reply.code(201).send({ success: true, username });
  });

  app.patch('/api/admin/users/:u', async (req) => {
    const p = requireAdmin(req);
    const b = bodyOf(req);
    const owner = await ownerByName(db, (req.params as { u: string }).u);
    if (owner?.kind !== 'user') throw apiError(404, 'not_found', 'User not found');
    const set: { is_active?: number; is_admin?: number } = {};
    const active = optBool(b, 'is_active');
    const admin = optBool(b, 'is_admin');
    if (active !== null) set.is_active = active ? 1 : 0;
    if (admin !== null) set.is_admin = admin ? 1 : 0;
    if (Object.keys(set).length === 0) throw apiError(400, 'no_update_fields', 'No update fields provided');
    const current = await db.k
      .selectFrom('users')
      .select(['is_admin', 'is_active'])
      .where('owner_id', '=', owner.id)
      .executeTakeFirstOrThrow();
    const losesAdmin =
      current.is_admin === 1 && current.is_active === 1 && (set.is_admin === 0 || set.is_active === 0);
    if (losesAdmin && (await activeAdminCount(db)) <= 1)
      throw apiError(409, 'last_admin', 'The last active admin cannot be removed');
    await db.k.updateTable('users').set(set).where('owner_id', '=', owner.id).execute();
    if (set.is_active === 0) await endSessions(db, Number(owner.id));
    ctx.authCache.clear();
    await audit(db, {
      actorId: p.userId,
      action: 'admin_user_update',
      target: owner.name,
      ip: req.ip,
      detail: set,
    });
    return { success: true };
  });

  app.post('/api/admin/users/:u/password-reset', async (req) => {
    const p = requireAdmin(req);
    const owner = await ownerByName(db, (req.params as { u: string }).u);
    if (owner?.kind !== 'user') throw apiError(404, 'not_found', 'User not found');
    const expiresMs = Date.now() + 24 * 3_600_000;
    const t = await createOneTimeToken(db, {
      purpose: 'password_reset',
      userId: Number(owner.id),
      expiresMs,
      createdBy: p.userId,
    });
    await audit(db, { actorId: p.userId, action: 'admin_password_reset', target: owner.name, ip: req.ip });
    return { url: `${ctx.config.baseUrl}/reset-password?token=${t.token}`, expires_at: iso(expiresMs) };
  });

  app.post('/api/admin/invites', async (req) => {
    const p = requireAdmin(req);
    // Registration `closed` takes only invites of the command line (docs/server.md#registration).
    if (ctx.config.registration === 'closed')
      throw apiError(
        409,
        'registration_closed',
        'Registration is closed: an invite made here could not be used. Create the account with POST /api/admin/users or kobo-serve create-user, or an invite with kobo-serve create-invite',
      );
    const b = bodyOf(req);
    const hours = optInt(b, 'expires_in_hours', 1, 24 * 365) ?? 72;
    const email = optStr(b, 'email');
    const expiresMs = Date.now() + hours * 3_600_000;
    const t = await createOneTimeToken(db, {
      purpose: 'invite',
      isAdmin: optBool(b, 'is_admin') ?? false,
      email: email ? checkEmail(email) : null,
      expiresMs,
      createdBy: p.userId,
    });
    await audit(db, { actorId: p.userId, action: 'invite_create', target: String(t.id), ip: req.ip });
    return { url: `${ctx.config.baseUrl}/register?invite=${t.token}`, expires_at: iso(expiresMs), id: t.id };
  });

  app.get('/api/admin/invites', async (req) => {
    requireAdmin(req);
    const rows = await db.k
      .selectFrom('one_time_tokens')
      .select(['id', 'email', 'is_admin', 'expires_ms', 'used_ms'])
      .where('purpose', 'in', ['invite', 'operator_invite'])
      .orderBy('id', 'desc')
      .execute();
    return {
      invites: rows.map((r) => ({
        id: Number(r.id),
        email: r.email,
        is_admin: r.is_admin === 1,
        expires_at: iso(r.expires_ms),
        used_at: iso(r.used_ms),
      })),
    };
  });

  app.delete('/api/admin/invites/:id', async (req) => {
    const p = requireAdmin(req);
    const id = Number((req.params as { id: string }).id);
    const r = await db.k
      .deleteFrom('one_time_tokens')
      .where('id', '=', Number.isSafeInteger(id) ? id : -1)
      .where('purpose', 'in', ['invite', 'operator_invite'])
      .executeTakeFirst();
    if (Number(r.numDeletedRows) !== 1) throw apiError(404, 'not_found', 'Invite not found');
    await audit(db, { actorId: p.userId, action: 'invite_delete', target: String(id), ip: req.ip });
    return { success: true };
  });

  app.post('/api/admin/rescan', async (req, reply) => {
    requireAdmin(req);
    ctx.rescan();
    return reply.code(202).send({ success: true });
  });

  app.get('/api/admin/audit', async (req) => {
    requireAdmin(req);
    const rows = await db.k
      .selectFrom('audit_events')
      .leftJoin('owners', 'owners.id', 'audit_events.actor_id')
      .select([
        'audit_events.id',
        'audit_events.at_ms',
        'owners.name',
        'audit_events.action',
        'audit_events.target',
        'audit_events.ip',
        'audit_events.detail',
      ])
      .orderBy('audit_events.id', 'desc')
      .limit(500)
      .execute();
    return {
      events: rows.map((r) => ({
        id: Number(r.id),
        at: iso(r.at_ms),
        actor: r.name,
        action: r.action,
        target: r.target,
        ip: r.ip,
        detail: JSON.parse(r.detail) as unknown,
      })),
    };
  });
}
