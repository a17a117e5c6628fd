/**
 * `data/metadata.db` (docs/format.md#metadata-database): the step index and the rows of media, tables,
 * tensors and KDEs.
 */
import { hasTable, type SqliteDatabase } from './sqlite.js';

const MEDIA_COLUMNS = `    id INTEGER PRIMARY KEY AUTOINCREMENT,
    media_hash TEXT NOT NULL,
    format TEXT NOT NULL,
    step INTEGER NOT NULL,
    global_step INTEGER,
    name TEXT NOT NULL,
    caption TEXT,
    type TEXT NOT NULL,
    size_bytes INTEGER,
    width INTEGER,
    height INTEGER,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP`;

/**
 * The DDL of docs/format.md#metadata-database-schema; `unique` selects the Python original's media table
 * (with UNIQUE).
 */
export function metadataDbSchema(unique: boolean): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS steps (
    step INTEGER PRIMARY KEY,
    global_step INTEGER,
    timestamp INTEGER
)`,
    `CREATE TABLE IF NOT EXISTS media (
${MEDIA_COLUMNS}${unique ? ',\n    UNIQUE(media_hash, format)' : ''}
)`,
    'CREATE INDEX IF NOT EXISTS idx_media_id ON media(id)',
    'CREATE INDEX IF NOT EXISTS idx_media_hash ON media(media_hash)',
    'CREATE INDEX IF NOT EXISTS idx_media_name ON media(name)',
    `CREATE TABLE IF NOT EXISTS tables (
    step INTEGER NOT NULL,
    global_step INTEGER,
    name TEXT NOT NULL,
    columns TEXT,
    column_types TEXT,
    rows TEXT
)`,
    `CREATE TABLE IF NOT EXISTS tensors (
    step INTEGER NOT NULL,
    global_step INTEGER,
    name TEXT NOT NULL,
    namespace TEXT NOT NULL,
    kv_file TEXT NOT NULL,
    kv_key TEXT NOT NULL,
    dtype TEXT,
    shape TEXT,
    size_bytes INTEGER,
    metadata TEXT,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
)`,
    'CREATE INDEX IF NOT EXISTS idx_tensors_name ON tensors(name)',
    'CREATE INDEX IF NOT EXISTS idx_tensors_step ON tensors(step)',
    `CREATE TABLE IF NOT EXISTS kernel_density (
    step INTEGER NOT NULL,
    global_step INTEGER,
    name TEXT NOT NULL,
    kv_file TEXT NOT NULL,
    kv_key TEXT NOT NULL,
    kernel TEXT,
    bandwidth TEXT,
    sample_count INTEGER,
    range_min REAL,
    range_max REAL,
    num_points INTEGER,
    metadata TEXT,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
)`,
    'CREATE INDEX IF NOT EXISTS idx_kde_name ON kernel_density(name)',
    'CREATE INDEX IF NOT EXISTS idx_kde_step ON kernel_density(step)',
  ];
}

/**
 * Creates every table of a TS-written metadata.db (media without UNIQUE,
 * docs/format.md#media-table-variants).
 */
export function createMetadataTables(db: SqliteDatabase): void {
  db.transaction(() => {
    for (const stmt of metadataDbSchema(false)) db.exec(stmt);
  }).immediate();
}

/**
 * True when the media table carries the original's UNIQUE(media_hash, format)
 * (docs/format.md#media-table-variants).
 */
export function mediaTableIsUnique(db: SqliteDatabase): boolean {
  const sql = db
    .prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'media'")
    .pluck()
    .get();
  return typeof sql === 'string' && sql.includes('UNIQUE');
}

// ---------------------------------------------------------------------------------------------------------
// Rows

export interface StepRows {
  step: Float64Array;
  globalStep: Float64Array;
  timestamp: Float64Array;
}

export interface MediaRow {
  id: number;
  media_hash: string;
  format: string;
  step: number;
  global_step: number | null;
  name: string;
  caption: string | null;
  type: string;
  size_bytes: number | null;
  width: number | null;
  height: number | null;
}

export interface TableRow {
  step: number;
  global_step: number | null;
  name: string;
  columns: string | null;
  column_types: string | null;
  rows: string | null;
}

export interface TensorRow {
  step: number;
  global_step: number | null;
  name: string;
  namespace: string;
  kv_file: string;
  kv_key: string;
  dtype: string | null;
  shape: string | null;
  size_bytes: number | null;
  metadata: string | null;
}

export interface KernelDensityRow {
  step: number;
  global_step: number | null;
  name: string;
  kv_file: string;
  kv_key: string;
  kernel: string | null;
  bandwidth: string | null;
  sample_count: number | null;
  range_min: number | null;
  range_max: number | null;
  num_points: number | null;
  metadata: string | null;
}

/** The step index in step order. A missing table is no rows. */
export function readSteps(db: SqliteDatabase, afterStep?: number): StepRows {
  if (!hasTable(db, 'steps'))
    return { step: new Float64Array(0), globalStep: new Float64Array(0), timestamp: new Float64Array(0) };
  const rows = (
    afterStep === undefined
      ? db.prepare('SELECT step, global_step, timestamp FROM steps ORDER BY step')
      : db
          .prepare('SELECT step, global_step, timestamp FROM steps WHERE step > ? ORDER BY step')
          .bind(afterStep)
  )
    .raw()
    .all() as Array<[number | bigint, number | bigint | null, number | bigint | null]>;
  const n = rows.length;
  const out: StepRows = {
    step: new Float64Array(n),
    globalStep: new Float64Array(n),
    timestamp: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    out.step[i] = Number(r[0]);
    out.globalStep[i] = r[1] === null ? Number.NaN : Number(r[1]);
    out.timestamp[i] = r[2] === null ? Number.NaN : Number(r[2]);
  }
  return out;
}

/** Summary of the step index without reading it whole: count, first/last step and timestamps. */
export function readStepBounds(db: SqliteDatabase): {
  count: number;
  lastStep: number | null;
  firstTimestamp: number | null;
  lastTimestamp: number | null;
  hasGlobalStep: boolean;
} {
  if (!hasTable(db, 'steps'))
    return { count: 0, lastStep: null, firstTimestamp: null, lastTimestamp: null, hasGlobalStep: false };
  const agg = db.prepare('SELECT count(*) AS n, max(step) AS last FROM steps').get() as {
    n: number;
    last: number | null;
  };
  const first = db.prepare('SELECT timestamp FROM steps ORDER BY step LIMIT 1').pluck().get() as
    | number
    | undefined;
  const last = db.prepare('SELECT timestamp FROM steps ORDER BY step DESC LIMIT 1').pluck().get() as
    | number
    | undefined;
  const gs = db.prepare('SELECT 1 FROM steps WHERE global_step != 0 LIMIT 1').get() !== undefined;
  return {
    count: agg.n,
    lastStep: agg.last,
    firstTimestamp: first ?? null,
    lastTimestamp: last ?? null,
    hasGlobalStep: gs,
  };
}

function allRows<T>(db: SqliteDatabase, table: string, sql: string): T[] {
  if (!hasTable(db, table)) return [];
  return db.prepare(sql).all() as T[];
}

export function readMediaRows(db: SqliteDatabase): MediaRow[] {
  return allRows<MediaRow>(
    db,
    'media',
    'SELECT id, media_hash, format, step, global_step, name, caption, type, size_bytes, width, height FROM media ORDER BY id',
  );
}

/** Table rows in storage (rowid) order. */
export function readTableRows(db: SqliteDatabase): TableRow[] {
  return allRows<TableRow>(
    db,
    'tables',
    'SELECT step, global_step, name, columns, column_types, rows FROM tables ORDER BY rowid',
  );
}

export function readTensorRows(db: SqliteDatabase): TensorRow[] {
  return allRows<TensorRow>(
    db,
    'tensors',
    'SELECT step, global_step, name, namespace, kv_file, kv_key, dtype, shape, size_bytes, metadata FROM tensors ORDER BY rowid',
  );
}

export function readKernelDensityRows(db: SqliteDatabase): KernelDensityRow[] {
  return allRows<KernelDensityRow>(
    db,
    'kernel_density',
    'SELECT step, global_step, name, kv_file, kv_key, kernel, bandwidth, sample_count, range_min, range_max, num_points, metadata ' +
      'FROM kernel_density ORDER BY rowid',
  );
}

// ---------------------------------------------------------------------------------------------------------
// Targeted reads: the rows of one name, names, newest row ids and parts of the step index, so that a reader
// never reads every row of a large run to answer one question. A missing table means no rows.

/** The tables of metadata.db whose rows carry a log `name`. */
export type MetadataRowTable = 'media' | 'tables' | 'tensors' | 'kernel_density';

const MEDIA_SELECT =
  'SELECT id, media_hash, format, step, global_step, name, caption, type, size_bytes, width, height FROM media';
const TENSOR_SELECT =
  'SELECT step, global_step, name, namespace, kv_file, kv_key, dtype, shape, size_bytes, metadata FROM tensors';
const KDE_SELECT =
  'SELECT step, global_step, name, kv_file, kv_key, kernel, bandwidth, sample_count, range_min, range_max, ' +
  'num_points, metadata FROM kernel_density';

const textValues = (values: unknown[]): string[] => values.filter((n): n is string => typeof n === 'string');

/** The distinct names of a row table, sorted by UTF-16 code units (JavaScript's default order). */
export function readDistinctNames(db: SqliteDatabase, table: MetadataRowTable): string[] {
  if (!hasTable(db, table)) return [];
  return textValues(db.prepare(`SELECT DISTINCT name FROM ${table}`).pluck().all()).sort();
}

/** The media rows of a name, by step and then id (docs/api.md#media). */
export function readMediaRowsByName(db: SqliteDatabase, name: string): MediaRow[] {
  if (!hasTable(db, 'media')) return [];
  return db.prepare(`${MEDIA_SELECT} WHERE name = ? ORDER BY step, id`).all(name) as MediaRow[];
}

export function readMediaRowById(db: SqliteDatabase, id: number): MediaRow | null {
  if (!hasTable(db, 'media')) return null;
  return (db.prepare(`${MEDIA_SELECT} WHERE id = ?`).get(id) as MediaRow | undefined) ?? null;
}

/** The media rows of the given ids that exist, in the order of `ids`. */
export function readMediaRowsByIds(db: SqliteDatabase, ids: readonly number[]): MediaRow[] {
  if (!hasTable(db, 'media') || ids.length === 0) return [];
  const stmt = db.prepare(`${MEDIA_SELECT} WHERE id = ?`);
  const out: MediaRow[] = [];
  for (const id of ids) {
    const row = stmt.get(id) as MediaRow | undefined;
    if (row) out.push(row);
  }
  return out;
}

/** Per media name: the row count, the step range and the type ("mixed" when a name holds several). */
export interface MediaNameSummary {
  name: string;
  type: string;
  count: number;
  first_step: number;
  last_step: number;
}

export function readMediaNameSummaries(db: SqliteDatabase): MediaNameSummary[] {
  if (!hasTable(db, 'media')) return [];
  const rows = db
    .prepare(
      'SELECT name, count(*) AS count, min(step) AS first_step, max(step) AS last_step, ' +
        "CASE WHEN count(DISTINCT type) > 1 THEN 'mixed' ELSE max(type) END AS type FROM media GROUP BY name ORDER BY name",
    )
    .all() as MediaNameSummary[];
  return rows.map((r) => ({
    name: r.name,
    type: r.type,
    count: r.count,
    first_step: r.first_step,
    last_step: r.last_step,
  }));
}

/** The table rows of a name, by step and then append order (docs/api.md#tables). */
export function readTableRowsByName(db: SqliteDatabase, name: string): TableRow[] {
  if (!hasTable(db, 'tables')) return [];
  return db
    .prepare(
      'SELECT step, global_step, name, columns, column_types, rows FROM tables WHERE name = ? ORDER BY step, rowid',
    )
    .all(name) as TableRow[];
}

/** The tensor rows of a name, by step and then append order. */
export function readTensorRowsByName(db: SqliteDatabase, name: string): TensorRow[] {
  if (!hasTable(db, 'tensors')) return [];
  return db.prepare(`${TENSOR_SELECT} WHERE name = ? ORDER BY step, rowid`).all(name) as TensorRow[];
}

/** The kernel-density rows of a name, by step and then append order. */
export function readKernelDensityRowsByName(db: SqliteDatabase, name: string): KernelDensityRow[] {
  if (!hasTable(db, 'kernel_density')) return [];
  return db.prepare(`${KDE_SELECT} WHERE name = ? ORDER BY step, rowid`).all(name) as KernelDensityRow[];
}

/** The largest rowid of a row table (for media: the largest id); 0 when it is empty or missing. */
export function readMaxRowId(db: SqliteDatabase, table: MetadataRowTable): number {
  if (!hasTable(db, table)) return 0;
  return Number(db.prepare(`SELECT max(rowid) FROM ${table}`).pluck().get() ?? 0);
}

/** The distinct names of the rows after a rowid (what grew since a reader last looked), sorted. */
export function readNamesAfterRowId(
  db: SqliteDatabase,
  table: MetadataRowTable,
  afterRowId: number,
): string[] {
  if (!hasTable(db, table)) return [];
  return textValues(
    db.prepare(`SELECT DISTINCT name FROM ${table} WHERE rowid > ?`).pluck().all(afterRowId),
  ).sort();
}

/** The step-index timestamp (ms) of each given step that has a row with a timestamp. */
export function readStepTimestamps(db: SqliteDatabase, steps: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  if (!hasTable(db, 'steps') || steps.length === 0) return out;
  const stmt = db.prepare('SELECT timestamp FROM steps WHERE step = ?').pluck();
  for (const s of new Set(steps)) {
    const t = stmt.get(s);
    if (t !== undefined && t !== null) out.set(s, Number(t));
  }
  return out;
}

/** The last step of the step index and the timestamps of its first and last rows, from indexed lookups. */
export interface StepIndexEnds {
  lastStep: number;
  firstTimestamp: number | null;
  lastTimestamp: number | null;
}

const numberOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** The ends of the step index; null when it is empty or missing. Call inside readSnapshot for one view. */
export function readStepIndexEnds(db: SqliteDatabase): StepIndexEnds | null {
  if (!hasTable(db, 'steps')) return null;
  const lastStep = numberOrNull(db.prepare('SELECT max(step) FROM steps').pluck().get());
  if (lastStep === null) return null;
  return {
    lastStep,
    firstTimestamp: numberOrNull(
      db.prepare('SELECT timestamp FROM steps ORDER BY step LIMIT 1').pluck().get(),
    ),
    lastTimestamp: numberOrNull(
      db.prepare('SELECT timestamp FROM steps ORDER BY step DESC LIMIT 1').pluck().get(),
    ),
  };
}

/** The step and global_step of the step index's last row (largest step); null when it is empty or missing. */
export function readLastStepRow(db: SqliteDatabase): { step: number; globalStep: number | null } | null {
  if (!hasTable(db, 'steps')) return null;
  const row = db.prepare('SELECT step, global_step FROM steps ORDER BY step DESC LIMIT 1').get() as
    | { step: unknown; global_step: unknown }
    | undefined;
  if (!row || row.step === null || row.step === undefined) return null;
  return { step: Number(row.step), globalStep: numberOrNull(row.global_step) };
}

/**
 * Whether any step-index row has a global_step other than 0, looking only at rows with a step greater than
 * `afterStep` when it is given (a growing run is then never rescanned whole).
 */
export function stepIndexHasGlobalStep(db: SqliteDatabase, afterStep?: number): boolean {
  if (!hasTable(db, 'steps')) return false;
  const row =
    afterStep === undefined
      ? db.prepare('SELECT 1 FROM steps WHERE global_step != 0 LIMIT 1').get()
      : db.prepare('SELECT 1 FROM steps WHERE step > ? AND global_step != 0 LIMIT 1').get(afterStep);
  return row !== undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Writing (one transaction per flush is the caller's job: docs/client.md#commits)

/** Rows per statement of MetadataDbWriter.steps (3 parameters each, well below SQLite's limit). */
const STEP_BLOCK = 128;

/**
 * Prepared inserts for a TS writer. Numbers are never bound into TEXT columns
 * (docs/format.md#binding-values).
 */
export class MetadataDbWriter {
  private readonly insertStep;
  private readonly insertStepBlock;
  private readonly insertMedia;
  private readonly findMedia;
  private readonly insertTable;
  private readonly insertTensor;
  private readonly insertKde;
  /**
   * The original's dedup rule applies when appending to a file whose media table has UNIQUE
   * (docs/format.md#media-table-variants).
   */
  readonly mediaUnique: boolean;

  constructor(readonly db: SqliteDatabase) {
    this.mediaUnique = mediaTableIsUnique(db);
    this.insertStep = db.prepare(
      'INSERT OR REPLACE INTO steps (step, global_step, timestamp) VALUES (?, ?, ?)',
    );
    this.insertStepBlock = db.prepare(
      `INSERT OR REPLACE INTO steps (step, global_step, timestamp) VALUES ${Array(STEP_BLOCK).fill('(?, ?, ?)').join(', ')}`,
    );
    this.insertMedia = db.prepare(
      'INSERT INTO media (media_hash, format, step, global_step, name, caption, type, size_bytes, width, height) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.findMedia = db.prepare('SELECT id FROM media WHERE media_hash = ? AND format = ?').pluck();
    this.insertTable = db.prepare(
      'INSERT INTO tables (step, global_step, name, columns, column_types, rows) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.insertTensor = db.prepare(
      'INSERT INTO tensors (step, global_step, name, namespace, kv_file, kv_key, dtype, shape, size_bytes, metadata) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.insertKde = db.prepare(
      'INSERT INTO kernel_density (step, global_step, name, kv_file, kv_key, kernel, bandwidth, sample_count, ' +
        'range_min, range_max, num_points, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
  }

  step(step: number, globalStep: number, timestamp: number): void {
    this.insertStep.run(step, globalStep, timestamp);
  }

  /**
   * Inserts `count` step rows in order (the last row of a step wins), many rows per statement: a writer that
   * commits a million steps spends its time in SQLite, not in one statement call per row.
   */
  steps(
    step: ArrayLike<number>,
    globalStep: ArrayLike<number>,
    timestamp: ArrayLike<number>,
    count = step.length,
  ): void {
    const args = new Array<number>(STEP_BLOCK * 3);
    let i = 0;
    for (; i + STEP_BLOCK <= count; i += STEP_BLOCK) {
      for (let j = 0; j < STEP_BLOCK; j++) {
        args[3 * j] = step[i + j];
        args[3 * j + 1] = globalStep[i + j];
        args[3 * j + 2] = timestamp[i + j];
      }
      this.insertStepBlock.run(args);
    }
    for (; i < count; i++) this.insertStep.run(step[i], globalStep[i], timestamp[i]);
  }

  /** Inserts a media row and returns its id (created_at is never bound, docs/format.md#row-meanings). */
  media(row: Omit<MediaRow, 'id'>): number {
    if (this.mediaUnique) {
      const id = this.findMedia.get(row.media_hash, row.format) as number | undefined;
      if (id !== undefined) return id;
    }
    const r = this.insertMedia.run(
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
    return Number(r.lastInsertRowid);
  }

  table(row: TableRow): void {
    this.insertTable.run(row.step, row.global_step, row.name, row.columns, row.column_types, row.rows);
  }

  tensor(row: TensorRow): void {
    this.insertTensor.run(
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
  }

  kernelDensity(row: KernelDensityRow): void {
    this.insertKde.run(
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
  }
}
