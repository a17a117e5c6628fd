/**
 * Runs a suite on SQLite and on PostgreSQL. Without PostgreSQL the PostgreSQL half is skipped with a loud
 * warning, and fails when CI is set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type DbTarget, parseDbUrl } from '../../src/config/resolve.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from './postgres.js';

export interface BackendHandle {
  name: 'sqlite' | 'postgres';
  /** Valid inside tests and hooks. */
  target(): DbTarget;
}

export function describeBackends(title: string, body: (b: BackendHandle) => void): void {
  describe(`${title} [sqlite]`, () => {
    let dir = '';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'kobo-sqlite-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    body({ name: 'sqlite', target: () => parseDbUrl(`sqlite:///${join(dir, 'kobo.db')}`) });
  });

  const pgState = postgresAvailable();
  if (!pgState.ok) {
    if (process.env.CI) {
      describe(`${title} [postgres]`, () => {
        it('needs PostgreSQL in CI', () => {
          throw new Error(`PostgreSQL tests cannot run: ${pgState.why}`);
        });
      });
    } else {
      console.warn(`\n*** SKIPPING PostgreSQL tests of "${title}": ${pgState.why} ***\n`);
      describe.skip(`${title} [postgres]`, () =>
        body({ name: 'postgres', target: () => parseDbUrl('postgres://x') }));
    }
    return;
  }
  describe(`${title} [postgres]`, () => {
    let db: TestDatabase | null = null;
    beforeAll(async () => {
      db = await createTestDatabase();
    }, 120_000);
    afterAll(async () => {
      await db?.drop();
    }, 60_000);
    body({
      name: 'postgres',
      target: () => {
        if (!db) throw new Error('PostgreSQL test database not ready');
        return parseDbUrl(db.url);
      },
    });
  });
}
