/**
 * Rewriting a ColumnVault file (a metric or histogram file) without some of its rows, for prune. The new
 * file gets the same col_meta rows as the old one (ids, names, dtypes and chunk sizes: a file the Python
 * client created keeps its sizes), then the kept rows are appended with the storage library's writer, so
 * the chunk layout obeys every invariant of the format (docs/format.md#column-vault).
 */
import {
  COLUMNVAULT_SCHEMA,
  type ColumnMeta,
  type ColumnSpec,
  ColumnVaultWriter,
  decodeI64,
  logicalRowCount,
  openForWriting,
  openReadOnly,
  readColumnMetas,
  readFixedBytes,
  readVarColumn,
  requireColumn,
  type SqliteDatabase,
} from '../storage/index.js';

const RANGE_ROWS = 65536;

export type StepFilter = (step: number) => boolean;

interface Layout {
  metas: Map<string, ColumnMeta>;
  /** Logical columns in col_id order: fixed columns and var-size columns (their `X_data`/`X_idx` pair). */
  specs: ColumnSpec[];
  rows: number;
}

function layoutOf(db: SqliteDatabase, file: string): Layout {
  const metas = readColumnMetas(db, file);
  const specs: ColumnSpec[] = [];
  for (const m of metas.values()) {
    if (m.dtype === 'adaptive_idx' && m.name.endsWith('_idx') && metas.has(`${m.name.slice(0, -4)}_data`))
      continue;
    if (m.dtype === 'bytes' && m.name.endsWith('_data') && metas.has(`${m.name.slice(0, -5)}_idx`)) {
      specs.push({ name: m.name.slice(0, -5), dtype: 'var' });
    } else {
      specs.push({ name: m.name, dtype: m.dtype as ColumnSpec['dtype'] });
    }
  }
  const rows = logicalRowCount(
    metas,
    specs.map((s) => s.name),
    file,
  );
  return { metas, specs, rows };
}

/** Rows of a column file whose step the filter rejects (and the total), reading only the step column. */
export function countRemovedRows(file: string, keep: StepFilter): { rows: number; removed: number } {
  const h = openReadOnly(file);
  try {
    return h.db.transaction(() => {
      const { metas, rows } = layoutOf(h.db, file);
      const stepCol = requireColumn(metas, 'step', file);
      let removed = 0;
      for (let from = 0; from < rows; from += RANGE_ROWS) {
        const steps = decodeI64(readFixedBytes(h.db, stepCol, file, from, Math.min(rows, from + RANGE_ROWS)));
        for (let i = 0; i < steps.length; i++) if (!keep(steps[i])) removed++;
      }
      return { rows, removed };
    })();
  } finally {
    h.close();
  }
}

/** Whole elements of `bytes` (`size` bytes each) whose mask entry is 1, packed. */
function gather(bytes: Uint8Array, size: number, mask: Uint8Array, kept: number): Uint8Array {
  const out = new Uint8Array(kept * size);
  let o = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) {
      out.set(bytes.subarray(i * size, (i + 1) * size), o);
      o += size;
    }
  }
  return out;
}

/**
 * Writes `target` (a new file) with the rows of `source` whose step passes the filter, in their order.
 * Returns the number of rows kept. The file is closed (checkpointed, no -wal left) on return.
 */
export function rewriteColumnFile(source: string, target: string, keep: StepFilter): number {
  const src = openReadOnly(source);
  const { db } = openForWriting(target, 'columnvault');
  try {
    return src.db.transaction(() => {
      const layout = layoutOf(src.db, source);
      db.pragma('synchronous = OFF'); // a private file until it is renamed; synced once at the end
      db.transaction(() => {
        db.exec(COLUMNVAULT_SCHEMA);
        const meta = src.db.prepare('SELECT key, value FROM kohakuvault_meta').all() as Array<{
          key: string;
          value: string;
        }>;
        const putMeta = db.prepare('INSERT OR REPLACE INTO kohakuvault_meta (key, value) VALUES (?, ?)');
        for (const m of meta) putMeta.run(m.key, m.value);
        putMeta.run('schema_version', '2');
        const insert = db.prepare(
          'INSERT INTO col_meta (col_id, name, dtype, elem_size, length, chunk_bytes, min_chunk_bytes, max_chunk_bytes) VALUES (?, ?, ?, ?, 0, ?, ?, ?)',
        );
        for (const m of layout.metas.values()) {
          insert.run(m.colId, m.name, m.dtype, m.elemSize, m.chunkBytes, m.minChunkBytes, m.maxChunkBytes);
        }
      })();
      const writer = new ColumnVaultWriter(db, target, layout.specs);
      const stepCol = requireColumn(layout.metas, 'step', source);
      let kept = 0;
      writer.transaction(() => {
        for (let from = 0; from < layout.rows; from += RANGE_ROWS) {
          const to = Math.min(layout.rows, from + RANGE_ROWS);
          const steps = decodeI64(readFixedBytes(src.db, stepCol, source, from, to));
          const mask = new Uint8Array(steps.length);
          let n = 0;
          for (let i = 0; i < steps.length; i++) {
            if (keep(steps[i])) {
              mask[i] = 1;
              n++;
            }
          }
          if (n === 0) continue;
          for (const spec of layout.specs) {
            if (spec.dtype === 'var') {
              const values = readVarColumn(src.db, layout.metas, spec.name, source, from, to);
              writer.appendVar(
                spec.name,
                values.filter((_, i) => mask[i] === 1),
              );
            } else {
              const col = requireColumn(layout.metas, spec.name, source);
              writer.appendFixed(
                spec.name,
                gather(readFixedBytes(src.db, col, source, from, to), col.elemSize, mask, n),
              );
            }
          }
          kept += n;
        }
      });
      return kept;
    })();
  } finally {
    src.close();
    db.pragma('synchronous = NORMAL');
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  }
}
