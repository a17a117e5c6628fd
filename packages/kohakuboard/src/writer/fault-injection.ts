/**
 * An internal hook for the full-disk tests (client/internal-hooks.ts): while a given file exists, every
 * SQLite transaction the writer starts fails as SQLite fails on a full disk (SQLITE_FULL, "database or disk
 * is full"). It wraps better-sqlite3's `exec` (for BEGIN) and `transaction`, below all of the writer's and
 * the storage layer's own code, so those paths are tested as they run. The writer thread loads this module only
 * when the hook is set.
 */

import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

type Transaction = ((...args: unknown[]) => unknown) & Record<string, unknown>;

export function failTransactionsWhileFileExists(flagFile: string): void {
  const full = () => new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
  const proto = Database.prototype as unknown as {
    transaction(fn: unknown): Transaction;
    exec(sql: string): unknown;
  };
  // Transactions begun with plain statements.
  const exec = proto.exec;
  proto.exec = function (this: unknown, sql: string) {
    if (/^\s*BEGIN\b/i.test(sql) && existsSync(flagFile)) throw full();
    return exec.call(this, sql);
  };
  // And those begun through better-sqlite3's transaction functions.
  const original = proto.transaction;
  proto.transaction = function (this: unknown, fn: unknown): Transaction {
    const tx = original.call(this, fn);
    const guard = (run: (...args: unknown[]) => unknown) =>
      function (this: unknown, ...args: unknown[]) {
        if (existsSync(flagFile)) throw full();
        return run.apply(this, args);
      };
    const wrapped = guard(tx) as Transaction;
    for (const variant of ['default', 'deferred', 'immediate', 'exclusive']) {
      wrapped[variant] = guard(tx[variant] as (...args: unknown[]) => unknown);
    }
    return wrapped;
  };
}
