/**
 * Rows of `data/metadata.db` written with the ids their first writer gave them. A server that stores an
 * uploaded run keeps the client's ids, so that a table cell `<media id=N>` still names the right row and a
 * row sent again is recognised by its id; rows sent without an id are matched by name and step instead.
 * Numbers are never bound into TEXT columns (docs/format.md#binding-values).
 */
import type { KernelDensityRow, MediaRow, MetadataRowTable, TableRow, TensorRow } from './metadata-db.js';
import type { SqliteDatabase, SqliteStatement } from './sqlite.js';

export class MetadataDbIdWriter {
  private readonly insertMedia: SqliteStatement;
  private readonly insertTable: SqliteStatement;
  private readonly insertTensor: SqliteStatement;
  private readonly updateTensor: SqliteStatement;
  private readonly insertKde: SqliteStatement;
  private readonly updateKde: SqliteStatement;
  private readonly lastStep = new Map<MetadataRowTable, SqliteStatement>();
  private readonly stepRow: SqliteStatement;
  private readonly rowIdExists = new Map<MetadataRowTable, SqliteStatement>();
  private readonly mediaExists: SqliteStatement;

  constructor(readonly db: SqliteDatabase) {
    this.insertMedia = db.prepare(
      'INSERT OR IGNORE INTO media (id, media_hash, format, step, global_step, name, caption, type, size_bytes, ' +
        'width, height) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.insertTable = db.prepare(
      'INSERT OR IGNORE INTO tables (rowid, step, global_step, name, columns, column_types, rows) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const tensorColumns =
      'step, global_step, name, namespace, kv_file, kv_key, dtype, shape, size_bytes, metadata';
    this.insertTensor = db.prepare(
      `INSERT OR IGNORE INTO tensors (rowid, ${tensorColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.updateTensor = db.prepare(
      'UPDATE tensors SET global_step = ?, namespace = ?, kv_file = ?, kv_key = ?, dtype = ?, shape = ?, ' +
        'size_bytes = ?, metadata = ? WHERE name = ? AND step = ?',
    );
    const kdeColumns =
      'step, global_step, name, kv_file, kv_key, kernel, bandwidth, sample_count, range_min, range_max, ' +
      'num_points, metadata';
    this.insertKde = db.prepare(
      `INSERT OR IGNORE INTO kernel_density (rowid, ${kdeColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.updateKde = db.prepare(
      'UPDATE kernel_density SET global_step = ?, kv_file = ?, kv_key = ?, kernel = ?, bandwidth = ?, ' +
        'sample_count = ?, range_min = ?, range_max = ?, num_points = ?, metadata = ? WHERE name = ? AND step = ?',
    );
    for (const t of ['media', 'tables', 'tensors', 'kernel_density'] as const) {
      this.lastStep.set(t, db.prepare(`SELECT max(step) FROM ${t} WHERE name = ?`).pluck());
      this.rowIdExists.set(t, db.prepare(`SELECT 1 FROM ${t} WHERE rowid = ?`).pluck());
    }
    this.mediaExists = db.prepare('SELECT 1 FROM media WHERE media_hash = ? AND format = ? LIMIT 1').pluck();
    this.stepRow = db.prepare('SELECT global_step, timestamp FROM steps WHERE step = ?').raw();
  }

  /** Inserts a media row with its id unless a row has that id (or, in a file with UNIQUE, that blob). */
  media(row: MediaRow): boolean {
    const r = this.insertMedia.run(
      row.id,
      row.media_hash,
      row.format,
      row.step,
      row.global_step,
      row.name,
      row.caption ?? '',
      row.type,
      row.size_bytes,
      row.width,
      row.height,
    );
    return r.changes > 0;
  }

  /** Inserts a table row, with `rowid` when given (then unless a row has it); true when a row was added. */
  table(rowid: number | null, row: TableRow): boolean {
    const r = this.insertTable.run(
      rowid,
      row.step,
      row.global_step,
      row.name,
      row.columns,
      row.column_types,
      row.rows,
    );
    return r.changes > 0;
  }

  /** Inserts a tensor row with `rowid` (then unless a row has it), or, without one, replaces the row of its name and step. */
  tensor(rowid: number | null, row: TensorRow): boolean {
    if (rowid === null) {
      const u = this.updateTensor.run(
        row.global_step,
        row.namespace,
        row.kv_file,
        row.kv_key,
        row.dtype,
        row.shape,
        row.size_bytes,
        row.metadata,
        row.name,
        row.step,
      );
      if (u.changes > 0) return true;
    }
    const r = this.insertTensor.run(
      rowid,
      row.step,
      row.global_step,
      row.name,
      row.namespace,
      row.kv_file,
      row.kv_key,
      row.dtype,
      row.shape,
      row.size_bytes,
      row.metadata,
    );
    return r.changes > 0;
  }

  /** As `tensor`, for a kernel-density row. */
  kernelDensity(rowid: number | null, row: KernelDensityRow): boolean {
    if (rowid === null) {
      const u = this.updateKde.run(
        row.global_step,
        row.kv_file,
        row.kv_key,
        row.kernel,
        row.bandwidth,
        row.sample_count,
        row.range_min,
        row.range_max,
        row.num_points,
        row.metadata,
        row.name,
        row.step,
      );
      if (u.changes > 0) return true;
    }
    const r = this.insertKde.run(
      rowid,
      row.step,
      row.global_step,
      row.name,
      row.kv_file,
      row.kv_key,
      row.kernel,
      row.bandwidth,
      row.sample_count,
      row.range_min,
      row.range_max,
      row.num_points,
      row.metadata,
    );
    return r.changes > 0;
  }

  /** Whether a media row names this blob. */
  hasMedia(hash: string, format: string): boolean {
    return this.mediaExists.get(hash, format) !== undefined;
  }

  /** Whether a row table has a row with this rowid (for media: this id). */
  hasRowId(table: MetadataRowTable, rowid: number): boolean {
    return this.rowIdExists.get(table)!.get(rowid) !== undefined;
  }

  /** The largest step stored for a name in a row table, or null. */
  lastStepOf(table: MetadataRowTable, name: string): number | null {
    const v = this.lastStep.get(table)!.get(name);
    return v === null || v === undefined ? null : Number(v);
  }

  /** The step-index row of a step: global step and timestamp (null where absent). */
  stepRowOf(step: number): { globalStep: number | null; timestamp: number | null } | null {
    const r = this.stepRow.get(step) as [number | null, number | null] | undefined;
    if (!r) return null;
    return {
      globalStep: r[0] === null ? null : Number(r[0]),
      timestamp: r[1] === null ? null : Number(r[1]),
    };
  }
}
