/**
 * Histograms, tables and media as long tables (docs/export.md#histograms, #tables, #media). These are small
 * next to scalars (rows of metadata.db and histogram files), so each run's rows are read at once.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  histogramFileInfo,
  type JsonValue,
  kvGet,
  listDbFiles,
  type MediaRow,
  openReadOnly,
  parseTolerantJson,
  readHistogramRows,
  readMediaRows,
  readStepTimestamps,
  readTableRows,
  runPaths,
  type SqliteDatabase,
  withReadOnly,
} from '../storage/index.js';
import type { ExportRun } from './export-targets.js';
import type { NameFilter } from './name-filter.js';
import { fillRunColumns, runColumnDefs } from './run-columns.js';
import type { BatchBuilder, ColumnDef } from './table-model.js';
import { type FillContext, problemText, type TableSource } from './table-source.js';
import { finiteFloatText } from './value-text.js';

/** Step-index timestamps of a run (ms), for the given steps; empty when metadata.db is missing. */
function stepTimes(run: ExportRun, steps: Iterable<number>, ctx: FillContext): Map<number, number> {
  const file = runPaths(run.dir).metadataDb;
  if (!existsSync(file)) return new Map();
  try {
    return withReadOnly(file, (db) => readStepTimestamps(db, [...steps]));
  } catch (err) {
    ctx.report({ file, message: problemText(err, file) });
    return new Map();
  }
}

/** Reads rows of metadata.db; a missing file is no rows, a damaged one is reported. */
function metadataRows<T>(run: ExportRun, ctx: FillContext, read: (db: SqliteDatabase) => T[]): T[] {
  const file = runPaths(run.dir).metadataDb;
  if (!existsSync(file)) return [];
  try {
    return withReadOnly(file, read);
  } catch (err) {
    ctx.report({ file, message: problemText(err, file) });
    return [];
  }
}

/** Appends one row: `set` fills the non-run columns; flushes when the batch is full. */
async function addRow(
  builder: BatchBuilder,
  ctx: FillContext,
  withRuns: boolean,
  run: ExportRun,
  set: (row: number) => void,
): Promise<void> {
  const row = builder.length;
  fillRunColumns(builder, withRuns, run, row, 1);
  set(row);
  builder.length++;
  if (builder.full) await ctx.flush();
}

/** One row per histogram bin: name, step, global_step, timestamp, bin, its edges, its count. */
export class HistogramSource implements TableSource {
  readonly defs: ColumnDef[];
  readonly estimatedRows = 0;
  private readonly b: number;

  constructor(
    private readonly runs: readonly ExportRun[],
    private readonly filter: NameFilter,
    private readonly withRuns: boolean,
  ) {
    this.b = withRuns ? 3 : 0;
    this.defs = [
      ...runColumnDefs(withRuns),
      { name: 'name', type: 'string', nullable: false },
      { name: 'step', type: 'int64', nullable: false },
      { name: 'global_step', type: 'int64', nullable: false },
      { name: 'timestamp', type: 'timestamp', nullable: true },
      { name: 'precision', type: 'string', nullable: false },
      { name: 'bin', type: 'int64', nullable: false },
      { name: 'bin_left', type: 'float64', nullable: false },
      { name: 'bin_right', type: 'float64', nullable: false },
      { name: 'count', type: 'int64', nullable: false },
    ];
  }

  async fill(builder: BatchBuilder, ctx: FillContext): Promise<void> {
    const b = this.b;
    for (const run of this.runs) {
      const dir = runPaths(run.dir).histogramsDir;
      for (const fileName of listDbFiles(dir)) {
        const file = join(dir, fileName);
        let rows: ReturnType<typeof readHistogramRows> | null;
        try {
          rows = withReadOnly(file, (db) => {
            const info = histogramFileInfo(db, fileName.slice(0, -3), file);
            return info ? readHistogramRows(db, file, info) : null;
          });
        } catch (err) {
          ctx.report({ file, message: problemText(err, file) });
          continue;
        }
        if (!rows) continue;
        const r = rows;
        const times = stepTimes(run, r.step, ctx);
        const K = r.numBins;
        for (let i = 0; i < r.names.length; i++) {
          if (!this.filter(r.names[i])) continue;
          const lo = r.min[i];
          const hi = r.max[i];
          const edge = (j: number) => (j === K ? hi : lo + ((hi - lo) * j) / K);
          for (let j = 0; j < K; j++) {
            await addRow(builder, ctx, this.withRuns, run, (row) => {
              builder.setString(b, row, r.names[i]);
              builder.setNumber(b + 1, row, r.step[i], true);
              builder.setNumber(b + 2, row, r.globalStep[i], true);
              builder.setNumber(b + 3, row, times.get(r.step[i]) ?? null, true);
              builder.setString(b + 4, row, r.precision);
              builder.setNumber(b + 5, row, j, true);
              builder.setNumber(b + 6, row, edge(j));
              builder.setNumber(b + 7, row, edge(j + 1));
              builder.setNumber(b + 8, row, r.counts[i * K + j], true);
            });
          }
        }
      }
    }
  }
}

/** Where a media item is written under --media-dir, relative to it. */
export function mediaFileName(run: ExportRun, withRuns: boolean, m: MediaRow): string {
  const safe = (s: string) => s.replace(/[/\\]/g, '__').replace(/^\.+/, '_');
  const own = `${safe(m.name)}/${m.step}_${m.id}.${safe(m.format)}`;
  return withRuns ? `${safe(run.project)}/${safe(run.folder)}/${own}` : own;
}

const MEDIA_TAG = /^<media id=(\d+)>$/;

/** One row per table cell: name, step, global_step, timestamp, row, column, type, value (text). */
export class TableCellSource implements TableSource {
  readonly defs: ColumnDef[];
  readonly estimatedRows = 0;
  private readonly b: number;

  constructor(
    private readonly runs: readonly ExportRun[],
    private readonly filter: NameFilter,
    private readonly withRuns: boolean,
  ) {
    this.b = withRuns ? 3 : 0;
    this.defs = [
      ...runColumnDefs(withRuns),
      { name: 'name', type: 'string', nullable: false },
      { name: 'step', type: 'int64', nullable: false },
      { name: 'global_step', type: 'int64', nullable: true },
      { name: 'timestamp', type: 'timestamp', nullable: true },
      { name: 'row', type: 'int64', nullable: false },
      { name: 'column', type: 'string', nullable: false },
      { name: 'type', type: 'string', nullable: true },
      { name: 'value', type: 'string', nullable: true },
    ];
  }

  async fill(builder: BatchBuilder, ctx: FillContext): Promise<void> {
    const b = this.b;
    for (const run of this.runs) {
      const file = runPaths(run.dir).metadataDb;
      const tables = metadataRows(run, ctx, readTableRows).filter((t) => this.filter(t.name));
      if (tables.length === 0) continue;
      const media = new Map(metadataRows(run, ctx, readMediaRows).map((m) => [m.id, m]));
      const times = stepTimes(
        run,
        tables.map((t) => t.step),
        ctx,
      );
      for (const t of tables) {
        let columns: JsonValue;
        let types: JsonValue;
        let rows: JsonValue;
        try {
          columns = t.columns === null ? [] : parseTolerantJson(t.columns, file);
          types = t.column_types === null ? [] : parseTolerantJson(t.column_types, file);
          rows = t.rows === null ? [] : parseTolerantJson(t.rows, file);
        } catch (err) {
          ctx.report({ file, message: `table "${t.name}" at step ${t.step}: ${problemText(err, file)}` });
          continue;
        }
        if (!Array.isArray(columns) || !Array.isArray(rows)) continue;
        const typeList = Array.isArray(types) ? types : [];
        for (let r = 0; r < rows.length; r++) {
          const cells = rows[r];
          if (!Array.isArray(cells)) continue;
          for (let c = 0; c < columns.length; c++) {
            const type = typeof typeList[c] === 'string' ? (typeList[c] as string) : null;
            await addRow(builder, ctx, this.withRuns, run, (row) => {
              builder.setString(b, row, t.name);
              builder.setNumber(b + 1, row, t.step, true);
              builder.setNumber(b + 2, row, t.global_step, true);
              builder.setNumber(b + 3, row, times.get(t.step) ?? null, true);
              builder.setNumber(b + 4, row, r, true);
              builder.setString(b + 5, row, String(columns[c]));
              builder.setString(b + 6, row, type);
              builder.setString(b + 7, row, this.cellText(cells[c], run, media));
            });
          }
        }
      }
    }
  }

  /** A cell as text: strings as they are, numbers in round-trip form, media tags as the exported file name. */
  private cellText(cell: JsonValue | undefined, run: ExportRun, media: Map<number, MediaRow>): string | null {
    if (cell === undefined || cell === null) return null;
    if (typeof cell === 'string') {
      const m = MEDIA_TAG.exec(cell);
      const row = m ? media.get(Number(m[1])) : undefined;
      return row ? mediaFileName(run, this.withRuns, row) : cell;
    }
    if (typeof cell === 'number') {
      if (Number.isFinite(cell)) return finiteFloatText(cell);
      return Number.isNaN(cell) ? 'NaN' : cell > 0 ? 'Infinity' : '-Infinity';
    }
    if (typeof cell === 'boolean') return cell ? 'true' : 'false';
    return JSON.stringify(cell);
  }
}

/** One row per media item, with the file name it gets under --media-dir (and, with it, the file written). */
export class MediaSource implements TableSource {
  readonly defs: ColumnDef[];
  readonly estimatedRows = 0;
  private readonly b: number;
  /** Media files written under mediaDir. */
  filesWritten = 0;

  constructor(
    private readonly runs: readonly ExportRun[],
    private readonly filter: NameFilter,
    private readonly withRuns: boolean,
    private readonly mediaDir: string | null,
  ) {
    this.b = withRuns ? 3 : 0;
    this.defs = [
      ...runColumnDefs(withRuns),
      { name: 'name', type: 'string', nullable: false },
      { name: 'step', type: 'int64', nullable: false },
      { name: 'global_step', type: 'int64', nullable: true },
      { name: 'timestamp', type: 'timestamp', nullable: true },
      { name: 'type', type: 'string', nullable: false },
      { name: 'format', type: 'string', nullable: false },
      { name: 'caption', type: 'string', nullable: true },
      { name: 'width', type: 'int64', nullable: true },
      { name: 'height', type: 'int64', nullable: true },
      { name: 'size_bytes', type: 'int64', nullable: true },
      { name: 'media_hash', type: 'string', nullable: false },
      { name: 'file', type: 'string', nullable: false },
    ];
  }

  async fill(builder: BatchBuilder, ctx: FillContext): Promise<void> {
    const b = this.b;
    for (const run of this.runs) {
      const rows = metadataRows(run, ctx, readMediaRows).filter((m) => this.filter(m.name));
      if (rows.length === 0) continue;
      const times = stepTimes(
        run,
        rows.map((m) => m.step),
        ctx,
      );
      const blobsFile = runPaths(run.dir).blobsDb;
      const blobs = this.mediaDir && existsSync(blobsFile) ? openReadOnly(blobsFile) : null;
      try {
        for (const m of rows) {
          const file = mediaFileName(run, this.withRuns, m);
          if (this.mediaDir) this.writeMedia(blobs?.db ?? null, blobsFile, m, file, ctx);
          await addRow(builder, ctx, this.withRuns, run, (row) => {
            builder.setString(b, row, m.name);
            builder.setNumber(b + 1, row, m.step, true);
            builder.setNumber(b + 2, row, m.global_step, true);
            builder.setNumber(b + 3, row, times.get(m.step) ?? null, true);
            builder.setString(b + 4, row, m.type);
            builder.setString(b + 5, row, m.format);
            builder.setString(b + 6, row, m.caption);
            builder.setNumber(b + 7, row, m.width, true);
            builder.setNumber(b + 8, row, m.height, true);
            builder.setNumber(b + 9, row, m.size_bytes, true);
            builder.setString(b + 10, row, m.media_hash);
            builder.setString(b + 11, row, file);
          });
        }
      } finally {
        blobs?.close();
      }
    }
  }

  private writeMedia(
    db: SqliteDatabase | null,
    blobsFile: string,
    m: MediaRow,
    file: string,
    ctx: FillContext,
  ): void {
    const bytes = db ? kvGet(db, `${m.media_hash}.${m.format}`) : undefined;
    if (!bytes) {
      ctx.report({
        file: blobsFile,
        message: `no blob for media ${m.id} ("${m.name}" at step ${m.step}); not written`,
      });
      return;
    }
    const target = join(this.mediaDir!, file);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
    this.filesWritten++;
  }
}
