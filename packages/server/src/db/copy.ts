/**
 * `kobo-serve db-copy`: every table from one database to another, empty one (migrated first), in the order
 * of their references, keeping ids; PostgreSQL's identity sequences are moved past the copied ids.
 */
import { ServerError } from '../errors.js';
import { type Database, migrate } from './database.js';
import type { Schema } from './schema.js';

const TABLES: Array<keyof Schema> = [
  'owners',
  'users',
  'organizations',
  'memberships',
  'projects',
  'runs',
  'sessions',
  'api_tokens',
  'one_time_tokens',
  'leases',
  'run_changes',
  'rate_limits',
  'audit_events',
  'settings',
];
const IDENTITY: Record<string, string> = {
  owners: 'id',
  projects: 'id',
  runs: 'id',
  api_tokens: 'id',
  one_time_tokens: 'id',
  run_changes: 'seq',
  audit_events: 'id',
};
const BATCH = 500;

export async function copyDatabase(from: Database, to: Database): Promise<Map<string, number>> {
  await migrate(from);
  await migrate(to);
  const existing = await to.k
    .selectFrom('owners')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  if (Number(existing.n) > 0)
    throw new ServerError('target_not_empty', 'db-copy: the target database already has accounts');
  const counts = new Map<string, number>();
  await to.k.transaction().execute(async (tx) => {
    for (const table of TABLES) {
      const rows = (await from.k.selectFrom(table).selectAll().execute()) as Record<string, unknown>[];
      for (let i = 0; i < rows.length; i += BATCH) {
        await tx
          .insertInto(table)
          .values(rows.slice(i, i + BATCH) as never)
          .execute();
      }
      counts.set(table, rows.length);
    }
    for (const [table, column] of Object.entries(IDENTITY))
      await to.resetIdentity(tx, table as keyof Schema, column);
  });
  return counts;
}
