/**
 * The open files of uploaded runs in one ingest thread. A ColumnVault writer keeps each column's length in
 * memory, which is only right while nobody else writes the file, so these handles live as long as this
 * process keeps the run's lease: a run whose lease another process held in between is dropped first
 * (docs/server.md#leases). Uploads of one run always go to the same thread.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  createMetadataTables,
  HistogramFileWriter,
  histogramFileInfo,
  KVaultWriter,
  MetadataDbIdWriter,
  MetadataDbWriter,
  MetricFileWriter,
  openForWriting,
  readHistogramRows,
  readMetricEnd,
  runPaths,
  type SqliteDatabase,
} from 'kohakuboard/storage';

export type JournalMode = 'wal' | 'delete';

interface MetricHandle {
  db: SqliteDatabase;
  writer: MetricFileWriter;
  /** Step of the last stored row, or null when the file is empty. */
  lastStep: number | null;
}

interface HistogramHandle {
  db: SqliteDatabase;
  writer: HistogramFileWriter;
  /** Largest stored step per name, read when first needed (uploads without offsets). */
  lastStepByName: Map<string, number> | null;
}

interface MetadataHandle {
  db: SqliteDatabase;
  steps: MetadataDbWriter;
  rows: MetadataDbIdWriter;
}

/** Column files one run keeps open at most; the least recently used is closed beyond that. */
const MAX_COLUMN_FILES = 512;

export class RunFiles {
  readonly paths;
  private readonly columns = new Map<string, MetricHandle | HistogramHandle>();
  private readonly kv = new Map<string, KVaultWriter>();
  private metadata: MetadataHandle | null = null;

  constructor(
    readonly dir: string,
    private readonly journal: JournalMode,
  ) {
    this.paths = runPaths(dir);
  }

  private open(path: string, kind: 'metadata' | 'columnvault' | 'kvault') {
    return openForWriting(path, kind, { journalMode: this.journal });
  }

  private touch<T extends MetricHandle | HistogramHandle>(key: string, make: () => T): T {
    const hit = this.columns.get(key);
    if (hit) {
      this.columns.delete(key);
      this.columns.set(key, hit);
      return hit as T;
    }
    while (this.columns.size >= MAX_COLUMN_FILES) {
      const [oldest, h] = this.columns.entries().next().value as [string, MetricHandle | HistogramHandle];
      this.columns.delete(oldest);
      h.db.close();
    }
    const made = make();
    this.columns.set(key, made);
    return made;
  }

  metric(stem: string): MetricHandle {
    return this.touch(`m:${stem}`, () => {
      mkdirSync(this.paths.metricsDir, { recursive: true });
      const path = join(this.paths.metricsDir, `${stem}.db`);
      const { db } = this.open(path, 'columnvault');
      try {
        const writer = new MetricFileWriter(db, path);
        const lastStep = writer.length > 0 ? readMetricEnd(db, path).lastStep : null;
        return { db, writer, lastStep };
      } catch (err) {
        db.close();
        throw err;
      }
    });
  }

  histogram(stem: string, numBins: number, precision: 'u8' | 'i32'): HistogramHandle {
    return this.touch(`h:${stem}`, () => {
      mkdirSync(this.paths.histogramsDir, { recursive: true });
      const path = join(this.paths.histogramsDir, `${stem}.db`);
      const { db } = this.open(path, 'columnvault');
      try {
        return { db, writer: new HistogramFileWriter(db, path, numBins, precision), lastStepByName: null };
      } catch (err) {
        db.close();
        throw err;
      }
    });
  }

  /** Largest stored step per histogram name of a file (read once, then kept up to date by the caller). */
  histogramSteps(stem: string, h: HistogramHandle): Map<string, number> {
    if (h.lastStepByName) return h.lastStepByName;
    const map = new Map<string, number>();
    const info = histogramFileInfo(h.db, stem, h.writer.file);
    if (info && h.writer.vault.length('step') > 0) {
      const rows = readHistogramRows(h.db, h.writer.file, info);
      rows.names.forEach((name, i) => {
        const s = rows.step[i];
        if (!(map.get(name)! >= s)) map.set(name, s);
      });
    }
    h.lastStepByName = map;
    return map;
  }

  metadataDb(): MetadataHandle {
    if (this.metadata) return this.metadata;
    mkdirSync(this.paths.dataDir, { recursive: true });
    const { db, created } = this.open(this.paths.metadataDb, 'metadata');
    try {
      if (created) createMetadataTables(db);
      this.metadata = { db, steps: new MetadataDbWriter(db), rows: new MetadataDbIdWriter(db) };
      return this.metadata;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** `data/tensors/<kvFile>.db`, or `media/blobs.db` for kvFile null. */
  kvault(kvFile: string | null): KVaultWriter {
    const key = kvFile ?? '';
    const hit = this.kv.get(key);
    if (hit) return hit;
    const dir = kvFile === null ? this.paths.mediaDir : this.paths.tensorsDir;
    mkdirSync(dir, { recursive: true });
    const path = kvFile === null ? this.paths.blobsDb : join(dir, `${kvFile}.db`);
    const { db } = this.open(path, 'kvault');
    try {
      const w = new KVaultWriter(db, path);
      this.kv.set(key, w);
      return w;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** How many files this run holds open. */
  get openCount(): number {
    return this.columns.size + this.kv.size + (this.metadata ? 1 : 0);
  }

  hasBlobFile(): boolean {
    return this.kv.has('') || existsSync(this.paths.blobsDb);
  }

  close(): void {
    for (const h of this.columns.values()) closeQuietly(h.db);
    for (const w of this.kv.values()) closeQuietly(w.db);
    if (this.metadata) closeQuietly(this.metadata.db);
    this.columns.clear();
    this.kv.clear();
    this.metadata = null;
  }
}

function closeQuietly(db: SqliteDatabase): void {
  try {
    db.close();
  } catch {
    /* already closed */
  }
}

/**
 * The runs of one thread, least recently used first: at most `capacity` runs stay open, and runs other than
 * the one asked for are closed while the thread holds more than `fileBudget` files (a process has a limited
 * number of file descriptors, shared by every thread).
 */
export class RunFilesCache {
  private readonly runs = new Map<string, RunFiles>();
  constructor(
    private readonly capacity = 32,
    private readonly fileBudget = 1024,
  ) {}

  get(dir: string, journal: JournalMode): RunFiles {
    let files = this.runs.get(dir);
    if (files) this.runs.delete(dir);
    else files = new RunFiles(dir, journal);
    let open = files.openCount;
    for (const f of this.runs.values()) open += f.openCount;
    for (const [oldest, f] of this.runs) {
      if (this.runs.size < this.capacity && open <= this.fileBudget) break;
      this.runs.delete(oldest);
      open -= f.openCount;
      f.close();
    }
    this.runs.set(dir, files);
    return files;
  }

  /** Closes a run's files and forgets what was cached about it. */
  drop(dir: string): void {
    const files = this.runs.get(dir);
    if (!files) return;
    this.runs.delete(dir);
    files.close();
  }

  closeAll(): void {
    for (const f of this.runs.values()) f.close();
    this.runs.clear();
  }
}
