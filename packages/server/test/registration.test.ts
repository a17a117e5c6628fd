/**
 * Registration `closed` (docs/server.md#registration): accounts come only from the bootstrap invite, the
 * admin page and the command line. An invite made by `kobo-serve create-invite` registers one person once;
 * an invite an admin makes on the web is refused at creation, and one made before the server was closed
 * no longer registers anybody.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { createOneTimeToken } from '../src/db/credentials.js';
import { openDatabase } from '../src/db/database.js';
import { describeBackends } from './helpers/backends.js';
import { ADMIN, Client, startTestServer, type TestServer } from './helpers/server.js';

const SERVE = fileURLToPath(new URL('../bin/kobo-serve.js', import.meta.url));

describeBackends('registration closed', (b) => {
  let t: TestServer | null = null;

  it('takes invites of the command line only, each once', async () => {
    t = await startTestServer(b.target(), { flags: { registration: 'closed' } });
    try {
      const admin = new Client(t.url());
      await admin.login(ADMIN.username, ADMIN.password);
      const anonymous = new Client(t.url());

      // An admin's web invite could not be used: it is refused when asked for.
      const web = await admin.post('/api/admin/invites', {});
      expect(web.status, web.text).toBe(409);
      expect(web.json().detail.code).toBe('registration_closed');

      // Without an invite: refused.
      const bare = await anonymous.post('/api/auth/register', {
        username: 'nobody',
        password: 'long-enough-pw-1',
      });
      expect(bare.status).toBe(403);
      expect(bare.json().detail.code).toBe('registration_closed');

      // An invite made while the server took web invites (the mode was `invite` then) no longer works.
      const db = openDatabase(b.target(), { poolSize: 1 });
      const old = await createOneTimeToken(db, {
        purpose: 'invite',
        isAdmin: false,
        expiresMs: Date.now() + 3_600_000,
      });
      await db.close();
      const withOld = await anonymous.post('/api/auth/register', {
        username: 'earlier',
        password: 'long-enough-pw-2',
        invite: old.token,
      });
      expect(withOld.status).toBe(403);
      expect(withOld.json().detail.code).toBe('invalid_invite');

      // The command line's invite registers one person, once.
      const out = execFileSync(process.execPath, [SERVE, 'create-invite', '--db', b.target().url], {
        encoding: 'utf8',
      });
      const token = new URL(out.trim()).searchParams.get('invite') as string;
      expect(token.length).toBeGreaterThan(20);
      const listed = await admin.get('/api/admin/invites');
      expect(listed.json().invites.length).toBeGreaterThanOrEqual(1);
      const ok = await anonymous.post('/api/auth/register', {
        username: 'welcome',
        password: 'long-enough-pw-3',
        invite: token,
      });
      expect(ok.status, ok.text).toBe(200);
      const again = await anonymous.post('/api/auth/register', {
        username: 'second',
        password: 'long-enough-pw-4',
        invite: token,
      });
      expect(again.status).toBe(403);
      const login = await new Client(t.url()).login('welcome', 'long-enough-pw-3');
      expect(login.status).toBe(200);
    } finally {
      await t.close();
      t = null;
    }
  }, 120_000);
});
