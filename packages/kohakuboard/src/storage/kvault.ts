/**
 * KohakuVault KVault files (docs/format.md#kvault-files): `media/blobs.db` and `data/tensors/<ns>.db`.
 * Keys are bound as UTF-8 BLOBs (a JS string would bind as TEXT and never match); values are raw bytes.
 */
import { StorageError } from './errors.js';
import { hasTable, inImmediateTransaction, type SqliteDatabase } from './sqlite.js';

export const KVAULT_SCHEMA = `
CREATE TABLE IF NOT EXISTS kohakuvault_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS kv (
    key   BLOB PRIMARY KEY NOT NULL,
    value BLOB NOT NULL
);
`;

const keyBlob = (key: string) => Buffer.from(key, 'utf8');

/**
 * True when a value would be misread by Python as a KohakuVault header
 * (docs/format.md#kvault-keys-and-values).
 */
export function startsWithKvHeaderMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x89 && bytes[1] === 0x4b;
}

/** Reads one value, or undefined when the key (or the kv table) is absent. */
export function kvGet(db: SqliteDatabase, key: string): Buffer | undefined {
  if (!hasTable(db, 'kv')) return undefined;
  return db.prepare('SELECT value FROM kv WHERE key = ?').pluck().get(keyBlob(key)) as Buffer | undefined;
}

/** The byte length of one value, or undefined when the key (or the kv table) is absent. */
export function kvValueLength(db: SqliteDatabase, key: string): number | undefined {
  if (!hasTable(db, 'kv')) return undefined;
  const n = db.prepare('SELECT length(value) FROM kv WHERE key = ?').pluck().get(keyBlob(key));
  return n === undefined || n === null ? undefined : Number(n);
}

/**
 * Bytes [start, start + length) of one value (clipped to its end), or undefined when the key is absent.
 * SQLite cuts the range out, so only those bytes are copied into JavaScript.
 */
export function kvGetRange(
  db: SqliteDatabase,
  key: string,
  start: number,
  length: number,
): Buffer | undefined {
  if (!hasTable(db, 'kv')) return undefined;
  const v = db
    .prepare('SELECT substr(value, ?, ?) FROM kv WHERE key = ?')
    .pluck()
    .get(start + 1, length, keyBlob(key));
  if (v === undefined || v === null) return undefined;
  return Buffer.isBuffer(v) ? v : Buffer.from(String(v));
}

/** Every entry in key (memcmp) order, read one at a time. Throws ESQLITE when the file has no kv table. */
export function* kvEntries(db: SqliteDatabase): Generator<{ key: string; value: Buffer }> {
  const rows = db.prepare('SELECT key, value FROM kv ORDER BY key').raw().iterate() as IterableIterator<
    [Buffer, Buffer]
  >;
  for (const [key, value] of rows) yield { key: Buffer.from(key).toString('utf8'), value };
}

/** Every key with the size of its value, in key (memcmp) order. */
export function kvList(db: SqliteDatabase): Array<{ key: string; size: number }> {
  if (!hasTable(db, 'kv')) return [];
  const rows = db.prepare('SELECT key, length(value) AS size FROM kv ORDER BY key').raw().all() as Array<
    [Buffer | string, number]
  >;
  return rows.map(([key, size]) => ({
    key: Buffer.isBuffer(key) ? key.toString('utf8') : String(key),
    size,
  }));
}

/** Writes to a KVault file on a read-write connection. */
export class KVaultWriter {
  private readonly upsert;
  private readonly exists;

  constructor(
    readonly db: SqliteDatabase,
    readonly file: string,
  ) {
    inImmediateTransaction(db, () => db.exec(KVAULT_SCHEMA));
    this.upsert = db.prepare(
      'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    );
    this.exists = db.prepare('SELECT 1 FROM kv WHERE key = ?').pluck();
  }

  has(key: string): boolean {
    return this.exists.get(keyBlob(key)) !== undefined;
  }

  /**
   * Upserts a value. Rejects values starting with 89 4B, which Python would misread
   * (docs/format.md#kvault-keys-and-values).
   */
  put(key: string, value: Uint8Array): void {
    if (startsWithKvHeaderMagic(value)) {
      throw new StorageError(
        'EINVALID',
        this.file,
        `value for key "${key}" starts with the bytes 89 4B, which the format reserves`,
      );
    }
    this.upsert.run(
      keyBlob(key),
      Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength),
    );
  }

  /**
   * Stores a blob unless the key exists (content-addressed media, docs/format.md#media-keys-and-formats).
   * Returns true when written.
   */
  putIfAbsent(key: string, value: Uint8Array): boolean {
    if (this.has(key)) return false;
    this.put(key, value);
    return true;
  }
}
