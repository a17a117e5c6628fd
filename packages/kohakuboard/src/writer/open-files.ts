/**
 * The writer's open database files (docs/client.md#open-files): opened lazily on first use and kept within a
 * budget; when it is full one is closed (SQLite checkpoints it as it closes) and reopened on demand. In
 * memory mode every file is an in-memory database and none is ever closed before the end.
 *
 * Three things keep a run with thousands of metrics fast:
 * - A new metric file is built whole in memory with its first rows and written in one piece
 *   (storage NewMetricFiles): no journal switch, no schema transaction, no fsync, and no open connection.
 * - A commit round writes every file once. Which file to close follows the round (`beginRound`): first one
 *   not used in this round (least recently used first), else the one used last. When more files are written
 *   per round than fit, the files at the start of the round stay open from round to round and only the rest
 *   are reopened, where plain LRU would close each file just before it is needed again.
 * - The first transaction on a reopened metric file starts a new WAL: it runs without the two fsyncs SQLite
 *   gives a new WAL's header and directory entry, which protect nothing under synchronous=NORMAL (commits are
 *   not synced; the next checkpoint syncs the WAL as a whole).
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkpointAndCloseAll,
  HistogramFileWriter,
  KVaultWriter,
  MetricFileWriter,
  type MetricRowsInput,
  NewMetricFiles,
  openForWriting,
  runPaths,
  type SqliteDatabase,
  writeFileAtomic,
} from '../storage/index.js';
import type { LogFile } from './log-file.js';

type FileWriter = MetricFileWriter | HistogramFileWriter | KVaultWriter;

interface OpenFile {
  db: SqliteDatabase;
  writer: FileWriter;
  /** The commit round in which it was last used. */
  round: number;
}

/** What a commit appends a metric file's rows to. */
export interface MetricTarget {
  append(rows: MetricRowsInput): void;
}

export const DEFAULT_OPEN_FILES = 2048;
const COLUMNVAULT_CACHE_KIB = 128;

export class OpenFiles {
  /** Map order is the LRU order: the first entry is the least recently used. */
  private readonly open = new Map<string, OpenFile>();
  private readonly paths;
  private readonly newMetrics = new NewMetricFiles();
  private round = 0;
  /** Memory mode: the files created once, so that one dropped and created again is not logged each time. */
  private readonly createdInMemory = new Set<string>();
  /** The path of the last entry of `open` (the file used last), while known. */
  private lastUsed: string | null = null;

  constructor(
    runDir: string,
    private readonly memoryMode: boolean,
    private readonly storageLog: LogFile,
    private capacity = DEFAULT_OPEN_FILES,
  ) {
    this.paths = runPaths(runDir);
  }

  /** A commit round begins: each file is written at most once until the next one. */
  beginRound(): void {
    this.round++;
  }

  /** Where the rows of metric file `stem` go: its open writer, a file to open, or a file to create. */
  metric(stem: string): MetricTarget {
    const path = join(this.paths.metricsDir, `${stem}.db`);
    const hit = this.touch(path);
    if (hit) return hit.writer as MetricFileWriter;
    if (this.memoryMode || existsSync(path)) {
      const freshWal = !this.memoryMode && !existsSync(`${path}-wal`);
      const writer = this.get(
        path,
        'columnvault',
        (db) => new MetricFileWriter(db, path),
      ) as MetricFileWriter;
      return freshWal ? this.unsyncedFirstAppend(writer) : writer;
    }
    return { append: (rows) => this.createMetric(path, rows) };
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

  /** How many files are open. */
  get size(): number {
    return this.open.size;
  }

  /** Memory mode: the in-memory databases by the path they stand for. */
  memoryFiles(): Array<{ path: string; db: SqliteDatabase }> {
    return [...this.open].map(([path, f]) => ({ path, db: f.db }));
  }

  /**
   * Memory mode: drops every in-memory database once its rows have gone to the remote sync
   * (docs/sync.md#memory-mode-with-sync); the next row for a file starts a new, empty one.
   */
  forgetMemoryFiles(): void {
    if (!this.memoryMode) return;
    for (const [path, f] of this.open) this.closeOne(path, f);
    this.open.clear();
    this.lastUsed = null;
  }

  /**
   * Checkpoints and closes every open file, together with `extra` (the metadata database), with their fsyncs
   * batched (storage `checkpointAndCloseAll`); returns how many files there were.
   */
  async closeAll(extra: ReadonlyArray<{ db: SqliteDatabase; path: string }> = []): Promise<number> {
    const files = [...[...this.open].map(([path, f]) => ({ db: f.db, path })), ...extra];
    this.open.clear();
    this.newMetrics.close();
    if (this.memoryMode) {
      for (const f of files) f.db.close();
    } else {
      await checkpointAndCloseAll(files, (path, err) =>
        this.storageLog.warning(`Checkpoint or close of ${path} failed: ${(err as Error).message}`),
      );
    }
    return files.length;
  }

  /** Creates a metric file with its first rows: built in memory, written under a temporary name, renamed. */
  private createMetric(path: string, rows: MetricRowsInput): void {
    writeFileAtomic(path, this.newMetrics.build(path, rows));
    this.storageLog.debug(`Created ${path}`);
  }

  /**
   * The first append to a metric file whose WAL does not exist yet runs with synchronous=OFF (no fsync of
   * the new WAL's header or of the folder) and without an automatic checkpoint, which would otherwise run
   * unsynced too; both settings are restored right after it.
   */
  private unsyncedFirstAppend(writer: MetricFileWriter): MetricTarget {
    return {
      append: (rows) => {
        const db = writer.vault.db;
        db.pragma('synchronous = OFF');
        db.pragma('wal_autocheckpoint = 0');
        try {
          writer.append(rows);
        } finally {
          db.pragma('synchronous = NORMAL');
          db.pragma('wal_autocheckpoint = 1000');
        }
      },
    };
  }

  /** The open file at `path`, marked as used now; undefined when it is not open. */
  private touch(path: string): OpenFile | undefined {
    const hit = this.open.get(path);
    if (hit) {
      this.open.delete(path);
      this.open.set(path, hit);
      hit.round = this.round;
      this.lastUsed = path;
    }
    return hit;
  }

  private get(
    path: string,
    kind: 'columnvault' | 'kvault',
    create: (db: SqliteDatabase) => FileWriter,
  ): FileWriter {
    const hit = this.touch(path);
    if (hit) return hit.writer;
    if (!this.memoryMode) while (this.open.size >= this.capacity) this.evictOne();
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
      while (this.open.size >= this.capacity) this.evictOne();
      opened = this.openFile(path, kind, create);
    }
    this.open.set(path, opened);
    this.lastUsed = path;
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
      // The first transaction of a new file creates its schema and its WAL; it runs unsynced for the reason
      // given at the top (the journal switch of a new file already did, see openForWriting).
      const unsynced = created && !this.memoryMode;
      if (unsynced) db.pragma('synchronous = OFF');
      const writer = create(db);
      if (unsynced) db.pragma('synchronous = NORMAL');
      if (!this.memoryMode) this.storageLog.debug(`${created ? 'Created' : 'Opened'} ${path}`);
      else if (!this.createdInMemory.has(path)) {
        this.createdInMemory.add(path);
        this.storageLog.debug(`Created ${path}`);
      }
      return { db, writer, round: this.round };
    } catch (err) {
      db.close();
      // A file created just now and left without its schema (a full disk, say) would be a damaged file in
      // the run: readers must find a whole file or none.
      if (created && !this.memoryMode) removeDatabaseFiles(path);
      throw err;
    }
  }

  /**
   * Closes one file to make room: the least recently used one if it was not used in this round, else the
   * one used last (done for this round; the ones used first in a round stay open for the next).
   */
  private evictOne(): void {
    const first = this.open.entries().next();
    if (first.done) return;
    let [path, f] = first.value;
    if (f.round === this.round) {
      const last = this.lastUsed ?? ([...this.open.keys()].at(-1) as string);
      [path, f] = [last, this.open.get(last) as OpenFile];
    }
    this.open.delete(path);
    if (path === this.lastUsed) this.lastUsed = null;
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
