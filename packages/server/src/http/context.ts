/**
 * What every route of a server process shares: the configuration, the database, the run index with the
 * rights over it, the rate limiter, the event hub, the leases and the ingest threads.
 */
import type { Rights } from '../access/rights.js';
import type { RateLimiter } from '../auth/rate-limit.js';
import type { ServerConfig } from '../config/resolve.js';
import type { Database } from '../db/database.js';
import type { Leases } from '../db/leases.js';
import type { SequencedEventHub } from '../index/change-events.js';
import type { ServerIndex } from '../index/server-index.js';
import type { IngestRate } from '../ingest/ingest-rate.js';
import type { IngestPool } from '../ingest/pool.js';
import type { AuthCache } from './auth-cache.js';

export interface ServerContext {
  config: ServerConfig;
  db: Database;
  index: ServerIndex;
  rights: Rights;
  limiter: RateLimiter;
  events: SequencedEventHub;
  /** The ingest threads (uploads are parsed and written there). */
  ingest: IngestPool;
  /** --ingest-rate: upload requests per token or session. */
  ingestRate: IngestRate;
  leases: Leases;
  /** Recently authenticated credentials; cleared by whatever ends a session or changes rights. */
  authCache: AuthCache;
  /** Asks the scanner for a sweep now (POST /api/admin/rescan). */
  rescan(): void;
}
