/**
 * The hourly purge of every process: expired sessions, one-time tokens a week after use or expiry, changes
 * older than 15 minutes and rate-limit rows of past windows.
 */
import type { Database } from '../db/database.js';

const WEEK_MS = 7 * 86_400_000;
const CHANGES_KEPT_MS = 15 * 60_000;
const RATE_ROWS_KEPT_MS = 2 * 3_600_000;

export async function purgeOnce(db: Database, now = Date.now()): Promise<void> {
  await db.k.deleteFrom('sessions').where('expires_ms', '<=', now).execute();
  await db.k
    .deleteFrom('one_time_tokens')
    .where((eb) => eb.or([eb('used_ms', '<', now - WEEK_MS), eb('expires_ms', '<', now - WEEK_MS)]))
    .execute();
  await db.k
    .deleteFrom('run_changes')
    .where('at_ms', '<', now - CHANGES_KEPT_MS)
    .execute();
  await db.k
    .deleteFrom('rate_limits')
    .where('window_start_ms', '<', now - RATE_ROWS_KEPT_MS)
    .execute();
}

export function startPurge(db: Database, onError: (message: string) => void): () => void {
  const timer = setInterval(() => {
    purgeOnce(db).catch((err: Error) => onError(`purge: ${err.message}`));
  }, 3_600_000);
  timer.unref();
  return () => clearInterval(timer);
}
