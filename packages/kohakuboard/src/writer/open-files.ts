/**
 * The writer's open database files: opened lazily on first use and kept in an LRU (CLIENT.md §9.3). When the
 * LRU is full, the least recently used file is closed (SQLite checkpoints it as it closes) and reopened on
 * demand. In memory mode every file is an in-memory database and none is ever closed before the end.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkpointAndCloseAll,
  HistogramFileWriter,
  KVaultWriter,
  MetricFileWriter,
  openForWriting,
  runPaths,
  type SqliteDatabase,
} from '../storage/index.js';
import type { LogFile } from './log-file.js';

type FileWriter = MetricFileWriter | HistogramFileWriter | KVaultWriter;

interface OpenFile {
  db: SqliteDatabase;
  writer: FileWriter;
}

export const DEFAULT_OPEN_FILES = 2048;
const COLUMNVAULT_CACHE_KIB = 128;

export class OpenFiles {
  /** Map order is the LRU order: the first entry is the least recently used. */
  private readonly open = new Map<string, OpenFile>();
  private readonly paths;

  constructor(
    runDir: string,
    private readonly memoryMode: boolean,
    private readonly storageLog: LogFile,
    private capacity = DEFAULT_OPEN_FILES,
  ) {
    this.paths = runPaths(runDir);
  }

  /** True while another file can be opened without closing one. */
  hasRoom(): boolean {
    return this.open.size < this.capacity;
  }

  metric(stem: string): MetricFileWriter {
    const path = join(this.paths.metricsDir, `${stem}.db`);
    return this.get(path, 'columnvault', (db) => new MetricFileWriter(db, path)) as MetricFileWriter;
  }

  histogram(fileName: string, numBins: number, precision: 'u8' | 'i32'): HistogramFileWriter {
    const path = join(this.paths.histogramsDir, fileName);
    return this.get(
      path,
      'columnvault',
      (db) => new HistogramFileWriter(db, path, numBins, precision),
    ) as HistogramFileWriter;
  }

  mediaBlobs(): KVaultWriter {
    const path = this.paths.blobsDb;
    return this.get(path, 'kvault', (db) => new KVaultWriter(db, path)) as KVaultWriter;
  }

  tensors(kvFile: string): KVaultWriter {
    const path = join(this.paths.tensorsDir, `${kvFile}.db`);
    return this.get(path, 'kvault', (db) => new KVaultWriter(db, path)) as KVaultWriter;
  }

  /**
   * Checkpoints and closes every open file, together with `extra` (the metadata database), with their fsyncs
   * batched (storage `checkpointAndCloseAll`); returns how many files there were.
   */
  async closeAll(extra: ReadonlyArray<{ db: SqliteDatabase; path: string }> = []): Promise<number> {
    const files = [...[...this.open].map(([path, f]) => ({ db: f.db, path })), ...extra];
    this.open.clear();
    if (this.memoryMode) {
      for (const f of files) f.db.close();
    } else {
      await checkpointAndCloseAll(files, (path, err) =>
        this.storageLog.warning(`Checkpoint or close of ${path} failed: ${(err as Error).message}`),
      );
    }
    return files.length;
  }

  private get(
    path: string,
    kind: 'columnvault' | 'kvault',
    create: (db: SqliteDatabase) => FileWriter,
  ): FileWriter {
    const hit = this.open.get(path);
    if (hit) {
      this.open.delete(path);
      this.open.set(path, hit);
      return hit.writer;
    }
    if (!this.memoryMode) while (this.open.size >= this.capacity) this.evictOldest();
    let opened: OpenFile;
    try {
      opened = this.openFile(path, kind, create);
    } catch (err) {
      // Out of file descriptors: close half of the files, remember the smaller limit, try once more.
      if (this.memoryMode || this.open.size < 8) throw err;
      this.capacity = Math.max(8, this.open.size >> 1);
      this.storageLog.warning(
        `Could not open ${path} (${(err as Error).message}); keeping at most ${this.capacity} files open`,
      );
      while (this.open.size >= this.capacity) this.evictOldest();
      opened = this.openFile(path, kind, create);
    }
    this.open.set(path, opened);
    return opened.writer;
  }

  private openFile(
    path: string,
    kind: 'columnvault' | 'kvault',
    create: (db: SqliteDatabase) => FileWriter,
  ): OpenFile {
    const existed = this.memoryMode || existsSync(path);
    let opened: { db: SqliteDatabase; created: boolean };
    try {
      opened = openForWriting(this.memoryMode ? ':memory:' : path, kind);
    } catch (err) {
      if (!existed) removeDatabaseFiles(path);
      throw err;
    }
    const { db, created } = opened;
    try {
      // A run may have thousands of metric files open: keep each page cache small (a flush touches only the
      // last chunk of each column).
      if (kind === 'columnvault') db.pragma(`cache_size = -${COLUMNVAULT_CACHE_KIB}`);
      // The first transaction of a new file creates its schema and its WAL, and under synchronous=NORMAL
      // SQLite syncs the new WAL's header and the directory for it. That protects nothing here: NORMAL does
      // not sync commits, so until the first checkpoint the schema is not durable either way, and the sync
      // matters only when a WAL is reused. So that first transaction runs unsynced: two fsyncs less per
      // file, a large part of the cost of a run that logs a thousand metrics. Data commits run with
      // synchronous=NORMAL (STORAGE.md §5.1).
      const unsynced = created && !this.memoryMode;
      if (unsynced) db.pragma('synchronous = OFF');
      const writer = create(db);
      if (unsynced) db.pragma('synchronous = NORMAL');
      this.storageLog.debug(`${created || this.memoryMode ? 'Created' : 'Opened'} ${path}`);
      return { db, writer };
    } catch (err) {
      db.close();
      // A file created just now and left without its schema (a full disk, say) would be a damaged file in
      // the run: readers must find a whole file or none.
      if (created && !this.memoryMode) removeDatabaseFiles(path);
      throw err;
    }
  }

  private evictOldest(): void {
    const first = this.open.entries().next();
    if (first.done) return;
    const [path, f] = first.value;
    this.open.delete(path);
    this.closeOne(path, f);
  }

  private closeOne(path: string, f: OpenFile): void {
    try {
      f.db.close();
    } catch (err) {
      this.storageLog.error(`Closing ${path} failed: ${(err as Error).message}`);
    }
  }
}

/** Removes a database file with its -wal and -shm companions (best effort). */
function removeDatabaseFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) {
    try {
      rmSync(path + suffix, { force: true });
    } catch {
      /* the commit that failed reports the error */
    }
  }
}
