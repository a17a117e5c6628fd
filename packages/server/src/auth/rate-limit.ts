/**
 * Rate limits in the database (docs/server.md#authentication): fixed windows in `rate_limits`, one
 * upsert returning the count, so that every worker and instance shares them. Checked before any password
 * work.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { sql } from 'kysely';
import type { Database } from '../db/database.js';

export interface Limit {
  name: string;
  max: number;
  windowMs: number;
}

export const LIMITS = {
  loginIp: { name: 'login:ip', max: 30, windowMs: 10 * 60_000 },
  loginUserFailures: { name: 'login:user', max: 10, windowMs: 15 * 60_000 },
  registerIp: { name: 'register:ip', max: 10, windowMs: 3_600_000 },
  resetIp: { name: 'reset:ip', max: 5, windowMs: 3_600_000 },
  verifyIp: { name: 'verify:ip', max: 5, windowMs: 3_600_000 },
  badTokenIp: { name: 'badtoken:ip', max: 30, windowMs: 60_000 },
  tokensUser: { name: 'tokens:user', max: 20, windowMs: 3_600_000 },
} satisfies Record<string, Limit>;

/** The client's address as limits count it: IPv4 as is, IPv6 by its /64. */
export function limitAddress(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  if (isIPv4(ip) || !isIPv6(ip)) return ip;
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g || '0', 16).toString(16))
    .join(':')}::/64`;
}

export interface LimitState {
  count: number;
  exceeded: boolean;
  retryAfterS: number;
}

/**
 * Each key's window starts at its first event and lasts `windowMs`; the next event after it starts a new
 * one. (Windows aligned to the clock would let an attacker double the rate around every boundary.)
 */
export class RateLimiter {
  constructor(private readonly db: Database) {}

  /** Counts one event; exceeded when the count is above the limit. */
  async hit(limit: Limit, subject: string, now = Date.now()): Promise<LimitState> {
    const key = `${limit.name}:${subject}`;
    const oldest = now - limit.windowMs;
    const row = await this.db.k
      .insertInto('rate_limits')
      .values({ key, window_start_ms: now, count: 1 })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          count: sql<number>`case when rate_limits.window_start_ms > ${oldest} then rate_limits.count + 1 else 1 end`,
          window_start_ms: sql<number>`case when rate_limits.window_start_ms > ${oldest} then rate_limits.window_start_ms else ${now} end`,
        }),
      )
      .returning(['count', 'window_start_ms'])
      .executeTakeFirstOrThrow();
    const count = Number(row.count);
    return {
      count,
      exceeded: count > limit.max,
      retryAfterS: (Number(row.window_start_ms) + limit.windowMs - now) / 1000,
    };
  }

  /** The count of the current window without counting; exceeded when it has reached the limit. */
  async peek(limit: Limit, subject: string, now = Date.now()): Promise<LimitState> {
    const row = await this.db.k
      .selectFrom('rate_limits')
      .select(['count', 'window_start_ms'])
      .where('key', '=', `${limit.name}:${subject}`)
      .where('window_start_ms', '>', now - limit.windowMs)
      .executeTakeFirst();
    const count = row ? Number(row.count) : 0;
    const retryAfterS = row ? (Number(row.window_start_ms) + limit.windowMs - now) / 1000 : 0;
    return { count, exceeded: count >= limit.max, retryAfterS };
  }

  async reset(limit: Limit, subject: string): Promise<void> {
    await this.db.k.deleteFrom('rate_limits').where('key', '=', `${limit.name}:${subject}`).execute();
  }
}
