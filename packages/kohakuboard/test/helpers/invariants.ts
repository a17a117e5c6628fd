/**
 * Checks the file invariants of docs/format.md by reading the SQLite tables directly (not through the
 * storage library): F1–F5 for fixed-size columns, V1–V5 for var-size columns, equal lengths of the
 * logical columns (docs/format.md#row-counts-and-transactions, docs/format.md#one-transaction-per-flush), the
 * schema of docs/format.md#column-vault-schema and docs/format.md#kvault-files. Returns a list of violations.
 */
import Database from 'better-sqlite3';

interface ColRow {
  col_id: number;
  name: string;
  dtype: string;
  elem_size: number;
  length: number;
  chunk_bytes: number;
  min_chunk_bytes: number;
  max_chunk_bytes: number;
}

interface ChunkRow {
  chunk_idx: number;
  data: Buffer;
  actual_size: number;
  bytes_used: number;
  has_deleted: number;
  start_elem_idx: number;
  end_elem_idx: number;
}

const tsChunkSizes = (E: number) => {
  const min = 4096;
  const max = Math.max(65536, 16 * E);
  if (E <= 1) return { min, max };
  return { min: Math.ceil(min / E) * E, max: Math.floor(max / E) * E };
};

export function columnVaultViolations(path: string, options: { tsCreated?: boolean } = {}): string[] {
  const db = new Database(path, { readonly: true });
  const problems: string[] = [];
  const say = (msg: string) => problems.push(`${path}: ${msg}`);
  try {
    const journal = db.pragma('journal_mode', { simple: true });
    if (journal !== 'wal') say(`journal_mode is ${journal}, not wal`);
    const version = db
      .prepare("SELECT value FROM kohakuvault_meta WHERE key = 'schema_version'")
      .pluck()
      .get();
    if (version !== '2') say(`schema_version is ${JSON.stringify(version)}, not the TEXT '2'`);
    const cols = db.prepare('SELECT * FROM col_meta ORDER BY col_id').all() as ColRow[];
    cols.forEach((c, i) => {
      if (c.col_id !== i + 1)
        say(`col_id ${c.col_id} at position ${i} (ids must start at 1 in creation order)`);
    });
    const byName = new Map(cols.map((c) => [c.name, c]));
    const chunksOf = (c: ColRow) =>
      db
        .prepare(
          'SELECT chunk_idx, data, actual_size, bytes_used, has_deleted, start_elem_idx, end_elem_idx FROM col_chunks WHERE col_id = ? ORDER BY chunk_idx',
        )
        .all(c.col_id) as ChunkRow[];

    const logicalLengths: Array<[string, number]> = [];
    for (const c of cols) {
      if (c.dtype === 'bytes') continue; // checked with its _idx column
      if (options.tsCreated) {
        const { min, max } = tsChunkSizes(c.elem_size);
        if (c.chunk_bytes !== min || c.min_chunk_bytes !== min || c.max_chunk_bytes !== max) {
          say(
            `column ${c.name}: chunk sizes ${c.chunk_bytes}/${c.min_chunk_bytes}/${c.max_chunk_bytes}, want ${min}/${min}/${max}`,
          );
        }
      }
      if (c.max_chunk_bytes % c.elem_size !== 0)
        say(`column ${c.name}: max_chunk_bytes not a multiple of elem_size`);
      const chunks = chunksOf(c);
      const M = c.max_chunk_bytes;
      chunks.forEach((ch, i) => {
        if (ch.chunk_idx !== i) say(`column ${c.name}: F1 chunk ${i} has index ${ch.chunk_idx}`);
        if (i < chunks.length - 1 && ch.data.length !== M)
          say(`column ${c.name}: F2 chunk ${i} has ${ch.data.length} bytes, not ${M}`);
        if (ch.actual_size !== ch.data.length)
          say(`column ${c.name}: F3 chunk ${i} actual_size ${ch.actual_size} != ${ch.data.length}`);
        if (ch.bytes_used !== 0 || ch.has_deleted !== 0 || ch.start_elem_idx !== 0 || ch.end_elem_idx !== 0) {
          say(`column ${c.name}: F5 chunk ${i} has non-zero bookkeeping fields`);
        }
      });
      const covered = chunks.length ? (chunks.length - 1) * M + chunks[chunks.length - 1].data.length : 0;
      const need = c.length * c.elem_size;
      if (covered < need) say(`column ${c.name}: F4 chunks cover ${covered} bytes, length needs ${need}`);
      // Bytes after the last element are zero.
      for (const ch of chunks) {
        const start = ch.chunk_idx * M;
        for (let b = Math.max(need - start, 0); b < ch.data.length; b++) {
          if (ch.data[b] !== 0) {
            say(`column ${c.name}: F4 byte ${start + b} after the last element is not 0`);
            break;
          }
        }
      }
      if (c.name.endsWith('_idx') && c.dtype === 'adaptive_idx') {
        const base = c.name.slice(0, -4);
        const dataCol = byName.get(`${base}_data`);
        if (!dataCol) {
          say(`column ${c.name}: no ${base}_data column`);
          continue;
        }
        if (dataCol.length !== 0) say(`column ${base}_data: V4 length is ${dataCol.length}, not 0`);
        const dataChunks = new Map(chunksOf(dataCol).map((ch) => [ch.chunk_idx, ch]));
        for (const ch of dataChunks.values()) {
          if (ch.actual_size !== ch.data.length)
            say(`column ${base}_data: V2 chunk ${ch.chunk_idx} actual_size mismatch`);
          for (let b = ch.bytes_used; b < ch.data.length; b++) {
            if (ch.data[b] !== 0) {
              say(`column ${base}_data: V3 byte ${b} of chunk ${ch.chunk_idx} after bytes_used is not 0`);
              break;
            }
          }
        }
        const idx = Buffer.concat(chunks.map((ch) => ch.data));
        for (let i = 0; i < c.length; i++) {
          const chunkId = idx.readInt32LE(i * 12);
          const s = idx.readInt32LE(i * 12 + 4);
          const e = idx.readInt32LE(i * 12 + 8);
          const target = dataChunks.get(chunkId);
          if (!target) say(`column ${base}: V1 element ${i} points to missing chunk ${chunkId}`);
          else if (!(s >= 0 && s <= e && e <= target.actual_size && e <= target.bytes_used)) {
            say(
              `column ${base}: V1/V3 element ${i} spans [${s}, ${e}) of chunk ${chunkId} (size ${target.actual_size}, used ${target.bytes_used})`,
            );
          }
        }
        logicalLengths.push([base, c.length]);
      } else {
        logicalLengths.push([c.name, c.length]);
      }
    }
    if (options.tsCreated && new Set(logicalLengths.map(([, n]) => n)).size > 1) {
      say(
        `logical columns have different lengths: ${logicalLengths.map(([n, l]) => `${n}=${l}`).join(', ')}`,
      );
    }
  } finally {
    db.close();
  }
  return problems;
}

export function kvaultViolations(path: string): string[] {
  const db = new Database(path, { readonly: true });
  const problems: string[] = [];
  try {
    if (db.pragma('page_size', { simple: true }) !== 32768) problems.push(`${path}: page_size is not 32768`);
    if (db.pragma('journal_mode', { simple: true }) !== 'wal')
      problems.push(`${path}: journal_mode is not wal`);
    const meta = db.prepare('SELECT count(*) FROM kohakuvault_meta').pluck().get();
    if (meta !== 0) problems.push(`${path}: kohakuvault_meta is not empty`);
    const keyTypes = db.prepare('SELECT DISTINCT typeof(key) FROM kv').pluck().all();
    if (keyTypes.some((t) => t !== 'blob'))
      problems.push(`${path}: keys of type ${keyTypes.join(',')}, not blob`);
    const magic = db.prepare("SELECT count(*) FROM kv WHERE substr(value, 1, 2) = x'894b'").pluck().get();
    if (magic !== 0) problems.push(`${path}: a value starts with 89 4B`);
  } finally {
    db.close();
  }
  return problems;
}
