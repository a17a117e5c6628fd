import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Database, migrate, migrationsCurrent, openDatabase } from '../src/db/database.js';
import { LeaseBusyError, Leases } from '../src/db/leases.js';
import { describeBackends } from './helpers/backends.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeBackends('database layer', (b) => {
  let db: Database;
  beforeAll(async () => {
    db = openDatabase(b.target());
    await migrate(db);
  });
  afterAll(async () => db?.close());

  it('migrates once and reports the schema current; a second run changes nothing', async () => {
    expect(await migrationsCurrent(db)).toBe(true);
    expect(await migrate(db)).toEqual([]);
    const now = Date.now();
    const owner = await db.k
      .insertInto('owners')
      .values({ kind: 'user', name: 'alice', name_key: 'alice', created_ms: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(typeof owner.id).toBe('number');
    const back = await db.k
      .selectFrom('owners')
      .selectAll()
      .where('id', '=', owner.id)
      .executeTakeFirstOrThrow();
    expect(back.created_ms).toBe(now);
    // name_key is unique across users and organizations
    await expect(
      db.k
        .insertInto('owners')
        .values({ kind: 'org', name: 'Al-ice', name_key: 'alice', created_ms: now })
        .execute(),
    ).rejects.toThrow();
  });

  it('a database migrated by a newer release stops startup', async () => {
    await db.k
      .insertInto('kysely_migration' as never)
      .values({ name: '9999_future', timestamp: new Date().toISOString() } as never)
      .execute();
    await expect(migrate(db)).rejects.toThrow(/migration/);
    await db.k
      .deleteFrom('kysely_migration' as never)
      .where('name' as never, '=', '9999_future' as never)
      .execute();
  });

  it('a lease has one holder; release keeps the epoch; another holder in between is detected', async () => {
    const a = new Leases(db, 'host/1/a');
    const c = new Leases(db, 'host/2/c');
    const e1 = await a.tryAcquire('run:1');
    expect(e1).toBe(1);
    expect(await c.tryAcquire('run:1')).toBeNull();
    expect(await a.renew('run:1', e1!)).toBe(true);
    await a.release('run:1', e1!);
    const held = await c.acquire('run:1', { waitMs: 0 });
    expect(held.epoch).toBe(2);
    expect(held.foreignSinceLast).toBe(false);
    await c.release('run:1', held.epoch);
    // a: last held epoch 1; c held epoch 2 in between, so a's next acquisition (3) is not 1 + 1.
    const again = await a.acquire('run:1', { waitMs: 0 });
    expect(again.epoch).toBe(3);
    await a.release('run:1', again.epoch);
    const aLeases = new Leases(db, 'host/1/a2');
    const first = await aLeases.acquire('run:2', { waitMs: 0 });
    expect(first.foreignSinceLast).toBe(false);
    await aLeases.release('run:2', first.epoch);
    const second = await aLeases.acquire('run:2', { waitMs: 0 });
    expect(second.foreignSinceLast).toBe(false);
    await aLeases.release('run:2', second.epoch);
    const other = new Leases(db, 'host/3/x');
    const o = await other.acquire('run:2', { waitMs: 0 });
    await other.release('run:2', o.epoch);
    expect((await aLeases.acquire('run:2', { waitMs: 0 })).foreignSinceLast).toBe(true);
  });

  it('an expired lease is taken over and its renewal then fails', async () => {
    const a = new Leases(db, 'host/1/expiring');
    const c = new Leases(db, 'host/2/taker');
    const e = await a.tryAcquire('scanner-test', 150);
    expect(e).not.toBeNull();
    await expect(c.acquire('scanner-test', { waitMs: 0 })).rejects.toBeInstanceOf(LeaseBusyError);
    await sleep(400);
    const taken = await c.acquire('scanner-test', { waitMs: 0 });
    expect(taken.epoch).toBe(e! + 1);
    expect(await a.renew('scanner-test', e!)).toBe(false);
  });

  it('work under a lease from two processes never interleaves (no lost update)', async () => {
    await db.k.insertInto('settings').values({ key: 'counter', value: '0' }).execute();
    const workers = [new Leases(db, 'h/1/w'), new Leases(db, 'h/2/w'), new Leases(db, 'h/3/w')];
    const bump = (l: Leases) =>
      l.withLease('run:counter', { waitMs: 30_000 }, async () => {
        const row = await db.k
          .selectFrom('settings')
          .select('value')
          .where('key', '=', 'counter')
          .executeTakeFirstOrThrow();
        await sleep(5);
        await db.k
          .updateTable('settings')
          .set({ value: String(Number(row.value) + 1) })
          .where('key', '=', 'counter')
          .execute();
      });
    await Promise.all(workers.flatMap((w) => [bump(w), bump(w), bump(w), bump(w)]));
    const row = await db.k
      .selectFrom('settings')
      .select('value')
      .where('key', '=', 'counter')
      .executeTakeFirstOrThrow();
    expect(row.value).toBe('12');
  });
});

describeBackends('db-copy and purge', (b) => {
  it('copies every table from SQLite into an empty database, ids and all, and new ids follow', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { parseDbUrl } = await import('../src/config/resolve.js');
    const { copyDatabase } = await import('../src/db/copy.js');
    const { createUser } = await import('../src/db/accounts.js');
    const dir = mkdtempSync(join(tmpdir(), 'kobo-copy-'));
    const from = openDatabase(parseDbUrl(`sqlite:///${join(dir, 'from.db')}`));
    const to = openDatabase(b.name === 'sqlite' ? parseDbUrl(`sqlite:///${join(dir, 'to.db')}`) : b.target());
    try {
      await migrate(from);
      const a = await createUser(from, { username: 'ann', passwordHash: 'x', isAdmin: true });
      await createUser(from, { username: 'ben', passwordHash: null, email: 'ben@example.org' });
      await from.k.insertInto('settings').values({ key: 'dropped_owner', value: 'ann' }).execute();
      const counts = await copyDatabase(from, to);
      expect(counts.get('owners')).toBe(2);
      expect(counts.get('users')).toBe(2);
      const ann = await to.k
        .selectFrom('owners')
        .select('id')
        .where('name', '=', 'ann')
        .executeTakeFirstOrThrow();
      expect(Number(ann.id)).toBe(a);
      const c = await createUser(to, { username: 'cat', passwordHash: null });
      expect(c).toBeGreaterThan(a);
      await expect(copyDatabase(from, to)).rejects.toThrow(/already has accounts/);
    } finally {
      await from.close();
      await to.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the purge removes expired sessions, old tokens, old changes and past rate-limit windows only', async () => {
    const { purgeOnce } = await import('../src/serve/purge.js');
    const db = openDatabase(b.target());
    try {
      await migrate(db);
      const now = Date.now();
      const owner = await db.k
        .insertInto('owners')
        .values({ kind: 'user', name: 'purgee', name_key: 'purgee', created_ms: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      const uid = Number(owner.id);
      await db.k
        .insertInto('users')
        .values({
          owner_id: uid,
          email: null,
          email_key: null,
          email_verified_ms: null,
          password_hash: null,
          is_admin: 0,
          is_active: 1,
          last_login_ms: null,
        })
        .execute();
      const session = (id: string, expires: number) => ({
        id_hash: id,
        user_id: uid,
        created_ms: now,
        last_seen_ms: now,
        expires_ms: expires,
        ip: null,
        user_agent: null,
      });
      await db.k
        .insertInto('sessions')
        .values([session('old', now - 1), session('live', now + 60_000)])
        .execute();
      await db.k
        .insertInto('run_changes')
        .values([
          { run_pk: 1, kind: 'added', summary: '{}', at_ms: now - 16 * 60_000 },
          { run_pk: 1, kind: 'data', summary: '{}', at_ms: now },
        ])
        .execute();
      await db.k
        .insertInto('rate_limits')
        .values([
          { key: 'a', window_start_ms: now - 3 * 3_600_000, count: 3 },
          { key: 'b', window_start_ms: now, count: 1 },
        ])
        .execute();
      await purgeOnce(db, now);
      expect(
        (await db.k.selectFrom('sessions').select('id_hash').where('user_id', '=', uid).execute()).map(
          (r) => r.id_hash,
        ),
      ).toEqual(['live']);
      expect(
        (await db.k.selectFrom('run_changes').select('kind').where('run_pk', '=', 1).execute()).map(
          (r) => r.kind,
        ),
      ).toEqual(['data']);
      expect(
        (await db.k.selectFrom('rate_limits').select('key').where('key', 'in', ['a', 'b']).execute()).map(
          (r) => r.key,
        ),
      ).toEqual(['b']);
    } finally {
      await db.close();
    }
  });
});

describeBackends('rate limits', (b) => {
  it('count within a window that starts at the first event, and start again after it', async () => {
    const { RateLimiter } = await import('../src/auth/rate-limit.js');
    const db = openDatabase(b.target());
    try {
      await migrate(db);
      const limiter = new RateLimiter(db);
      const limit = { name: 'test', max: 3, windowMs: 60_000 };
      const t0 = 1_700_000_030_000;
      const counts = [];
      for (let i = 0; i < 4; i++) counts.push((await limiter.hit(limit, 'x', t0 + i * 10_000)).count);
      expect(counts).toEqual([1, 2, 3, 4]);
      expect((await limiter.hit(limit, 'x', t0 + 40_000)).exceeded).toBe(true);
      const peek = await limiter.peek(limit, 'x', t0 + 50_000);
      expect(peek.exceeded).toBe(true);
      expect(peek.retryAfterS).toBe(10);
      // A clock-aligned boundary (t0 + 30 s is a whole minute) did not reset it; the window's end does.
      const after = await limiter.hit(limit, 'x', t0 + 60_001);
      expect(after).toMatchObject({ count: 1, exceeded: false });
      expect((await limiter.hit(limit, 'y', t0)).count).toBe(1);
      await limiter.reset(limit, 'x');
      expect((await limiter.peek(limit, 'x', t0 + 60_002)).count).toBe(0);
    } finally {
      await db.close();
    }
  });
});
