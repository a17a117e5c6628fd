/**
 * Rows of `data/metadata.db` past a rowid, in rowid order and a bounded number at a time: what an
 * incremental reader (a sync client) needs to go on where it stopped (docs/format.md#metadata-database).
 */
import type { KernelDensityRow, MediaRow, MetadataRowTable, TableRow, TensorRow } from './metadata-db.js';
import { hasTable, type SqliteDatabase } from './sqlite.js';

export type WithRowId<T> = T & { rowid: number };

const COLUMNS: Record<MetadataRowTable, string> = {
  media:
    'id AS rowid, id, media_hash, format, step, global_step, name, caption, type, size_bytes, width, height',
  tables: 'rowid, step, global_step, name, columns, column_types, rows',
  tensors: 'rowid, step, global_step, name, namespace, kv_file, kv_key, dtype, shape, size_bytes, metadata',
  kernel_density:
    'rowid, step, global_step, name, kv_file, kv_key, kernel, bandwidth, sample_count, range_min, range_max, num_points, metadata',
};

interface RowOf {
  media: MediaRow;
  tables: TableRow;
  tensors: TensorRow;
  kernel_density: KernelDensityRow;
}

/** At most `limit` rows of `table` whose rowid (media: `id`) is above `afterRowId`; [] when the table is missing. */
export function readRowsAfter<K extends MetadataRowTable>(
  db: SqliteDatabase,
  table: K,
  afterRowId: number,
  limit: number,
): Array<WithRowId<RowOf[K]>> {
  if (!hasTable(db, table)) return [];
  const key = table === 'media' ? 'id' : 'rowid';
  return db
    .prepare(`SELECT ${COLUMNS[table]} FROM ${table} WHERE ${key} > ? ORDER BY ${key} LIMIT ?`)
    .all(afterRowId, limit) as Array<WithRowId<RowOf[K]>>;
}

/** The `format` of the media rows that name each hash (the blob key is `<hash>.<format>`). */
export function readMediaFormats(db: SqliteDatabase, hashes: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (!hasTable(db, 'media')) return out;
  const stmt = db.prepare('SELECT format FROM media WHERE media_hash = ? LIMIT 1').pluck();
  for (const h of hashes) {
    const format = stmt.get(h) as string | undefined;
    if (format !== undefined) out.set(h, format);
  }
  return out;
}

/** How many rows of `table` have a rowid (media: `id`) above `afterRowId`; 0 when the table is missing. */
export function countRowsAfter(db: SqliteDatabase, table: MetadataRowTable, afterRowId: number): number {
  if (!hasTable(db, table)) return 0;
  const key = table === 'media' ? 'id' : 'rowid';
  return db.prepare(`SELECT count(*) FROM ${table} WHERE ${key} > ?`).pluck().get(afterRowId) as number;
}
