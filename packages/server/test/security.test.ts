/**
 * The attacks the server must withstand, on SQLite and PostgreSQL: path traversal through every parameter,
 * enumeration of what a caller may not read, CSRF, and token scopes. Canary files in and beside the data
 * dir must never change or leak (checked at the end of every suite).
 */
import { cpSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sha256Hex } from '../src/auth/secrets.js';
import { openDatabase } from '../src/db/database.js';
import { csrfToken } from '../src/http/authenticate.js';
import { describeBackends } from './helpers/backends.js';
import { rawRequest } from './helpers/raw-http.js';
import { ADMIN, Client, eventually, startTestServer, type TestServer } from './helpers/server.js';
import { buildWorld, FIXTURES, type World } from './helpers/world.js';

const VOLATILE = new Set([
  'date',
  'server-timing',
  'set-cookie',
  'keep-alive',
  'connection',
  'content-length',
]);

function sameAnswer(
  a: { status: number; text: string; headers: Headers | Record<string, unknown> },
  b: typeof a,
) {
  const h = (x: typeof a) => {
    const entries = x.headers instanceof Headers ? [...x.headers.entries()] : Object.entries(x.headers);
    return Object.fromEntries(
      entries.filter(([k]) => !VOLATILE.has(k.toLowerCase())).map(([k, v]) => [k.toLowerCase(), String(v)]),
    );
  };
  expect(a.status).toBe(b.status);
  expect(a.text).toBe(b.text);
  expect(h(a)).toEqual(h(b));
}

describeBackends('security', (b) => {
  let t: TestServer;
  let w: World;
  beforeAll(async () => {
    t = await startTestServer(b.target());
    w = await buildWorld(t);
  });
  afterAll(async () => t?.close());

  const canaryLeaked = (text: string) => [...t.canaries.values()].some((c) => text.includes(c));

  it('path traversal through every parameter is refused and reaches nothing outside', async () => {
    const cookie = [...w.alice.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const tricks = [
      '..',
      '.',
      '%2E%2E',
      '%2e%2E%2F',
      '%00',
      '%5C',
      '..%2F..%2Fcanary-beside.txt',
      '%2e%2e%5c',
    ];
    // Unusual but harmless names (NFD, look-alikes) may name an empty series; they must reach nothing else.
    const oddNames = ['cafe%CC%81', '%EF%BD%81lice'];
    const paths: string[] = [];
    for (const x of tricks) {
      paths.push(
        `/api/projects/${x}/runs`,
        `/api/projects/${x}%2Fsecret/runs`,
        `/api/projects/alice%2F${x}/runs`,
        `/api/projects/alice/${x}/runs/lka9/summary`,
        `/api/projects/${x}/${x}/runs/lka9/summary`,
        `/api/projects/alice%2Fsecret/runs/${x}/summary`,
        `/api/projects/alice%2Fsecret/runs/lka9/scalars/${x}`,
        `/api/projects/alice%2Fsecret/runs/lka9/scalars/${x}/${x}/canary-inside.txt`,
        `/api/projects/alice%2Fsecret/runs/lka9/media/files/${x}`,
        `/api/projects/alice%2Fsecret/runs/lka9/media/${x}`,
        `/api/projects/alice%2Fsecret/runs/lka9/tables/${x}`,
        `/api/projects/alice%2Fsecret/runs/lka9/histograms/${x}`,
        `/api/projects/alice%2Fsecret/runs/lka9/tensors/${x}`,
        `/api/projects/alice%2Fsecret/runs/lka9/logs/${x}`,
        `/api/boards/${x}/media/by-id/1`,
        `/api/org/${x}`,
        `/api/org/${x}/members`,
        `/api/org/users/${x}/orgs`,
      );
    }
    for (const x of oddNames) {
      for (const path of [
        `/api/projects/${x}/runs`,
        `/api/projects/alice%2F${x}/runs`,
        `/api/projects/alice%2Fsecret/runs/lka9/scalars/${x}`,
        `/api/org/${x}`,
      ]) {
        const r = await rawRequest(t.url(), 'GET', path, { cookie });
        expect(r.status, path).toBeLessThan(500);
        expect(canaryLeaked(r.text), path).toBe(false);
      }
    }
    paths.push(
      '/api/projects/alice%2Fsecret/runs/lka9/logs/..%2Fx',
      '/api/projects/alice%2Fsecret/runs/lka9/logs/output.log%2F..',
      '/api/projects/alice%2Fsecret/runs/lka9/media/files/..%2F..%2F..%2F..%2Fcanary-inside.txt',
      '/api/org/..%2Fevil',
      '/api/projects/alice%2Fsecret/runs/lka9/scalars/../../../../canary-inside.txt',
    );
    for (const path of paths) {
      const r = await rawRequest(t.url(), 'GET', path, { cookie });
      expect([400, 404], `${path}: ${r.status} ${r.text}`).toContain(r.status);
      expect(canaryLeaked(r.text), path).toBe(false);
    }
    // Names that would climb are refused as names.
    expect(
      (await w.anonymous.post('/api/auth/register', { username: '../evil', password: 'whatever-long-1' }))
        .status,
    ).toBe(400);
    expect((await w.alice.post('/api/org/create', { name: '../evil' })).json().detail.code).toBe(
      'invalid_name',
    );
    // A PATCH annotation is sanitised into a folder name, never a path.
    const patched = await w.alice.req('PATCH', '/api/projects/alice%2Fsecret/runs/lka9', {
      annotation: '../../../evil',
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json().annotation).toBe('evil');
    // A dropped symlink that leads out of the data dir is not followed.
    const outside = mkdtempSync(join(tmpdir(), 'kobo-outside-'));
    cpSync(join(FIXTURES, 'nlp', 'qggl'), join(outside, 'qggl'), { recursive: true });
    mkdirSync(join(t.dataDir, 'linked'), { recursive: true });
    symlinkSync(join(outside, 'qggl'), join(t.dataDir, 'linked', 'qggl'));
    symlinkSync(outside, join(t.dataDir, 'users', 'alice', 'escape'));
    await t.servers[0].scanner.requestSweep();
    await t.servers[0].ctx.index.poll();
    const all = (await w.admin.get('/api/projects')).json().projects.map((p: { name: string }) => p.name);
    expect(all).not.toContain('boss/linked');
    expect(all).not.toContain('alice/escape');
  });

  it('what a caller may not read answers exactly like what does not exist', async () => {
    const restricted = (
      await w.alice.post('/api/auth/tokens/create', { name: 'ci', project: 'alice/open' })
    ).json().token as string;
    const callers: Array<[string, Client]> = [
      ['anonymous', w.anonymous],
      ['another user', w.bob],
      ["another org's viewer", w.carol],
      ['a project-restricted token', new Client(t.url(), restricted)],
    ];
    const pairs: Array<[string, string, string]> = [
      ['GET', '/api/projects/alice%2Fsecret/runs', '/api/projects/alice%2Fnosuch/runs'],
      ['GET', '/api/projects/alice/secret/runs', '/api/projects/alice/nosuch/runs'],
      ['GET', '/api/projects/alice%2Fsecret', '/api/projects/alice%2Fnosuch'],
      ['GET', '/api/projects/alice%2Fsecret/config_keys', '/api/projects/alice%2Fnosuch/config_keys'],
      ['GET', '/api/projects/acme%2Fplans/runs', '/api/projects/acme%2Fnosuch/runs'],
      [
        'GET',
        '/api/projects/alice%2Fsecret/runs/lka9/summary',
        '/api/projects/alice%2Fsecret/runs/zzzz/summary',
      ],
      [
        'GET',
        '/api/projects/alice%2Fsecret/runs/lka9/scalars/train/loss',
        '/api/projects/alice%2Fsecret/runs/zzzz/scalars/train/loss',
      ],
      [
        'GET',
        '/api/projects/alice%2Fsecret/runs/lka9/status',
        '/api/projects/alice%2Fnosuch/runs/lka9/status',
      ],
      ['GET', '/api/boards/lka9/media/by-id/1', '/api/boards/zzzz/media/by-id/1'],
      [
        'POST',
        '/api/projects/alice%2Fsecret/runs/batch/summary',
        '/api/projects/alice%2Fnosuch/runs/batch/summary',
      ],
      [
        'PUT',
        '/api/projects/alice%2Fsecret/runs/lka9/visibility',
        '/api/projects/alice%2Fsecret/runs/zzzz/visibility',
      ],
      ['DELETE', '/api/projects/alice%2Fsecret/runs/lka9', '/api/projects/alice%2Fsecret/runs/zzzz'],
      ['PATCH', '/api/projects/alice%2Fsecret/runs/lka9', '/api/projects/alice%2Fsecret/runs/zzzz'],
    ];
    for (const [who, c] of callers) {
      for (const [method, hidden, missing] of pairs) {
        const body =
          method === 'POST'
            ? { run_ids: ['lka9'] }
            : method === 'PUT'
              ? { visibility: 'public' }
              : method === 'PATCH'
                ? { name: 'x' }
                : undefined;
        const a = await c.req(method, hidden, body);
        const m = await c.req(method, missing, body);
        expect(canaryLeaked(a.text)).toBe(false);
        // The same request for a missing name: bodies may echo the name asked for.
        a.text = a.text
          .replaceAll('lka9', 'zzzz')
          .replaceAll('secret', 'nosuch')
          .replaceAll('plans', 'nosuch');
        try {
          sameAnswer(a, m);
        } catch (err) {
          throw new Error(
            `${who}: ${method} ${hidden} (${a.status} ${a.text}) vs ${missing} (${m.status} ${m.text}): ${err}`,
          );
        }
        if (method === 'POST' && a.status === 200) expect(a.json()).toEqual({});
      }
      const listed = (await c.get('/api/projects')).json().projects.map((p: { name: string }) => p.name);
      expect(listed, who).not.toContain('alice/secret');
      expect(listed, who).not.toContain('acme/plans');
      const open = await c.get('/api/projects/alice%2Fopen/runs');
      expect(open.status, who).toBe(200);
      expect(open.json().runs.map((r: { run_id: string }) => r.run_id)).toEqual(['qggl']);
    }
    // Unknown user and wrong password log in identically.
    const unknown = await w.anonymous.post('/api/auth/login', {
      username: 'nobody-here',
      password: 'wrong-password-1',
    });
    const wrong = await w.anonymous.post('/api/auth/login', {
      username: 'alice',
      password: 'wrong-password-1',
    });
    sameAnswer(unknown, wrong);
    expect(unknown.status).toBe(401);
  });

  it('cookie-authenticated unsafe requests need the session-bound CSRF token from an allowed origin', async () => {
    const bobToken = w.bob.cookies.get('XSRF-TOKEN')!;
    const create = (headers: Record<string, string>, name: string) => {
      const c = new Client(t.url());
      for (const [k, v] of w.alice.cookies) c.cookies.set(k, v);
      c.csrf = false;
      return c.post('/api/org/create', { name }, headers);
    };
    const r1 = await create({}, 'csrf-one');
    expect(r1.status).toBe(403);
    expect(r1.json().detail.code).toBe('csrf_failed');
    expect(r1.headers.getSetCookie().some((c) => c.startsWith('XSRF-TOKEN='))).toBe(true);
    expect((await create({ 'x-xsrf-token': bobToken }, 'csrf-two')).status).toBe(403);
    const sessionHash = sha256Hex(w.alice.cookies.get('kobo_session')!);
    const fromOldSecret = csrfToken('an-earlier-secret-of-32-characters-or-more', sessionHash);
    expect((await create({ 'x-xsrf-token': fromOldSecret }, 'csrf-three')).status).toBe(403);
    const good = w.alice.cookies.get('XSRF-TOKEN')!;
    expect((await create({ 'x-xsrf-token': good, origin: 'http://evil.example' }, 'csrf-four')).status).toBe(
      403,
    );
    expect((await create({ 'x-csrf-token': good }, 'csrf-five')).status).toBe(200);
    // Without a session: JSON only, and no foreign origin.
    const plain = await w.anonymous.post(
      '/api/auth/login',
      JSON.stringify({ username: 'alice', password: 'x' }),
      { 'content-type': 'text/plain' },
    );
    expect(plain.status).toBe(415);
    const foreign = await w.anonymous.post(
      '/api/auth/login',
      { username: 'alice', password: 'x' },
      { origin: 'http://evil.example' },
    );
    expect(foreign.json().detail.code).toBe('csrf_failed');
    // Bearer requests need none.
    const token = (await w.alice.post('/api/auth/tokens', { name: 'writer' })).json().token as string;
    const viaToken = await new Client(t.url(), token).post('/api/projects', {
      owner: 'alice',
      name: 'made-by-token',
    });
    expect(viaToken.status, viaToken.text).toBe(201);
    // No secret in the dump of the database: only hashes.
    const db = openDatabase(b.target());
    const sessions = await db.k.selectFrom('sessions').select('id_hash').execute();
    const tokens = await db.k.selectFrom('api_tokens').select(['token_hash', 'prefix']).execute();
    await db.close();
    expect(sessions.map((s) => s.id_hash)).not.toContain(w.alice.cookies.get('kobo_session'));
    expect(tokens.some((x) => x.token_hash === token || token.endsWith(x.token_hash))).toBe(false);
  });

  it('token scopes, restrictions and session-only routes', async () => {
    const make = async (body: Record<string, unknown>) =>
      (await w.alice.post('/api/auth/tokens', { name: 'scoped', ...body })).json().token as string;
    const readOnly = new Client(t.url(), await make({ scopes: ['read'] }));
    const writeOnly = new Client(t.url(), await make({ scopes: ['write'] }));
    const patch = await readOnly.req('PATCH', '/api/projects/alice%2Fsecret/runs/lka9', { name: 'renamed' });
    expect(patch.status).toBe(403);
    expect(patch.json().detail.code).toBe('insufficient_scope');
    expect((await readOnly.post('/api/projects', { owner: 'alice', name: 'nope' })).json().detail.code).toBe(
      'insufficient_scope',
    );
    for (const path of [
      '/api/projects/alice%2Fsecret/runs',
      '/api/projects/alice%2Fnosuch/runs',
      '/api/projects',
    ]) {
      const r = await writeOnly.get(path);
      expect(r.status, path).toBe(403);
      expect(r.json().detail.code).toBe('insufficient_scope');
    }
    expect((await readOnly.get('/api/projects/alice%2Fsecret/runs')).status).toBe(200);
    // Expired, revoked and deactivated-user tokens are all 401 invalid_token.
    const expired = await make({});
    const db = openDatabase(b.target());
    await db.k
      .updateTable('api_tokens')
      .set({ expires_ms: Date.now() - 1000 })
      .where('token_hash', '=', sha256Hex(expired))
      .execute();
    await db.close();
    const revokedResp = await w.alice.post('/api/auth/tokens', { name: 'to-revoke' });
    const revoked = revokedResp.json();
    expect((await w.alice.req('DELETE', `/api/auth/tokens/${revoked.token_id}`)).status).toBe(200);
    // Another user's token id is not found.
    expect((await w.bob.req('DELETE', `/api/auth/tokens/${revoked.token_id}`)).status).toBe(404);
    const carolToken = (await w.carol.post('/api/auth/tokens', { name: 'carol' })).json().token as string;
    expect((await w.admin.req('PATCH', '/api/admin/users/carol', { is_active: false })).status).toBe(200);
    for (const tok of [
      expired,
      revoked.token,
      carolToken,
      'kobo_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'a'.repeat(64),
    ]) {
      const r = await new Client(t.url(), tok).get('/api/projects/alice%2Fopen/runs');
      expect(r.status).toBe(401);
      expect(r.json().detail.code).toBe('invalid_token');
      expect(r.headers.get('www-authenticate')).toContain('invalid_token');
    }
    expect((await w.admin.req('PATCH', '/api/admin/users/carol', { is_active: true })).status).toBe(200);
    // Tokens cannot manage tokens, orgs, visibility or the site.
    const full = new Client(t.url(), await make({}));
    for (const [method, path, body] of [
      ['GET', '/api/auth/tokens', undefined],
      ['POST', '/api/auth/tokens', { name: 'x' }],
      ['POST', '/api/org/create', { name: 'tokenorg' }],
      ['PUT', '/api/projects/alice%2Fsecret/runs/lka9/visibility', { visibility: 'public' }],
      ['PATCH', '/api/projects/alice%2Fsecret', { visibility: 'public' }],
      ['GET', '/api/admin/users', undefined],
    ] as const) {
      const r = await full.req(method, path, body);
      expect(r.status, path).toBe(403);
      expect(r.json().detail.code, path).toBe('session_required');
    }
  });

  it('a run PATCH holds the run lease: while another process holds it, 409 run_busy', async () => {
    const { Leases } = await import('../src/db/leases.js');
    const db = openDatabase(b.target());
    const row = await db.k
      .selectFrom('runs')
      .select('id')
      .where('folder', '=', 'users/alice/secret/u6pw_baseline_lr_3e-4_ablation')
      .where('deleted_ms', 'is', null)
      .executeTakeFirstOrThrow();
    const other = new Leases(db, 'elsewhere/1/writer');
    const held = await other.acquire(`run:${row.id}`, { waitMs: 0 });
    try {
      const busy = await w.alice.req('PATCH', '/api/projects/alice%2Fsecret/runs/u6pw', {
        name: 'while busy',
      });
      expect(busy.status, busy.text).toBe(409);
      expect(busy.json().detail.code).toBe('run_busy');
      expect(busy.headers.get('retry-after')).toBe('5');
    } finally {
      await other.release(`run:${row.id}`, held.epoch);
    }
    const ok = await w.alice.req('PATCH', '/api/projects/alice%2Fsecret/runs/u6pw', { name: 'after' });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json().name).toBe('after');
    // The lease was released after the PATCH: another process gets it at once.
    const again = await other.acquire(`run:${row.id}`, { waitMs: 0 });
    await other.release(`run:${row.id}`, again.epoch);
    await db.close();
  });

  it('sessions: cookie flags, a new id at each login, logout and password change end them', async () => {
    const c = new Client(t.url());
    const first = await c.login('bob', 'second-long-password');
    const cookie = first.headers.getSetCookie().find((x) => x.startsWith('kobo_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Domain=/i);
    const id1 = c.cookies.get('kobo_session');
    const old = new Client(t.url());
    for (const [k, v] of c.cookies) old.cookies.set(k, v);
    await c.login('bob', 'second-long-password');
    expect(c.cookies.get('kobo_session')).not.toBe(id1);
    expect((await old.get('/api/auth/me')).status).toBe(200);
    expect((await old.post('/api/auth/logout')).status).toBe(200);
    expect((await old.get('/api/auth/me')).status).toBe(401);
    const changed = await c.post('/api/auth/password', {
      current_password: 'second-long-password',
      new_password: 'renewed-long-password',
    });
    expect(changed.status, changed.text).toBe(200);
    expect((await w.bob.get('/api/auth/me')).status).toBe(401);
    expect((await c.get('/api/auth/me')).json().username).toBe('bob');
    expect(
      (
        await c.post('/api/auth/password', {
          current_password: 'renewed-long-password',
          new_password: 'second-long-password',
        })
      ).status,
    ).toBe(200);
    await w.bob.login('bob', 'second-long-password');
    void ADMIN;
    void eventually;
  });
});
