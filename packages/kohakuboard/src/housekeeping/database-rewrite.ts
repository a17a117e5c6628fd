/**
 * Rewriting metadata.db and KVault files (media/blobs.db, data/tensors/*.db) without some rows, for prune:
 * SQLite's online backup copies the file page by page (what its -wal holds included), then the rows are
 * deleted from the copy. metadata.db keeps its row ids (readers order tables by rowid); KVault files are
 * vacuumed so that removed blobs give their space back.
 */
import { Buffer } from 'node:buffer';
import Database from 'better-sqlite3';
import { hasTable, openReadOnly, type SqliteDatabase } from '../storage/index.js';

/** The step bounds of a prune: rows with lo <= step <= hi stay. */
export interface StepBounds {
  lo: number;
  hi: number;
}

export const METADATA_ROW_TABLES = ['steps', 'media', 'tables', 'tensors', 'kernel_density'] as const;
export type MetadataRowTable = (typeof METADATA_ROW_TABLES)[number];

const outside = 'NOT (step >= ? AND step <= ?)';

/** Rows of each metadata.db table that lie outside the bounds. */
export function countMetadataRows(
  db: SqliteDatabase,
  b: StepBounds,
): Record<MetadataRowTable, { rows: number; removed: number }> {
  const out = {} as Record<MetadataRowTable, { rows: number; removed: number }>;
  for (const t of METADATA_ROW_TABLES) {
    if (!hasTable(db, t)) {
      out[t] = { rows: 0, removed: 0 };
      continue;
    }
    const rows = Number(db.prepare(`SELECT count(*) FROM ${t}`).pluck().get());
    const removed = Number(db.prepare(`SELECT count(*) FROM ${t} WHERE ${outside}`).pluck().get(b.lo, b.hi));
    out[t] = { rows, removed };
  }
  return out;
}

/** Distinct values of an expression over the rows outside (or inside) the bounds. */
export function distinctKeys(
  db: SqliteDatabase,
  table: string,
  expr: string,
  b: StepBounds,
  removed: boolean,
): Set<string> {
  if (!hasTable(db, table)) return new Set();
  const where = removed ? outside : 'step >= ? AND step <= ?';
  return new Set(
    db.prepare(`SELECT DISTINCT ${expr} FROM ${table} WHERE ${where}`).pluck().all(b.lo, b.hi) as string[],
  );
}

/** Copies a database (with what its -wal holds) to a new file through SQLite's backup. */
async function copyDatabase(source: string, target: string): Promise<void> {
  const src = openReadOnly(source);
  try {
    await src.db.backup(target);
  } finally {
    src.close();
  }
}

function openCopy(target: string): SqliteDatabase {
  const db = new Database(target);
  db.pragma('journal_mode = WAL');
  return db;
}

function closeCopy(db: SqliteDatabase): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** metadata.db without the rows outside the bounds. */
export async function rewriteMetadataDb(source: string, target: string, b: StepBounds): Promise<void> {
  await copyDatabase(source, target);
  const db = openCopy(target);
  try {
    db.transaction(() => {
      for (const t of METADATA_ROW_TABLES) {
        if (hasTable(db, t)) db.prepare(`DELETE FROM ${t} WHERE ${outside}`).run(b.lo, b.hi);
      }
    })();
  } finally {
    closeCopy(db);
  }
}

/** A KVault file without the given keys (bound as UTF-8 BLOBs, as KVault keys are). */
export async function rewriteKVault(source: string, target: string, keys: readonly string[]): Promise<void> {
  await copyDatabase(source, target);
  const db = openCopy(target);
  try {
    const del = db.prepare('DELETE FROM kv WHERE key = ?');
    db.transaction(() => {
      for (const k of keys) del.run(Buffer.from(k, 'utf8'));
    })();
    db.exec('VACUUM');
  } finally {
    closeCopy(db);
  }
}

/** Which of the keys a KVault file holds, with their sizes. */
export function existingKeys(file: string, keys: Iterable<string>): Array<{ key: string; size: number }> {
  const h = openReadOnly(file);
  try {
    if (!hasTable(h.db, 'kv')) return [];
    const stmt = h.db.prepare('SELECT length(value) FROM kv WHERE key = ?').pluck();
    const out: Array<{ key: string; size: number }> = [];
    for (const key of keys) {
      const size = stmt.get(Buffer.from(key, 'utf8'));
      if (size !== undefined) out.push({ key, size: Number(size) });
    }
    return out;
  } finally {
    h.close();
  }
}
