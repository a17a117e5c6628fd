/**
 * Users, organizations and memberships: the queries of the accounts routes and of authentication.
 */
import type { Principal, Scope } from '../access/principal.js';
import { emailKey, ownerNameKey } from '../auth/names.js';
import type { Database } from './database.js';
import type { OrgRole } from './schema.js';

export interface UserRecord {
  id: number;
  username: string;
  email: string | null;
  emailVerifiedMs: number | null;
  passwordHash: string | null;
  isAdmin: boolean;
  isActive: boolean;
  createdMs: number;
  lastLoginMs: number | null;
}

export class NameTakenError extends Error {
  constructor(readonly field: 'name' | 'email') {
    super(field === 'name' ? 'name taken' : 'email taken');
  }
}

function userSelect(db: Database) {
  return db.k
    .selectFrom('users')
    .innerJoin('owners', 'owners.id', 'users.owner_id')
    .select([
      'owners.id as id',
      'owners.name as username',
      'owners.created_ms as created_ms',
      'users.email',
      'users.email_verified_ms',
      'users.password_hash',
      'users.is_admin',
      'users.is_active',
      'users.last_login_ms',
    ]);
}

type UserRow = {
  id: number;
  username: string;
  created_ms: number;
  email: string | null;
  email_verified_ms: number | null;
  password_hash: string | null;
  is_admin: number;
  is_active: number;
  last_login_ms: number | null;
};

function toUser(r: UserRow): UserRecord {
  return {
    id: Number(r.id),
    username: r.username,
    email: r.email,
    emailVerifiedMs: r.email_verified_ms,
    passwordHash: r.password_hash,
    isAdmin: r.is_admin === 1,
    isActive: r.is_active === 1,
    createdMs: Number(r.created_ms),
    lastLoginMs: r.last_login_ms,
  };
}

export async function userByName(db: Database, username: string): Promise<UserRecord | null> {
  const r = await userSelect(db).where('owners.name', '=', username).executeTakeFirst();
  return r ? toUser(r) : null;
}

export async function userById(db: Database, id: number): Promise<UserRecord | null> {
  const r = await userSelect(db).where('owners.id', '=', id).executeTakeFirst();
  return r ? toUser(r) : null;
}

/** Login takes a username or an email. */
export async function userByLogin(db: Database, login: string): Promise<UserRecord | null> {
  if (login.includes('@')) {
    const r = await userSelect(db).where('users.email_key', '=', emailKey(login)).executeTakeFirst();
    return r ? toUser(r) : null;
  }
  return userByName(db, login.toLowerCase());
}

export async function ownerByName(db: Database, name: string) {
  return db.k.selectFrom('owners').selectAll().where('name', '=', name).executeTakeFirst();
}

export interface NewUser {
  username: string;
  email?: string | null;
  passwordHash: string | null;
  isAdmin?: boolean;
  emailVerified?: boolean;
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (
    e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint/i.test(e.message ?? '')
  );
}

export async function createUser(db: Database, u: NewUser): Promise<number> {
  const now = Date.now();
  try {
    return await db.k.transaction().execute(async (tx) => {
      const taken = await tx
        .selectFrom('owners')
        .select('id')
        .where((eb) => eb.or([eb('name', '=', u.username), eb('name_key', '=', ownerNameKey(u.username))]))
        .executeTakeFirst();
      if (taken) throw new NameTakenError('name');
      if (u.email) {
        const e = await tx
          .selectFrom('users')
          .select('owner_id')
          .where('email_key', '=', emailKey(u.email))
          .executeTakeFirst();
        if (e) throw new NameTakenError('email');
      }
      const owner = await tx
        .insertInto('owners')
        .values({ kind: 'user', name: u.username, name_key: ownerNameKey(u.username), created_ms: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await tx
        .insertInto('users')
        .values({
          owner_id: Number(owner.id),
          email: u.email ?? null,
          email_key: u.email ? emailKey(u.email) : null,
          email_verified_ms: u.emailVerified ? now : null,
          password_hash: u.passwordHash,
          is_admin: u.isAdmin ? 1 : 0,
          is_active: 1,
          last_login_ms: null,
        })
        .execute();
      return Number(owner.id);
    });
  } catch (err) {
    if (err instanceof NameTakenError) throw err;
    if (isUniqueViolation(err)) throw new NameTakenError(/email/i.test(String(err)) ? 'email' : 'name');
    throw err;
  }
}

export async function createOrganization(
  db: Database,
  name: string,
  description: string | null,
  creatorId: number,
): Promise<number> {
  const now = Date.now();
  try {
    return await db.k.transaction().execute(async (tx) => {
      const taken = await tx
        .selectFrom('owners')
        .select('id')
        .where((eb) => eb.or([eb('name', '=', name), eb('name_key', '=', ownerNameKey(name))]))
        .executeTakeFirst();
      if (taken) throw new NameTakenError('name');
      const owner = await tx
        .insertInto('owners')
        .values({ kind: 'org', name, name_key: ownerNameKey(name), created_ms: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      const id = Number(owner.id);
      await tx.insertInto('organizations').values({ owner_id: id, description }).execute();
      await tx
        .insertInto('memberships')
        .values({ org_id: id, user_id: creatorId, role: 'owner', created_ms: now })
        .execute();
      return id;
    });
  } catch (err) {
    if (err instanceof NameTakenError) throw err;
    if (isUniqueViolation(err)) throw new NameTakenError('name');
    throw err;
  }
}

export async function rolesOf(db: Database, userId: number): Promise<Map<number, OrgRole>> {
  const rows = await db.k
    .selectFrom('memberships')
    .select(['org_id', 'role'])
    .where('user_id', '=', userId)
    .execute();
  return new Map(rows.map((r) => [Number(r.org_id), r.role]));
}

export async function activeAdminCount(db: Database): Promise<number> {
  const r = await db.k
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('is_admin', '=', 1)
    .where('is_active', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** A principal for a user (roles loaded). */
export async function principalFor(
  db: Database,
  user: { id: number; username: string; isAdmin: boolean },
  via: Principal['via'],
  extra: {
    scopes?: ReadonlySet<Scope>;
    projectId?: number | null;
    sessionIdHash?: string | null;
    tokenId?: number | null;
  } = {},
): Promise<Principal> {
  return {
    userId: user.id,
    username: user.username,
    isAdmin: user.isAdmin,
    via,
    scopes: extra.scopes ?? new Set(['read', 'write']),
    projectId: extra.projectId ?? null,
    roles: await rolesOf(db, user.id),
    sessionIdHash: extra.sessionIdHash ?? null,
    tokenId: extra.tokenId ?? null,
  };
}

export async function setSetting(db: Database, key: string, value: string): Promise<void> {
  await db.k
    .insertInto('settings')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

export async function getSetting(db: Database, key: string): Promise<string | null> {
  const r = await db.k.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  return r?.value ?? null;
}

export async function audit(
  db: Database,
  e: {
    actorId: number | null;
    action: string;
    target: string;
    ip?: string | null;
    detail?: Record<string, unknown>;
  },
): Promise<void> {
  await db.k
    .insertInto('audit_events')
    .values({
      at_ms: Date.now(),
      actor_id: e.actorId,
      action: e.action,
      target: e.target,
      ip: e.ip ?? null,
      detail: JSON.stringify(e.detail ?? {}),
    })
    .execute();
}
