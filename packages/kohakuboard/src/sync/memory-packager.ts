/**
 * Memory mode with sync, the writer's half (docs/sync.md#memory-mode-with-sync): every `periodMs`, right after a
 * commit, what the in-memory databases hold past the cursors is cut into log sync requests, handed to the
 * sync thread with the media blobs they name, and dropped from memory. The sync thread sends them in order
 * and keeps each one until the server has acknowledged it, so memory holds only what is not on the server.
 *
 * Runs in the writer thread, between commits, so the databases it reads are never half written.
 */

import { basename, dirname } from 'node:path';
import type { MessagePort } from 'node:worker_threads';
import { fileStemToLogName, kvGet, runPaths, type SqliteDatabase } from '../storage/index.js';
import { buildLogRequest, moveCursorsPast } from './request-builder.js';
import { type RunSource, type SourceFile, sha256Hex } from './run-source.js';
import { freshSyncState, type SyncCursors } from './sync-state.js';

/** A request on its way to the server, with the blobs its media rows name (`<hash>.<format>`). */
export interface OutboxBatch {
  t: 'batch';
  body: string;
  bytes: number;
  rows: number;
  /** metadata.json when the request carries it (to create the run again on a server that lost it). */
  metadata: string | null;
  blobs: Array<{ hash: string; name: string; bytes: Uint8Array }>;
}

/** What the writer posts to the sync thread. */
export type OutboxMessage =
  | OutboxBatch
  /** The whole text of each log kept in memory, sent at most once a minute and at the end. */
  | { t: 'logs'; files: Record<string, string> }
  /** The writer has posted its last batch and logs. */
  | { t: 'end' };

/** What one package() cut. */
export interface PackageResult {
  requests: number;
  rows: number;
  bytes: number;
}

export interface MemoryRun {
  runDir: string;
  metadataDb: SqliteDatabase;
  /** The current metadata.json text. */
  metadataText(): string;
  /** The in-memory data files by path. */
  files(): Array<{ path: string; db: SqliteDatabase }>;
  /** Drops every in-memory data file. */
  forgetFiles(): void;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const PRUNED_TABLES = ['tables', 'tensors', 'kernel_density'] as const;

export class MemoryPackager {
  private readonly cursors: SyncCursors = freshSyncState({ remoteUrl: '', project: '', runId: '' }).cursors;
  /** Rows already handed over and dropped, per metric and histogram file stem. */
  private readonly bases = { metrics: new Map<string, number>(), histograms: new Map<string, number>() };
  private readonly paths;
  private nextAt = 0;
  private committed = false;
  private metadataSent = false;

  constructor(
    private readonly run: MemoryRun,
    private readonly port: MessagePort,
    private readonly periodMs: number,
  ) {
    this.paths = runPaths(run.runDir);
  }

  /** A commit stored rows: they are packaged at the next due time. */
  markCommitted(): void {
    this.committed = true;
  }

  /** When the next package is due while rows wait (committed, or pending in the writer); else null. */
  dueAt(pendingRows: boolean): number | null {
    return this.committed || pendingRows ? this.nextAt : null;
  }

  isDue(now: number, pendingRows: boolean): boolean {
    const at = this.dueAt(pendingRows);
    return at !== null && now >= at;
  }

  /**
   * Cuts everything committed past the cursors into requests, posts them, and drops the rows from memory.
   * `final` sends metadata.json again (its final status) even when unchanged.
   */
  package(now: number, final = false): PackageResult {
    this.nextAt = now + this.periodMs;
    this.committed = false;
    const result: PackageResult = { requests: 0, rows: 0, bytes: 0 };
    const source = this.source();
    let forceMetadata = final || !this.metadataSent;
    for (;;) {
      const mediaBefore = this.cursors.media;
      const built = buildLogRequest(source, this.cursors, { maxBodyBytes: MAX_BODY_BYTES, forceMetadata });
      if (!built) break;
      forceMetadata = false;
      const blobs = this.blobsOf(mediaBefore, built.advance.media);
      const metadata = built.advance.metadataHash !== null ? this.run.metadataText() : null;
      moveCursorsPast(this.cursors, built.advance);
      if (built.advance.metadataHash !== null) this.metadataSent = true;
      const batch: OutboxBatch = {
        t: 'batch',
        body: built.body,
        bytes: built.bytes,
        rows: built.rows,
        metadata,
        blobs,
      };
      this.port.postMessage(
        batch,
        blobs.map((b) => b.bytes.buffer as ArrayBuffer),
      );
      result.requests++;
      result.rows += built.rows;
      result.bytes += built.bytes;
    }
    this.prune();
    return result;
  }

  /** Posts the logs' texts. */
  postLogs(files: Record<string, string>): void {
    this.port.postMessage({ t: 'logs', files } satisfies OutboxMessage);
  }

  /** Tells the sync thread that nothing more comes. */
  end(): void {
    this.port.postMessage({ t: 'end' } satisfies OutboxMessage);
    this.port.close();
  }

  private source(): RunSource {
    const files = this.run.files();
    const held = (db: SqliteDatabase) => ({ db, close: () => {} });
    const inDir = (dir: string, kind: 'metrics' | 'histograms'): SourceFile[] =>
      files
        .filter((f) => dirname(f.path) === dir)
        .map((f): SourceFile => {
          const stem = basename(f.path, '.db');
          return {
            stem,
            name: kind === 'metrics' ? fileStemToLogName(stem) : stem,
            base: this.bases[kind].get(stem) ?? 0,
            read: (fn) => fn(f.db, f.path),
          };
        })
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return {
      metadata: () => {
        const text = this.run.metadataText();
        return { hash: sha256Hex(text), text };
      },
      metadataDb: () => held(this.run.metadataDb),
      metricFiles: () => inDir(this.paths.metricsDir, 'metrics'),
      histogramFiles: () => inDir(this.paths.histogramsDir, 'histograms'),
      tensorFile: (kvFile) => {
        const path = `${this.paths.tensorsDir}/${kvFile}.db`;
        const f = files.find((x) => x.path === path);
        return f ? held(f.db) : null;
      },
    };
  }

  /** Copies of the blobs named by the media rows with ids in (after, upTo], once each. */
  private blobsOf(after: number, upTo: number | null): OutboxBatch['blobs'] {
    if (upTo === null) return [];
    const kv = this.run.files().find((f) => f.path === this.paths.blobsDb)?.db;
    if (!kv) return [];
    const rows = this.run.metadataDb
      .prepare('SELECT DISTINCT media_hash, format FROM media WHERE id > ? AND id <= ?')
      .all(after, upTo) as Array<{ media_hash: string; format: string }>;
    const out: OutboxBatch['blobs'] = [];
    for (const r of rows) {
      const name = `${r.media_hash}.${r.format}`;
      const bytes = kvGet(kv, name);
      // A blob stored for an earlier row went with that row's request.
      if (bytes) out.push({ hash: r.media_hash, name, bytes: new Uint8Array(bytes) });
    }
    return out;
  }

  /**
   * Drops what was handed over. Every data file is dropped whole (all of its rows were packaged); in
   * metadata.db the last row of each table without AUTOINCREMENT stays, so that new rows keep counting up
   * from it and the rowid cursors stay valid.
   */
  private prune(): void {
    for (const f of this.run.files()) {
      const dir = dirname(f.path);
      const stem = basename(f.path, '.db');
      if (dir === this.paths.metricsDir) this.bases.metrics.set(stem, this.cursors.metrics[stem] ?? 0);
      else if (dir === this.paths.histogramsDir)
        this.bases.histograms.set(stem, this.cursors.histograms[stem] ?? 0);
    }
    this.run.forgetFiles();
    const db = this.run.metadataDb;
    db.prepare('DELETE FROM media WHERE id <= ?').run(this.cursors.media);
    for (const table of PRUNED_TABLES)
      db.prepare(`DELETE FROM ${table} WHERE rowid < ?`).run(this.cursors[table]);
    if (this.cursors.steps !== null) db.prepare('DELETE FROM steps WHERE step <= ?').run(this.cursors.steps);
  }
}
