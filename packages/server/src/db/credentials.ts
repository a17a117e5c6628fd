/**
 * Sessions, API tokens and one-time tokens. Only SHA-256 hashes of the secrets are stored; the secrets
 * themselves are returned once, to be sent to their owner.
 */
import type { Scope } from '../access/principal.js';
import { newApiToken, randomSecret, sha256Hex } from '../auth/secrets.js';
import type { Database } from './database.js';
import type { OneTimePurpose, OrgRole } from './schema.js';

export const SESSION_MAX_AGE_MS = 30 * 24 * 3_600_000;
/** last_seen_ms is saved at most this often. */
const SESSION_TOUCH_MS = 5 * 60_000;
const TOKEN_TOUCH_MS = 60_000;

export async function createSession(
  db: Database,
  userId: number,
  ip: string | null,
  userAgent: string | null,
): Promise<{ id: string; idHash: string }> {
  const id = randomSecret();
  const idHash = sha256Hex(id);
  const now = Date.now();
  await db.k
    .insertInto('sessions')
    .values({
      id_hash: idHash,
      user_id: userId,
      created_ms: now,
      last_seen_ms: now,
      expires_ms: now + SESSION_MAX_AGE_MS,
      ip,
      user_agent: userAgent ? userAgent.slice(0, 256) : null,
    })
    .execute();
  return { id, idHash };
}

export interface SessionUser {
  idHash: string;
  userId: number;
  username: string;
  isAdmin: boolean;
  /** Role per organization, read in the same query. */
  roles: Map<number, OrgRole>;
}

function rolesFrom(rows: Array<{ org_id: number | null; role: OrgRole | null }>): Map<number, OrgRole> {
  const roles = new Map<number, OrgRole>();
  for (const r of rows) if (r.org_id !== null && r.role !== null) roles.set(Number(r.org_id), r.role);
  return roles;
}

/** The session's user when the session is valid: row present, within idle and absolute limits, user active. */
export async function sessionUser(db: Database, id: string, idleMs: number): Promise<SessionUser | null> {
  const idHash = sha256Hex(id);
  const now = Date.now();
  const rows = await db.k
    .selectFrom('sessions')
    .innerJoin('users', 'users.owner_id', 'sessions.user_id')
    .innerJoin('owners', 'owners.id', 'sessions.user_id')
    .leftJoin('memberships', 'memberships.user_id', 'sessions.user_id')
    .select([
      'sessions.user_id',
      'sessions.last_seen_ms',
      'sessions.expires_ms',
      'owners.name',
      'users.is_admin',
      'users.is_active',
      'memberships.org_id',
      'memberships.role',
    ])
    .where('sessions.id_hash', '=', idHash)
    .execute();
  const r = rows[0];
  if (r?.is_active !== 1 || r.expires_ms <= now || r.last_seen_ms + idleMs <= now) return null;
  if (now - r.last_seen_ms > SESSION_TOUCH_MS) {
    await db.k.updateTable('sessions').set({ last_seen_ms: now }).where('id_hash', '=', idHash).execute();
  }
  return {
    idHash,
    userId: Number(r.user_id),
    username: r.name,
    isAdmin: r.is_admin === 1,
    roles: rolesFrom(rows),
  };
}

export async function endSession(db: Database, idHash: string): Promise<void> {
  await db.k.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}

/** Ends every session of a user, except `keepIdHash` when given. */
export async function endSessions(
  db: Database,
  userId: number,
  keepIdHash: string | null = null,
): Promise<void> {
  let q = db.k.deleteFrom('sessions').where('user_id', '=', userId);
  if (keepIdHash) q = q.where('id_hash', '!=', keepIdHash);
  await q.execute();
}

export interface TokenInfo {
  roles: Map<number, OrgRole>;
  id: number;
  userId: number;
  username: string;
  isAdmin: boolean;
  scopes: Set<Scope>;
  projectId: number | null;
}

export function parseScopes(text: string): Set<Scope> {
  return new Set(text.split(',').filter((s): s is Scope => s === 'read' || s === 'write'));
}

export async function createApiToken(
  db: Database,
  t: { userId: number; name: string; scopes: Scope[]; projectId: number | null; expiresMs: number | null },
): Promise<{ token: string; id: number; prefix: string }> {
  const token = newApiToken();
  const prefix = token.slice(0, 6 + 5).slice(5);
  const row = await db.k
    .insertInto('api_tokens')
    .values({
      user_id: t.userId,
      name: t.name,
      prefix,
      token_hash: sha256Hex(token),
      scopes: t.scopes.join(','),
      project_id: t.projectId,
      expires_ms: t.expiresMs,
      last_used_ms: null,
      created_ms: Date.now(),
      revoked_ms: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { token, id: Number(row.id), prefix };
}

/** A usable token: known, not expired or revoked, its user active. Null for anything else. */
export async function tokenUser(db: Database, token: string): Promise<TokenInfo | null> {
  const now = Date.now();
  const rows = await db.k
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.owner_id', 'api_tokens.user_id')
    .innerJoin('owners', 'owners.id', 'api_tokens.user_id')
    .leftJoin('memberships', 'memberships.user_id', 'api_tokens.user_id')
    .select([
      'memberships.org_id',
      'memberships.role',
      'api_tokens.id',
      'api_tokens.user_id',
      'api_tokens.scopes',
      'api_tokens.project_id',
      'api_tokens.expires_ms',
      'api_tokens.revoked_ms',
      'api_tokens.last_used_ms',
      'owners.name',
      'users.is_admin',
      'users.is_active',
    ])
    .where('api_tokens.token_hash', '=', sha256Hex(token))
    .execute();
  const r = rows[0];
  if (!r || r.revoked_ms !== null || r.is_active !== 1 || (r.expires_ms !== null && r.expires_ms <= now))
    return null;
  if (r.last_used_ms === null || now - r.last_used_ms > TOKEN_TOUCH_MS) {
    await db.k.updateTable('api_tokens').set({ last_used_ms: now }).where('id', '=', r.id).execute();
  }
  return {
    roles: rolesFrom(rows),
    id: Number(r.id),
    userId: Number(r.user_id),
    username: r.name,
    isAdmin: r.is_admin === 1,
    scopes: parseScopes(r.scopes),
    projectId: r.project_id === null ? null : Number(r.project_id),
  };
}

export async function createOneTimeToken(
  db: Database,
  t: {
    purpose: OneTimePurpose;
    expiresMs: number;
    userId?: number | null;
    email?: string | null;
    isAdmin?: boolean;
    createdBy?: number | null;
  },
): Promise<{ token: string; id: number }> {
  const token = randomSecret();
  const row = await db.k
    .insertInto('one_time_tokens')
    .values({
      purpose: t.purpose,
      token_hash: sha256Hex(token),
      user_id: t.userId ?? null,
      email: t.email ?? null,
      is_admin: t.isAdmin ? 1 : 0,
      created_by: t.createdBy ?? null,
      expires_ms: t.expiresMs,
      used_ms: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { token, id: Number(row.id) };
}

export interface OneTimeToken {
  id: number;
  purpose: OneTimePurpose;
  userId: number | null;
  email: string | null;
  isAdmin: boolean;
}

/** Marks a usable one-time token of one of `purposes` used, atomically; null when none (or already used). */
export async function consumeOneTimeToken(
  db: Database,
  token: string,
  purposes: OneTimePurpose[],
): Promise<OneTimeToken | null> {
  const now = Date.now();
  const r = await db.k
    .updateTable('one_time_tokens')
    .set({ used_ms: now })
    .where('token_hash', '=', sha256Hex(token))
    .where('purpose', 'in', purposes)
    .where('used_ms', 'is', null)
    .where('expires_ms', '>', now)
    .returning(['id', 'purpose', 'user_id', 'email', 'is_admin'])
    .executeTakeFirst();
  if (!r) return null;
  return {
    id: Number(r.id),
    purpose: r.purpose,
    userId: r.user_id === null ? null : Number(r.user_id),
    email: r.email,
    isAdmin: r.is_admin === 1,
  };
}

/** Whether a one-time token is usable, without using it. */
export async function peekOneTimeToken(
  db: Database,
  token: string,
  purposes: OneTimePurpose[],
): Promise<OneTimeToken | null> {
  const r = await db.k
    .selectFrom('one_time_tokens')
    .select(['id', 'purpose', 'user_id', 'email', 'is_admin'])
    .where('token_hash', '=', sha256Hex(token))
    .where('purpose', 'in', purposes)
    .where('used_ms', 'is', null)
    .where('expires_ms', '>', Date.now())
    .executeTakeFirst();
  if (!r) return null;
  return {
    id: Number(r.id),
    purpose: r.purpose,
    userId: r.user_id === null ? null : Number(r.user_id),
    email: r.email,
    isAdmin: r.is_admin === 1,
  };
}
