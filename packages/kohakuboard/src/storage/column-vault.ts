/**
 * KohakuVault ColumnVault files (docs/format.md#column-vault): named columns of fixed-size elements kept in
 * zero-padded BLOB chunks, plus var-size columns made of an `X_data` byte column and an `X_idx` index column.
 *
 * This module is the only code that knows the chunk layout. Reading addresses elements with each column's own
 * max_chunk_bytes; writing follows the append algorithms of docs/format.md#fixed-size-columns and
 * docs/format.md#variable-size-columns so that Python can continue a file written here and the other way
 * round.
 */
import { readI32, writeI32 } from './column-codec.js';
import { StorageError } from './errors.js';
import { hasTable, inImmediateTransaction, type SqliteDatabase, type SqliteStatement } from './sqlite.js';

export const COLUMNVAULT_SCHEMA = `
CREATE TABLE IF NOT EXISTS kohakuvault_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS col_meta (
    col_id INTEGER PRIMARY KEY,
    name TEXT UNIQUE NOT NULL,
    dtype TEXT NOT NULL,
    elem_size INTEGER NOT NULL,
    length INTEGER NOT NULL,
    chunk_bytes INTEGER NOT NULL,
    min_chunk_bytes INTEGER DEFAULT 131072,
    max_chunk_bytes INTEGER DEFAULT 16777216
);

CREATE INDEX IF NOT EXISTS col_meta_name_idx ON col_meta(name);

CREATE TABLE IF NOT EXISTS col_chunks (
    col_id INTEGER NOT NULL,
    chunk_idx INTEGER NOT NULL,
    data BLOB NOT NULL,
    actual_size INTEGER NOT NULL,
    bytes_used INTEGER NOT NULL DEFAULT 0,
    has_deleted INTEGER NOT NULL DEFAULT 0,
    start_elem_idx INTEGER DEFAULT 0,
    end_elem_idx INTEGER DEFAULT 0,
    PRIMARY KEY (col_id, chunk_idx),
    FOREIGN KEY (col_id) REFERENCES col_meta(col_id) ON DELETE CASCADE
);
`;

export interface ColumnMeta {
  colId: number;
  name: string;
  dtype: string;
  elemSize: number;
  length: number;
  chunkBytes: number;
  minChunkBytes: number;
  maxChunkBytes: number;
}

/** A column as a caller declares it; `var` is a logical var-size column (two physical columns). */
export type ColumnSpec = { name: string; dtype: 'i64' | 'f64' | 'var' | `bytes:${number}` };

/** Element size of a fixed dtype (docs/format.md#element-encodings). */
export function elemSizeOf(dtype: string): number {
  if (dtype === 'i64' || dtype === 'f64') return 8;
  if (dtype === 'bytes') return 1;
  if (dtype === 'adaptive_idx') return 12;
  const m = /^bytes:(\d+)$/.exec(dtype);
  if (m) return Number(m[1]);
  throw new StorageError('EUNSUPPORTED', null, `unknown column dtype "${dtype}"`);
}

// ---------------------------------------------------------------------------------------------------------
// Reading

/** All col_meta rows by name. Throws EMISSING when the file has no col_meta table. */
export function readColumnMetas(db: SqliteDatabase, file: string): Map<string, ColumnMeta> {
  if (!hasTable(db, 'col_meta') || !hasTable(db, 'col_chunks')) {
    throw new StorageError(
      'EMISSING',
      file,
      'not a ColumnVault file: the col_meta or col_chunks table is missing',
    );
  }
  return readMetaRows(db);
}

/** The col_meta rows by name (the tables are known to exist). */
function readMetaRows(db: SqliteDatabase): Map<string, ColumnMeta> {
  const rows = statementOf(
    db,
    'SELECT col_id AS colId, name, dtype, elem_size AS elemSize, length, chunk_bytes AS chunkBytes, ' +
      'min_chunk_bytes AS minChunkBytes, max_chunk_bytes AS maxChunkBytes FROM col_meta ORDER BY col_id',
  ).all() as ColumnMeta[];
  const out = new Map<string, ColumnMeta>();
  for (const r of rows) out.set(r.name, r);
  return out;
}

/** The chunks of a column as `[chunk_idx, actual_size, bytes_used]`, by chunk index (for layout dumps). */
export function readChunkLayout(db: SqliteDatabase, colId: number): Array<[number, number, number]> {
  return db
    .prepare('SELECT chunk_idx, actual_size, bytes_used FROM col_chunks WHERE col_id = ? ORDER BY chunk_idx')
    .raw()
    .all(colId) as Array<[number, number, number]>;
}

/** The column `name`, or an EMISSING error naming the file. */
export function requireColumn(metas: Map<string, ColumnMeta>, name: string, file: string): ColumnMeta {
  const c = metas.get(name);
  if (!c) throw new StorageError('EMISSING', file, `column "${name}" is missing`);
  return c;
}

/**
 * The number of rows a file holds: min(length) over its logical columns
 * (docs/format.md#row-counts-and-transactions). A var-size column counts by its `X_idx` length.
 */
export function logicalRowCount(
  metas: Map<string, ColumnMeta>,
  logicalNames: string[],
  file: string,
): number {
  let n = Number.POSITIVE_INFINITY;
  for (const name of logicalNames) {
    const idx = metas.get(`${name}_idx`);
    const col = metas.get(name) ?? (idx && metas.has(`${name}_data`) ? idx : undefined);
    if (!col) throw new StorageError('EMISSING', file, `column "${name}" is missing`);
    n = Math.min(n, col.length);
  }
  return Number.isFinite(n) ? n : 0;
}

/**
 * The bytes of elements [start, end) of a fixed-size column, in a fresh 8-byte-aligned buffer.
 * Chunks are addressed with the column's own max_chunk_bytes (docs/format.md#fixed-size-columns). Missing or
 * short chunks are reported as ECORRUPT naming the file and the column.
 */
export function readFixedBytes(
  db: SqliteDatabase,
  col: ColumnMeta,
  file: string,
  start = 0,
  end = col.length,
): Uint8Array {
  const E = col.elemSize;
  const M = col.maxChunkBytes;
  if (!(E > 0) || !(M >= E) || M % E !== 0) {
    throw new StorageError(
      'ECORRUPT',
      file,
      `column "${col.name}": elem_size ${E} and max_chunk_bytes ${M} cannot address elements`,
    );
  }
  if (start < 0 || end > col.length || start > end) {
    throw new StorageError(
      'EINVALID',
      file,
      `column "${col.name}": range [${start}, ${end}) is outside 0..${col.length}`,
    );
  }
  const byteStart = start * E;
  const byteEnd = end * E;
  const out = new Uint8Array(
    new ArrayBuffer(Math.ceil((byteEnd - byteStart) / 8) * 8),
    0,
    byteEnd - byteStart,
  );
  if (byteEnd === byteStart) return out;
  const firstChunk = Math.floor(byteStart / M);
  const lastChunk = Math.floor((byteEnd - 1) / M);
  const rows = db
    .prepare(
      'SELECT chunk_idx, data FROM col_chunks WHERE col_id = ? AND chunk_idx BETWEEN ? AND ? ORDER BY chunk_idx',
    )
    .raw()
    .iterate(col.colId, firstChunk, lastChunk) as IterableIterator<[number, Buffer]>;
  let expected = firstChunk;
  for (const [idx, data] of rows) {
    if (idx !== expected) break;
    if (!Buffer.isBuffer(data)) throw notBlob(col.name, idx, file);
    const chunkStart = idx * M;
    const from = Math.max(byteStart, chunkStart);
    const to = Math.min(byteEnd, chunkStart + M);
    const available = chunkStart + data.length;
    if (available < to) {
      const have = Math.max(0, available - byteStart);
      throw short(col, file, byteEnd - byteStart, have);
    }
    out.set(data.subarray(from - chunkStart, to - chunkStart), from - byteStart);
    expected++;
  }
  if (expected <= lastChunk) {
    throw short(col, file, byteEnd - byteStart, Math.max(0, expected * M - byteStart));
  }
  return out;
}

function notBlob(column: string, idx: number, file: string): StorageError {
  return new StorageError('ECORRUPT', file, `column "${column}": chunk ${idx} is not a BLOB`);
}

function short(col: ColumnMeta, file: string, need: number, have: number): StorageError {
  return new StorageError(
    'ECORRUPT',
    file,
    `column "${col.name}": col_meta.length ${col.length} needs ${need} bytes of data but its chunks hold only ${have}`,
  );
}

/** Elements [start, end) of a var-size column `name` (its `name_data` and `name_idx` columns). */
export function readVarColumn(
  db: SqliteDatabase,
  metas: Map<string, ColumnMeta>,
  name: string,
  file: string,
  start = 0,
  end?: number,
): Uint8Array[] {
  const dataCol = requireColumn(metas, `${name}_data`, file);
  const idxCol = requireColumn(metas, `${name}_idx`, file);
  const stop = end ?? idxCol.length;
  const idx = readFixedBytes(db, idxCol, file, start, stop);
  const chunks = new Map<number, Buffer>();
  const select = db.prepare('SELECT data FROM col_chunks WHERE col_id = ? AND chunk_idx = ?').pluck();
  const out: Uint8Array[] = [];
  for (let i = 0; i < stop - start; i++) {
    const chunkId = readI32(idx, i * 12);
    const s = readI32(idx, i * 12 + 4);
    const e = readI32(idx, i * 12 + 8);
    let data = chunks.get(chunkId);
    if (data === undefined) {
      data = select.get(dataCol.colId, chunkId) as Buffer | undefined;
      if (data !== undefined && !Buffer.isBuffer(data)) throw notBlob(`${name}_data`, chunkId, file);
      if (data === undefined) {
        throw new StorageError(
          'ECORRUPT',
          file,
          `column "${name}": element ${start + i} points into data chunk ${chunkId}, which does not exist`,
        );
      }
      chunks.set(chunkId, data);
    }
    if (!(s >= 0 && s <= e && e <= data.length)) {
      throw new StorageError(
        'ECORRUPT',
        file,
        `column "${name}": element ${start + i} spans bytes [${s}, ${e}) of a ${data.length}-byte chunk`,
      );
    }
    out.push(data.subarray(s, e));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Writing

/** Chunk sizes TS requests for new columns (docs/format.md#chunk-sizes). */
export const TS_MIN_CHUNK_BYTES = 4096;
export const tsMaxChunkBytes = (elemSize: number) => Math.max(65536, 16 * elemSize);

/** Aligned min/max chunk sizes at creation (docs/format.md#column-metadata). */
export function alignChunkSizes(elemSize: number, min: number, max: number): { min: number; max: number } {
  if (elemSize <= 1) return { min, max };
  const alignedMin = Math.ceil(min / elemSize) * elemSize;
  const alignedMax = Math.floor(max / elemSize) * elemSize;
  if (alignedMin > alignedMax) {
    throw new StorageError(
      'EINVALID',
      null,
      `chunk sizes ${min}..${max} cannot be aligned to elem_size ${elemSize}`,
    );
  }
  return { min: alignedMin, max: alignedMax };
}

/** cap(r) of docs/format.md#fixed-size-columns: the smallest min·2^k ≥ r, at least min, capped at max. */
function growCapacity(r: number, min: number, max: number): number {
  let cap = min;
  while (cap < r && cap < max) cap *= 2;
  return Math.min(cap, max);
}

interface LastChunk {
  idx: number;
  size: number;
  /** bytes_used; meaningful for var-size data columns only. */
  used: number;
}

interface WritableColumn {
  meta: ColumnMeta;
  last: LastChunk | null;
}

interface PendingChunk {
  data: Buffer;
  isNew: boolean;
  used: number;
}

const SELECT_CHUNK = 'SELECT data FROM col_chunks WHERE col_id = ? AND chunk_idx = ?';
const INSERT_CHUNK =
  'INSERT INTO col_chunks (col_id, chunk_idx, data, actual_size, bytes_used, has_deleted, start_elem_idx, end_elem_idx) ' +
  'VALUES (?, ?, ?, ?, ?, 0, 0, 0)';
const UPDATE_CHUNK =
  'UPDATE col_chunks SET data = ?, actual_size = ?, bytes_used = ? WHERE col_id = ? AND chunk_idx = ?';
const UPDATE_LENGTH = 'UPDATE col_meta SET length = ? WHERE col_id = ?';

/** True when the file has the three ColumnVault tables (one query). */
function hasColumnVaultSchema(db: SqliteDatabase): boolean {
  // (Not `name IN (…)`: SQLite builds a temporary table for that list, which costs a temporary file.)
  const tables = statementOf(db, "SELECT name FROM sqlite_master WHERE type = 'table'", true).all();
  return ['kohakuvault_meta', 'col_meta', 'col_chunks'].every((t) => tables.includes(t));
}

/**
 * Appends to a ColumnVault file on a read-write connection. Keeps each column's length and last chunk in
 * memory (one writer per file, docs/format.md#one-writer-per-run) and restores them when a transaction rolls
 * back.
 */
/**
 * The writers' statements per connection, prepared on first use: a connection opened for one append needs
 * only some of them, and a connection that outlives its writers (an in-memory one reused for many new
 * files) prepares each once.
 */
const statementsByDb = new WeakMap<SqliteDatabase, Map<string, SqliteStatement>>();

function statementOf(db: SqliteDatabase, sql: string, pluck = false): SqliteStatement {
  let statements = statementsByDb.get(db);
  if (!statements) {
    statements = new Map();
    statementsByDb.set(db, statements);
  }
  let stmt = statements.get(sql);
  if (!stmt) {
    stmt = db.prepare(sql);
    if (pluck) stmt.pluck();
    statements.set(sql, stmt);
  }
  return stmt;
}

export class ColumnVaultWriter {
  private readonly cols = new Map<string, WritableColumn>();

  /**
   * Opens the file's columns. A file that already holds the schema and every column is only read; otherwise
   * the schema, `schema_version` and the missing columns (in the order given) are created in one
   * transaction. Existing columns keep their own chunk sizes (docs/format.md#chunk-sizes).
   */
  constructor(
    readonly db: SqliteDatabase,
    readonly file: string,
    specs: ColumnSpec[],
  ) {
    const physical = specs.flatMap((spec) =>
      spec.dtype === 'var'
        ? [
            { name: `${spec.name}_data`, dtype: 'bytes' },
            { name: `${spec.name}_idx`, dtype: 'adaptive_idx' },
          ]
        : [{ name: spec.name, dtype: spec.dtype as string }],
    );
    let metas = hasColumnVaultSchema(db) ? readMetaRows(db) : null;
    if (!metas || physical.some((c) => !metas?.has(c.name))) {
      inImmediateTransaction(db, () => {
        db.exec(COLUMNVAULT_SCHEMA);
        db.prepare(
          "INSERT OR IGNORE INTO kohakuvault_meta (key, value) VALUES ('schema_version', '2')",
        ).run();
        const existing = readColumnMetas(db, file);
        const insert = db.prepare(
          'INSERT INTO col_meta (name, dtype, elem_size, length, chunk_bytes, min_chunk_bytes, max_chunk_bytes) ' +
            'VALUES (?, ?, ?, 0, ?, ?, ?)',
        );
        for (const { name, dtype } of physical) {
          if (existing.has(name)) continue;
          const E = elemSizeOf(dtype);
          const { min, max } = alignChunkSizes(E, TS_MIN_CHUNK_BYTES, tsMaxChunkBytes(E));
          insert.run(name, dtype, E, min, min, max);
        }
      });
      metas = readMetaRows(db);
    }
    const lastChunk = statementOf(
      db,
      'SELECT chunk_idx AS idx, actual_size AS size, bytes_used AS used FROM col_chunks ' +
        'WHERE col_id = ? ORDER BY chunk_idx DESC LIMIT 1',
    );
    for (const meta of metas.values()) {
      this.cols.set(meta.name, {
        meta,
        last: (lastChunk.get(meta.colId) as LastChunk | undefined) ?? null,
      });
    }
    for (const spec of specs) {
      if (spec.dtype !== 'var' && this.column(spec.name).meta.dtype !== spec.dtype) {
        throw new StorageError(
          'ECORRUPT',
          file,
          `column "${spec.name}" has dtype ${this.column(spec.name).meta.dtype}, expected ${spec.dtype}`,
        );
      }
    }
  }

  private statement(sql: string, pluck = false): SqliteStatement {
    return statementOf(this.db, sql, pluck);
  }

  /** Current length of a physical column. */
  length(name: string): number {
    return this.column(name).meta.length;
  }

  /** The col_meta row of a physical column, as this writer sees it. */
  meta(name: string): ColumnMeta {
    return { ...this.column(name).meta };
  }

  /**
   * Runs fn in one BEGIN IMMEDIATE transaction (one transaction per file per flush,
   * docs/format.md#row-counts-and-transactions). If it throws, SQLite rolls back and the in-memory lengths
   * and chunk states are restored to match.
   */
  transaction<T>(fn: () => T): T {
    const saved = [...this.cols.values()].map((c) => ({
      c,
      length: c.meta.length,
      last: c.last && { ...c.last },
    }));
    try {
      return inImmediateTransaction(this.db, fn);
    } catch (err) {
      for (const s of saved) {
        s.c.meta.length = s.length;
        s.c.last = s.last;
      }
      throw err;
    }
  }

  private column(name: string): WritableColumn {
    const c = this.cols.get(name);
    if (!c) throw new StorageError('EMISSING', this.file, `column "${name}" is missing`);
    return c;
  }

  private loadChunk(col: WritableColumn, idx: number, pending: Map<number, PendingChunk>): PendingChunk {
    let chunk = pending.get(idx);
    if (chunk) return chunk;
    const data = this.statement(SELECT_CHUNK, true).get(col.meta.colId, idx) as Buffer | undefined;
    if (data !== undefined && !Buffer.isBuffer(data)) throw notBlob(col.meta.name, idx, this.file);
    if (!data) {
      throw new StorageError('ECORRUPT', this.file, `column "${col.meta.name}": chunk ${idx} is missing`);
    }
    chunk = { data, isNew: false, used: col.last?.used ?? 0 };
    pending.set(idx, chunk);
    return chunk;
  }

  private resize(chunk: PendingChunk, size: number): void {
    if (chunk.data.length >= size) return;
    const grown = Buffer.alloc(size);
    chunk.data.copy(grown, 0, 0, chunk.data.length);
    chunk.data = grown;
  }

  private writePending(col: WritableColumn, pending: Map<number, PendingChunk>): void {
    for (const [idx, chunk] of pending) {
      if (chunk.isNew) {
        this.statement(INSERT_CHUNK).run(col.meta.colId, idx, chunk.data, chunk.data.length, chunk.used);
      } else {
        this.statement(UPDATE_CHUNK).run(chunk.data, chunk.data.length, chunk.used, col.meta.colId, idx);
      }
    }
  }

  /**
   * Appends whole elements to a fixed-size column with the algorithm of
   * docs/format.md#fixed-size-columns.
   */
  appendFixed(name: string, bytes: Uint8Array): void {
    const col = this.column(name);
    const { elemSize: E, maxChunkBytes: M, minChunkBytes: min } = col.meta;
    if (bytes.length % E !== 0) {
      throw new StorageError(
        'EINVALID',
        this.file,
        `column "${name}": ${bytes.length} bytes is not a whole number of ${E}-byte elements`,
      );
    }
    const B = bytes.length;
    if (B === 0) return;
    const off = col.meta.length * E;
    const pending = new Map<number, PendingChunk>();
    let written = 0;
    const put = (chunk: PendingChunk, at: number, n: number) => {
      chunk.data.set(bytes.subarray(written, written + n), at);
      written += n;
    };
    while (written < B) {
      const rem = B - written;
      const last = col.last;
      if (last === null) {
        const cap = growCapacity(rem, min, M);
        const chunk: PendingChunk = { data: Buffer.alloc(cap), isNew: true, used: 0 };
        pending.set(0, chunk);
        col.last = { idx: 0, size: cap, used: 0 };
        put(chunk, 0, Math.min(rem, cap));
        continue;
      }
      const used = off + written - last.idx * M;
      if (last.size - used >= rem) {
        put(this.loadChunk(col, last.idx, pending), used, rem);
      } else if (last.size < M) {
        const chunk = this.loadChunk(col, last.idx, pending);
        const doubled = Math.min(2 * last.size, M);
        if (doubled - used >= rem) {
          this.resize(chunk, doubled);
          last.size = doubled;
          put(chunk, used, rem);
        } else {
          this.resize(chunk, M);
          last.size = M;
          if (M - used > 0) put(chunk, used, M - used);
        }
      } else if (last.size - used > 0) {
        put(this.loadChunk(col, last.idx, pending), used, last.size - used);
      } else {
        const idx = last.idx + 1;
        const cap = growCapacity(rem, min, M);
        const chunk: PendingChunk = { data: Buffer.alloc(cap), isNew: true, used: 0 };
        pending.set(idx, chunk);
        col.last = { idx, size: cap, used: 0 };
        put(chunk, 0, Math.min(rem, cap));
      }
    }
    this.writePending(col, pending);
    col.meta.length += B / E;
    this.statement(UPDATE_LENGTH).run(col.meta.length, col.meta.colId);
  }

  /**
   * Appends elements to the var-size column `name` with the TS algorithm of
   * docs/format.md#variable-size-columns.
   */
  appendVar(name: string, values: readonly Uint8Array[]): void {
    if (values.length === 0) return;
    const col = this.column(`${name}_data`);
    const { maxChunkBytes: M, minChunkBytes: min } = col.meta;
    const pending = new Map<number, PendingChunk>();
    const triples = new Uint8Array(values.length * 12);
    values.forEach((v, i) => {
      const len = v.length;
      const last = col.last;
      let chunk: PendingChunk;
      let idx: number;
      if (last && last.used + len <= last.size) {
        idx = last.idx;
        chunk = this.loadChunk(col, idx, pending);
      } else if (last && last.used + len <= M) {
        idx = last.idx;
        chunk = this.loadChunk(col, idx, pending);
        last.size = growCapacity(last.used + len, min, M);
        this.resize(chunk, last.size);
      } else {
        idx = last ? last.idx + 1 : 0;
        const cap = len > M ? len : growCapacity(len, min, M);
        chunk = { data: Buffer.alloc(cap), isNew: true, used: 0 };
        pending.set(idx, chunk);
        col.last = { idx, size: cap, used: 0 };
      }
      const target = col.last!;
      const start = target.used;
      chunk.data.set(v, start);
      target.used = start + len;
      chunk.used = target.used;
      writeI32(triples, i * 12, idx);
      writeI32(triples, i * 12 + 4, start);
      writeI32(triples, i * 12 + 8, start + len);
    });
    this.writePending(col, pending);
    this.appendFixed(`${name}_idx`, triples);
  }
}
