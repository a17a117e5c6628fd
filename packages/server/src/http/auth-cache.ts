/**
 * A per-process memory of recently authenticated sessions and tokens, for one second: the database lookup
 * then costs once per second per credential instead of once per request. Anything that ends a session or
 * changes a user's rights in this process clears it at once; another process follows within a second.
 */
import type { Principal } from '../access/principal.js';

const TTL_MS = 1000;
const MAX_ENTRIES = 10_000;

export class AuthCache {
  private readonly entries = new Map<string, { principal: Principal; until: number }>();

  get(key: string, now = Date.now()): Principal | null {
    const e = this.entries.get(key);
    if (!e) return null;
    if (e.until <= now) {
      this.entries.delete(key);
      return null;
    }
    return e.principal;
  }

  set(key: string, principal: Principal, now = Date.now()): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { principal, until: now + TTL_MS });
  }

  clear(): void {
    this.entries.clear();
  }
}
