/**
 * Organizations and their members (docs/server.md#permissions), at the Python server's paths.
 * Roles: owner (everything), admin (adds, removes and re-roles admins, members and viewers, never owners),
 * member, viewer; Python's `super-admin` and `visitor` are accepted as owner and viewer.
 */
import type { FastifyInstance } from 'fastify';
import { checkOrgName } from '../../auth/names.js';
import { audit, createOrganization, ownerByName } from '../../db/accounts.js';
import type { OrgRole } from '../../db/schema.js';
import { apiError, forbidden } from '../api-error.js';
import type { ServerContext } from '../context.js';
import { bodyOf, iso, optStr, requireSession, requireUser, str } from '../guards.js';
import { nameTaken } from './auth.js';

const ROLE_ALIASES: Record<string, OrgRole> = {
  owner: 'owner',
  'super-admin': 'owner',
  admin: 'admin',
  member: 'member',
  viewer: 'viewer',
  visitor: 'viewer',
};

function parseRole(v: unknown): OrgRole {
  const role = typeof v === 'string' ? ROLE_ALIASES[v] : undefined;
  if (!role) throw apiError(400, 'invalid_role', 'Roles are owner, admin, member and viewer');
  return role;
}

const orgNotFound = () => apiError(404, 'not_found', 'Organization not found');
const userNotFound = () => apiError(404, 'not_found', 'User not found');

export function orgRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { db } = ctx;

  async function org(name: string) {
    const o = await ownerByName(db, name);
    if (o?.kind !== 'org') throw orgNotFound();
    const info = await db.k
      .selectFrom('organizations')
      .select('description')
      .where('owner_id', '=', o.id)
      .executeTakeFirst();
    return {
      id: Number(o.id),
      name: o.name,
      createdMs: Number(o.created_ms),
      description: info?.description ?? null,
    };
  }

  async function roleIn(orgId: number, userId: number): Promise<OrgRole | null> {
    const r = await db.k
      .selectFrom('memberships')
      .select('role')
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return r?.role ?? null;
  }

  async function ownerCount(orgId: number): Promise<number> {
    const r = await db.k
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', orgId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  app.post('/api/org/create', async (req) => {
    const p = requireSession(req);
    const b = bodyOf(req);
    const name = checkOrgName(b.name);
    const id = await createOrganization(db, name, optStr(b, 'description'), p.userId).catch(nameTaken);
    ctx.authCache.clear();
    await audit(db, {
      actorId: p.userId,
      action: 'org_create',
      target: name,
      ip: req.ip,
      detail: { org_id: id },
    });
    return { success: true, name };
  });

  app.get('/api/org/users/:username/orgs', async (req) => {
    const p = requireUser(req, 'read');
    const { username } = req.params as { username: string };
    if (p.username !== username && !p.isAdmin) throw forbidden();
    const user = await ownerByName(db, username);
    if (user?.kind !== 'user') throw userNotFound();
    const rows = await db.k
      .selectFrom('memberships')
      .innerJoin('owners', 'owners.id', 'memberships.org_id')
      .leftJoin('organizations', 'organizations.owner_id', 'memberships.org_id')
      .select(['owners.name', 'organizations.description', 'memberships.role', 'memberships.created_ms'])
      .where('memberships.user_id', '=', user.id)
      .orderBy('owners.name')
      .execute();
    return {
      organizations: rows.map((r) => ({
        name: r.name,
        description: r.description,
        role: r.role,
        created_at: iso(r.created_ms),
      })),
    };
  });

  app.get('/api/org/:org', async (req) => {
    const o = await org((req.params as { org: string }).org);
    return { name: o.name, description: o.description, created_at: iso(o.createdMs) };
  });

  app.delete('/api/org/:org', async (req) => {
    const p = requireSession(req);
    const o = await org((req.params as { org: string }).org);
    if (!p.isAdmin && (await roleIn(o.id, p.userId)) !== 'owner') throw forbidden();
    const projects = await db.k
      .selectFrom('projects')
      .select('id')
      .where('owner_id', '=', o.id)
      .limit(1)
      .execute();
    if (projects.length) throw apiError(409, 'org_not_empty', 'The organization still has projects');
    await db.k.deleteFrom('owners').where('id', '=', o.id).execute();
    ctx.authCache.clear();
    await audit(db, { actorId: p.userId, action: 'org_delete', target: o.name, ip: req.ip });
    return { success: true };
  });

  app.get('/api/org/:org/members', async (req) => {
    const p = requireUser(req, 'read');
    const o = await org((req.params as { org: string }).org);
    if (!p.isAdmin && !(await roleIn(o.id, p.userId))) throw forbidden();
    const rows = await db.k
      .selectFrom('memberships')
      .innerJoin('owners', 'owners.id', 'memberships.user_id')
      .select(['owners.name', 'memberships.role', 'memberships.created_ms'])
      .where('memberships.org_id', '=', o.id)
      .orderBy('owners.name')
      .execute();
    return { members: rows.map((r) => ({ user: r.name, role: r.role, created_at: iso(r.created_ms) })) };
  });

  /** Whether the caller may give or take `role` (and change a member whose role is `current`). */
  async function mayChange(
    p: { userId: number; isAdmin: boolean },
    orgId: number,
    current: OrgRole | null,
    next: OrgRole | null,
  ) {
    if (p.isAdmin) return true;
    const mine = await roleIn(orgId, p.userId);
    if (mine === 'owner') return true;
    if (mine === 'admin') return current !== 'owner' && next !== 'owner';
    return false;
  }

  app.post('/api/org/:org/members', async (req) => {
    const p = requireSession(req);
    const o = await org((req.params as { org: string }).org);
    const b = bodyOf(req);
    const role = parseRole(b.role);
    if (!(await mayChange(p, o.id, null, role))) throw forbidden();
    const user = await ownerByName(db, str(b, 'username'));
    if (user?.kind !== 'user') throw userNotFound();
    if (await roleIn(o.id, Number(user.id))) throw apiError(409, 'already_member', 'Already a member');
    await db.k
      .insertInto('memberships')
      .values({ org_id: o.id, user_id: Number(user.id), role, created_ms: Date.now() })
      .execute();
    ctx.authCache.clear();
    await audit(db, {
      actorId: p.userId,
      action: 'member_add',
      target: `${o.name}/${user.name}`,
      ip: req.ip,
      detail: { role },
    });
    return { success: true, message: 'Member added successfully' };
  });

  app.put('/api/org/:org/members/:username', async (req) => {
    const p = requireSession(req);
    const params = req.params as { org: string; username: string };
    const o = await org(params.org);
    const role = parseRole(bodyOf(req).role);
    const user = await ownerByName(db, params.username);
    const current = user ? await roleIn(o.id, Number(user.id)) : null;
    if (!user || !current) throw apiError(404, 'not_found', 'Not a member');
    if (!(await mayChange(p, o.id, current, role))) throw forbidden();
    if (current === 'owner' && role !== 'owner' && (await ownerCount(o.id)) <= 1)
      throw apiError(409, 'last_owner', 'The last owner cannot be changed');
    await db.k
      .updateTable('memberships')
      .set({ role })
      .where('org_id', '=', o.id)
      .where('user_id', '=', Number(user.id))
      .execute();
    ctx.authCache.clear();
    await audit(db, {
      actorId: p.userId,
      action: 'member_role',
      target: `${o.name}/${user.name}`,
      ip: req.ip,
      detail: { role },
    });
    return { success: true, message: 'Member role updated successfully' };
  });

  app.delete('/api/org/:org/members/:username', async (req) => {
    const p = requireSession(req);
    const params = req.params as { org: string; username: string };
    const o = await org(params.org);
    const user = await ownerByName(db, params.username);
    const current = user ? await roleIn(o.id, Number(user.id)) : null;
    if (!user || !current) throw apiError(404, 'not_found', 'Not a member');
    const leaving = Number(user.id) === p.userId;
    if (!leaving && !(await mayChange(p, o.id, current, null))) throw forbidden();
    if (current === 'owner' && (await ownerCount(o.id)) <= 1)
      throw apiError(409, 'last_owner', 'The last owner cannot leave');
    await db.k
      .deleteFrom('memberships')
      .where('org_id', '=', o.id)
      .where('user_id', '=', Number(user.id))
      .execute();
    ctx.authCache.clear();
    await audit(db, {
      actorId: p.userId,
      action: 'member_remove',
      target: `${o.name}/${user.name}`,
      ip: req.ip,
    });
    return { success: true, message: 'Member removed successfully' };
  });
}
