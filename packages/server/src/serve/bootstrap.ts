/**
 * First start (docs/server.md#first-start): with no active site admin, a new single-use admin invite
 * (24 h, any registration mode) replaces any earlier one and is printed once. Under --no-auth the built-in
 * `local` admin exists instead.
 */
import { activeAdminCount, createUser, userByName } from '../db/accounts.js';
import { createOneTimeToken } from '../db/credentials.js';
import type { Database } from '../db/database.js';

export async function ensureLocalUser(db: Database): Promise<void> {
  if (await userByName(db, 'local')) return;
  await createUser(db, { username: 'local', passwordHash: null, isAdmin: true, emailVerified: true });
}

/** The bootstrap invite's URL, or null when an admin exists. */
export async function bootstrapInvite(db: Database, baseUrl: string): Promise<string | null> {
  if ((await activeAdminCount(db)) > 0) return null;
  await db.k.deleteFrom('one_time_tokens').where('purpose', '=', 'bootstrap').execute();
  const t = await createOneTimeToken(db, {
    purpose: 'bootstrap',
    isAdmin: true,
    expiresMs: Date.now() + 24 * 3_600_000,
  });
  return `${baseUrl}/register?invite=${t.token}`;
}

/** The first admin owns the dropped runs unless --dropped-owner says otherwise (kept once set). */
export async function ensureDroppedOwnerSetting(db: Database, username: string): Promise<void> {
  await db.k
    .insertInto('settings')
    .values({ key: 'dropped_owner', value: username })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}
