/**
 * What every route of a server process shares: the configuration, the database, the run index with the
 * rights over it, the rate limiter, the event hub and the leases.
 */
import type { EventHub } from 'kohakuboard/read-api';
import type { Rights } from '../access/rights.js';
import type { RateLimiter } from '../auth/rate-limit.js';
import type { ServerConfig } from '../config/resolve.js';
import type { Database } from '../db/database.js';
import type { Leases } from '../db/leases.js';
import type { ServerIndex } from '../index/server-index.js';
import type { AuthCache } from './auth-cache.js';

export interface ServerContext {
  config: ServerConfig;
  db: Database;
  index: ServerIndex;
  rights: Rights;
  limiter: RateLimiter;
  events: EventHub;
  leases: Leases;
  /** Recently authenticated credentials; cleared by whatever ends a session or changes rights. */
  authCache: AuthCache;
  /** Asks the scanner for a sweep now (POST /api/admin/rescan). */
  rescan(): void;
}
