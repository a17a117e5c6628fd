/**
 * Memory mode with sync, the writer's half (docs/sync.md#memory-mode-with-sync): every `periodMs`, right
 * after a commit, the in-memory databases are copied out whole (`serialize()`, a copy of their pages) and
 * handed to the sync thread, which cuts them into requests; then they are dropped from memory. So the
 * writer spends no time on JSON, and memory holds only what has not been handed over.
 *
 * Runs between commits, so the databases it copies are never half written.
 */
import type { MessagePort } from 'node:worker_threads';
import type { SqliteDatabase } from '../storage/index.js';

/** Everything committed since the last hand-over, as database images. */
export interface MemorySnapshot {
  t: 'snapshot';
  /** The current metadata.json text. */
  metadata: string;
  /** data/metadata.db: the rows not handed over before, and the last row of each rowid table. */
  metadataDb: Uint8Array;
  /** The data files (metrics, histograms, media blobs, tensor payloads) by the path they stand for. */
  files: Array<{ path: string; bytes: Uint8Array }>;
  /** The snapshot at finish: metadata.json goes again (its final status). */
  final: boolean;
}

/** What the writer posts to the sync thread. */
export type HandOverMessage =
  | MemorySnapshot
  /** The whole text of each log kept in memory, at most once a minute and at the end. */
  | { t: 'logs'; files: Record<string, string> }
  /** Nothing more comes. */
  | { t: 'end' };

export interface MemoryRun {
  metadataDb: SqliteDatabase;
  metadataText(): string;
  /** The in-memory data files by path. */
  files(): Array<{ path: string; db: SqliteDatabase }>;
  /** Drops every in-memory data file. */
  forgetFiles(): void;
}

/** Tables whose rowid counts on from the largest one present: their last row stays (rowid cursors). */
const ROWID_TABLES = ['tables', 'tensors', 'kernel_density'] as const;

export class MemoryHandOver {
  private nextAt = 0;
  private committed = false;

  constructor(
    private readonly run: MemoryRun,
    private readonly port: MessagePort,
    private readonly periodMs: number,
  ) {}

  /** A commit stored rows: they are handed over at the next due time. */
  markCommitted(): void {
    this.committed = true;
  }

  /** When the next hand-over is due while rows wait (committed, or pending in the writer); else null. */
  dueAt(pendingRows: boolean): number | null {
    return this.committed || pendingRows ? this.nextAt : null;
  }

  isDue(now: number, pendingRows: boolean): boolean {
    const at = this.dueAt(pendingRows);
    return at !== null && now >= at;
  }

  /** Copies out what is committed, posts it, and drops it from memory. Returns the bytes handed over. */
  handOver(now: number, final = false): number {
    this.nextAt = now + this.periodMs;
    this.committed = false;
    const files = this.run.files().map((f) => ({ path: f.path, bytes: toTransferable(f.db.serialize()) }));
    const snapshot: MemorySnapshot = {
      t: 'snapshot',
      metadata: this.run.metadataText(),
      metadataDb: toTransferable(this.run.metadataDb.serialize()),
      files,
      final,
    };
    this.port.postMessage(snapshot, [
      snapshot.metadataDb.buffer as ArrayBuffer,
      ...files.map((f) => f.bytes.buffer as ArrayBuffer),
    ]);
    this.run.forgetFiles();
    const db = this.run.metadataDb;
    db.exec('DELETE FROM steps; DELETE FROM media');
    for (const table of ROWID_TABLES)
      db.exec(`DELETE FROM ${table} WHERE rowid < (SELECT max(rowid) FROM ${table})`);
    return files.reduce((n, f) => n + f.bytes.byteLength, snapshot.metadataDb.byteLength);
  }

  postLogs(files: Record<string, string>): void {
    this.port.postMessage({ t: 'logs', files } satisfies HandOverMessage);
  }

  end(): void {
    this.port.postMessage({ t: 'end' } satisfies HandOverMessage);
    this.port.close();
  }
}

/** A copy in an ArrayBuffer of its own (a Buffer may share a pool), so it can be transferred. */
function toTransferable(bytes: Buffer): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  return out;
}
