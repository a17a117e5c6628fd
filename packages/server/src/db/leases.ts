/**
 * Leases (docs/server.md#leases): one holder per name across processes and hosts, through one
 * conditional UPDATE on the `leases` table with the database's clock. A lease expires 30 s after its last
 * renewal, is renewed every 10 s while held and released at the end (holder NULL, epoch kept).
 *
 * Each acquisition increments `epoch`. A process remembers the epoch it last held per name: getting any
 * other than that plus one means another process held the lease in between (for a run: wrote to it), so the
 * caller drops what it cached about that resource before going on.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Database } from './database.js';

export const LEASE_TTL_MS = 30_000;
export const LEASE_RENEW_MS = 10_000;

export class LeaseBusyError extends Error {
  readonly code = 'lease_busy';
  constructor(readonly lease: string) {
    super(`lease ${lease} is held by another process`);
  }
}

export class LeaseLostError extends Error {
  readonly code = 'lease_lost';
  constructor(readonly lease: string) {
    super(`lease ${lease} was lost (renewal failed)`);
  }
}

/** Serialises callers within this process per key (the in-process mutex that comes before the lease). */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async lock(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => {
      release = r;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}

export interface HeldLease {
  name: string;
  epoch: number;
  /** True when another process held the lease since this process last did. */
  foreignSinceLast: boolean;
  /** Aborted when a renewal fails: the work under the lease must stop. */
  signal: AbortSignal;
}

export interface LeaseOptions {
  /** Give up after this long (ms); 0 tries once. */
  waitMs?: number;
  ttlMs?: number;
  renewMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Leases {
  /** `<hostname>/<pid>/<random>`, new per process. */
  readonly me: string;
  private readonly lastEpoch = new Map<string, number>();
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly db: Database,
    me?: string,
  ) {
    this.me = me ?? `${hostname()}/${process.pid}/${randomBytes(6).toString('hex')}`;
  }

  /** One attempt; the new epoch, or null when another process holds the lease. */
  async tryAcquire(name: string, ttlMs = LEASE_TTL_MS): Promise<number | null> {
    const { k } = this.db;
    await k
      .insertInto('leases')
      .values({ name, holder: null, expires_ms: 0, epoch: 0 })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const now = this.db.nowMs();
    const row = await k
      .updateTable('leases')
      .set((eb) => ({
        holder: this.me,
        expires_ms: eb(now, '+', ttlMs),
        epoch: eb('epoch', '+', 1),
      }))
      .where('name', '=', name)
      .where((eb) =>
        eb.or([eb('holder', 'is', null), eb('holder', '=', this.me), eb('expires_ms', '<', now)]),
      )
      .returning('epoch')
      .executeTakeFirst();
    return row ? Number(row.epoch) : null;
  }

  /** Extends a held lease; false when it is no longer this process's (expired and taken). */
  async renew(name: string, epoch: number, ttlMs = LEASE_TTL_MS): Promise<boolean> {
    const r = await this.db.k
      .updateTable('leases')
      .set((eb) => ({ expires_ms: eb(this.db.nowMs(), '+', ttlMs) }))
      .where('name', '=', name)
      .where('holder', '=', this.me)
      .where('epoch', '=', epoch)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async release(name: string, epoch: number): Promise<void> {
    await this.db.k
      .updateTable('leases')
      .set({ holder: null })
      .where('name', '=', name)
      .where('holder', '=', this.me)
      .where('epoch', '=', epoch)
      .execute();
  }

  /** Acquires with retries every 100–500 ms (jittered) until `waitMs` has passed. */
  async acquire(name: string, options: LeaseOptions = {}): Promise<HeldLease> {
    const deadline = Date.now() + (options.waitMs ?? 10_000);
    for (;;) {
      const epoch = await this.tryAcquire(name, options.ttlMs);
      if (epoch !== null) {
        const last = this.lastEpoch.get(name);
        this.lastEpoch.set(name, epoch);
        return {
          name,
          epoch,
          foreignSinceLast: last !== undefined && epoch !== last + 1,
          signal: new AbortController().signal,
        };
      }
      if (Date.now() >= deadline) throw new LeaseBusyError(name);
      await sleep(100 + Math.random() * 400);
    }
  }

  /**
   * Runs `work` holding the lease: first this process's mutex for the name, then the lease, renewed every
   * `renewMs`; a failed renewal aborts `lease.signal`. The lease is released when `work` ends.
   */
  async withLease<T>(
    name: string,
    options: LeaseOptions,
    work: (lease: HeldLease) => Promise<T>,
  ): Promise<T> {
    const unlock = await this.mutex.lock(name);
    try {
      const held = await this.acquire(name, options);
      const controller = new AbortController();
      const lease: HeldLease = { ...held, signal: controller.signal };
      const timer = setInterval(() => {
        this.renew(name, held.epoch, options.ttlMs)
          .then((ok) => {
            if (!ok) controller.abort(new LeaseLostError(name));
          })
          .catch(() => controller.abort(new LeaseLostError(name)));
      }, options.renewMs ?? LEASE_RENEW_MS);
      timer.unref();
      try {
        return await work(lease);
      } finally {
        clearInterval(timer);
        await this.release(name, held.epoch).catch(() => undefined);
      }
    } finally {
      unlock();
    }
  }
}
