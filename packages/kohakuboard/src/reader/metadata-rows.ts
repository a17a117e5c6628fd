/**
 * Targeted queries on `data/metadata.db` (STORAGE.md §4): the rows of one name, distinct names, and the
 * newest row ids, so that a request never reads every row of a large run. A missing table means no rows.
 */
import {
  hasTable,
  type KernelDensityRow,
  type MediaRow,
  type SqliteDatabase,
  type TableRow,
  type TensorRow,
} from '../storage/index.js';

export type RowTable = 'media' | 'tables' | 'tensors' | 'kernel_density';

const MEDIA_COLS =
  'id, media_hash, format, step, global_step, name, caption, type, size_bytes, width, height';
const TENSOR_COLS = 'step, global_step, name, namespace, kv_file, kv_key, dtype, shape, size_bytes, metadata';
const KDE_COLS =
  'step, global_step, name, kv_file, kv_key, kernel, bandwidth, sample_count, range_min, range_max, num_points, metadata';

export function distinctNames(db: SqliteDatabase, table: RowTable): string[] {
  if (!hasTable(db, table)) return [];
  const names = db.prepare(`SELECT DISTINCT name FROM ${table}`).pluck().all() as unknown[];
  return names.filter((n): n is string => typeof n === 'string').sort();
}

export function mediaRowsByName(db: SqliteDatabase, name: string): MediaRow[] {
  if (!hasTable(db, 'media')) return [];
  return db
    .prepare(`SELECT ${MEDIA_COLS} FROM media WHERE name = ? ORDER BY step, id`)
    .all(name) as MediaRow[];
}

export function mediaRowById(db: SqliteDatabase, id: number): MediaRow | null {
  if (!hasTable(db, 'media')) return null;
  return (db.prepare(`SELECT ${MEDIA_COLS} FROM media WHERE id = ?`).get(id) as MediaRow | undefined) ?? null;
}

export function mediaRowsByIds(db: SqliteDatabase, ids: number[]): MediaRow[] {
  if (!hasTable(db, 'media') || ids.length === 0) return [];
  const out: MediaRow[] = [];
  const stmt = db.prepare(`SELECT ${MEDIA_COLS} FROM media WHERE id = ?`);
  for (const id of ids) {
    const row = stmt.get(id) as MediaRow | undefined;
    if (row) out.push(row);
  }
  return out;
}

export interface MediaNameDetail {
  name: string;
  type: string;
  count: number;
  first_step: number;
  last_step: number;
}

export function mediaDetails(db: SqliteDatabase): MediaNameDetail[] {
  if (!hasTable(db, 'media')) return [];
  const rows = db
    .prepare(
      'SELECT name, count(*) AS count, min(step) AS first_step, max(step) AS last_step, ' +
        "CASE WHEN count(DISTINCT type) > 1 THEN 'mixed' ELSE max(type) END AS type FROM media GROUP BY name ORDER BY name",
    )
    .all() as MediaNameDetail[];
  return rows.map((r) => ({
    name: r.name,
    type: r.type,
    count: r.count,
    first_step: r.first_step,
    last_step: r.last_step,
  }));
}

/** Table rows of a name, by step and then append order (§A.15). */
export function tableRowsByName(db: SqliteDatabase, name: string): TableRow[] {
  if (!hasTable(db, 'tables')) return [];
  return db
    .prepare(
      'SELECT step, global_step, name, columns, column_types, rows FROM tables WHERE name = ? ORDER BY step, rowid',
    )
    .all(name) as TableRow[];
}

export function tensorRowsByName(db: SqliteDatabase, name: string): TensorRow[] {
  if (!hasTable(db, 'tensors')) return [];
  return db
    .prepare(`SELECT ${TENSOR_COLS} FROM tensors WHERE name = ? ORDER BY step, rowid`)
    .all(name) as TensorRow[];
}

export function kdeRowsByName(db: SqliteDatabase, name: string): KernelDensityRow[] {
  if (!hasTable(db, 'kernel_density')) return [];
  return db
    .prepare(`SELECT ${KDE_COLS} FROM kernel_density WHERE name = ? ORDER BY step, rowid`)
    .all(name) as KernelDensityRow[];
}

/** The largest rowid of a table (media: id), 0 when empty or missing. */
export function maxRowId(db: SqliteDatabase, table: RowTable): number {
  if (!hasTable(db, table)) return 0;
  return Number(db.prepare(`SELECT max(rowid) FROM ${table}`).pluck().get() ?? 0);
}

/** Distinct names of rows after a rowid (what grew since the last look). */
export function namesAfter(db: SqliteDatabase, table: RowTable, afterRowId: number): string[] {
  if (!hasTable(db, table)) return [];
  const names = db
    .prepare(`SELECT DISTINCT name FROM ${table} WHERE rowid > ?`)
    .pluck()
    .all(afterRowId) as unknown[];
  return names.filter((n): n is string => typeof n === 'string').sort();
}

/** The step-index row at a step: its timestamp in ms, or null. */
export function stepTimestamps(db: SqliteDatabase, steps: number[]): Map<number, number> {
  const out = new Map<number, number>();
  if (!hasTable(db, 'steps') || steps.length === 0) return out;
  const stmt = db.prepare('SELECT timestamp FROM steps WHERE step = ?').pluck();
  for (const s of new Set(steps)) {
    const t = stmt.get(s);
    if (t !== undefined && t !== null) out.set(s, Number(t));
  }
  return out;
}
