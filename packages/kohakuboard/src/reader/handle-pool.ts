/**
 * A bounded LRU of read-only SQLite handles (docs/api.md#performance-targets: at most 256 open). Handles idle
 * for longer than `idleMs` are closed by `closeIdle()`, which the owner calls on a timer, so that many runs
 * never exhaust file descriptors. A handle is reopened when its file was replaced (another inode). Every file
 * is checked to lie inside the data directory before it is opened (data-root.ts), and errors name it relative
 * to it.
 */
import { statSync } from 'node:fs';
import { openReadOnly, type ReadOnlyDatabase, type SqliteDatabase, StorageError } from '../storage/index.js';
import { type DataRoot, NO_ROOT } from './data-root.js';

/** Page cache per read handle: many handles stay open, and reads are mostly sequential blob scans. */
const CACHE_KIB = 512;

interface Entry {
  handle: ReadOnlyDatabase;
  ino: number;
  lastUsedMs: number;
}

export interface HandlePoolOptions {
  maxHandles?: number;
  idleMs?: number;
  /** Called for every database the pool opens (tests count opens). */
  onOpen?: (path: string) => void;
  /** The directory every opened file must resolve into; default: no check. */
  root?: DataRoot;
}

export class HandlePool {
  private readonly entries = new Map<string, Entry>();
  readonly maxHandles: number;
  readonly idleMs: number;
  private readonly onOpen?: (path: string) => void;
  readonly root: DataRoot;
  /** Number of databases opened so far. */
  opens = 0;

  constructor(options: HandlePoolOptions = {}) {
    this.maxHandles = Math.max(1, options.maxHandles ?? 256);
    this.idleMs = options.idleMs ?? 60_000;
    this.onOpen = options.onOpen;
    this.root = options.root ?? NO_ROOT;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Runs fn on a read-only handle of `path`. Throws StorageError naming the file: EMISSING when it does not
   * exist, EOUTSIDE when it resolves outside the data directory, and whatever reading it raised.
   */
  use<T>(path: string, fn: (db: SqliteDatabase) => T): T {
    try {
      return fn(this.acquire(path));
    } catch (err) {
      throw this.root.errorAbout(err, path);
    }
  }

  private acquire(path: string): SqliteDatabase {
    let ino = -1;
    try {
      ino = statSync(path).ino;
    } catch {
      this.close(path);
      throw new StorageError('EMISSING', path, 'the file does not exist');
    }
    const now = Date.now();
    const entry = this.entries.get(path);
    if (entry && entry.ino === ino) {
      entry.lastUsedMs = now;
      // Move to the most recently used end.
      this.entries.delete(path);
      this.entries.set(path, entry);
      return entry.handle.db;
    }
    if (entry) this.close(path);
    this.root.checkDatabase(path);
    while (this.entries.size >= this.maxHandles) {
      const oldest = this.entries.keys().next().value as string;
      this.close(oldest);
    }
    const handle = openReadOnly(path, { cacheKib: CACHE_KIB });
    this.opens++;
    this.onOpen?.(path);
    this.entries.set(path, { handle, ino, lastUsedMs: now });
    return handle.db;
  }

  close(path: string): void {
    const entry = this.entries.get(path);
    if (!entry) return;
    this.entries.delete(path);
    try {
      entry.handle.close();
    } catch {
      /* already closed */
    }
  }

  /** Closes every handle of files under `dirPrefix` (a run that was removed or renamed). */
  closeUnder(dirPrefix: string): void {
    for (const path of [...this.entries.keys()]) if (path.startsWith(dirPrefix)) this.close(path);
  }

  closeIdle(nowMs = Date.now()): number {
    let closed = 0;
    for (const [path, entry] of [...this.entries]) {
      if (nowMs - entry.lastUsedMs >= this.idleMs) {
        this.close(path);
        closed++;
      }
    }
    return closed;
  }

  closeAll(): void {
    for (const path of [...this.entries.keys()]) this.close(path);
  }
}
