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
