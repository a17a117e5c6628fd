/**
 * Memory mode with sync, in the sync thread (docs/sync.md#memory-mode-with-sync): cuts each snapshot the
 * writer hands over (its in-memory databases as images, src/writer/memory-hand-over.ts) into log sync
 * requests past the cursors, one at a time as they are sent, with the media blobs their rows name. The writer drops what it has handed
 * over, so each data file of a snapshot starts where the previous one ended: its `base` is the cursor.
 */
import { basename, dirname, join } from 'node:path';
import {
  fileStemToLogName,
  kvGet,
  metricRowCount,
  openSerialized,
  readColumnMetas,
  runPaths,
  type SqliteDatabase,
} from '../storage/index.js';
import type { MemorySnapshot } from '../writer/memory-hand-over.js';
import { buildLogRequest, moveCursorsPast } from './request-builder.js';
import { type RunSource, type SourceFile, sha256Hex } from './run-source.js';
import { freshSyncState, type SyncCursors } from './sync-state.js';

/** A request on its way to the server, with the blobs its media rows name (`<hash>.<format>`). */
export interface OutboxBatch {
  body: string;
  bytes: number;
  rows: number;
  blobs: Array<{ hash: string; name: string; bytes: Uint8Array }>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** A snapshot opened for cutting into requests. */
export interface OpenSnapshot {
  metadataDb: SqliteDatabase;
  files: Array<{ path: string; db: SqliteDatabase }>;
  source: RunSource;
  forceMetadata: boolean;
}

function openImages(snapshot: MemorySnapshot): Pick<OpenSnapshot, 'metadataDb' | 'files'> {
  return {
    metadataDb: openSerialized(snapshot.metadataDb),
    files: snapshot.files.map((f) => ({ path: f.path, db: openSerialized(f.bytes) })),
  };
}

/**
 * Data rows of a snapshot: every row of its metric and histogram files, its media rows, and the rows of the
 * rowid tables past those seen in earlier snapshots (the writer keeps the last row of each).
 */
function countRows(
  files: Array<{ path: string; db: SqliteDatabase }>,
  metadataDb: SqliteDatabase,
  paths: ReturnType<typeof runPaths>,
  seen: Record<'tables' | 'tensors' | 'kernel_density', number>,
): number {
  let n = 0;
  for (const f of files) {
    const dir = dirname(f.path);
    if (dir === paths.metricsDir) n += metricRowCount(f.db, f.path);
    else if (dir === paths.histogramsDir) n += readColumnMetas(f.db, f.path).get('step')?.length ?? 0;
  }
  n += metadataDb.prepare('SELECT count(*) FROM media').pluck().get() as number;
  for (const t of ['tables', 'tensors', 'kernel_density'] as const) {
    n += metadataDb.prepare(`SELECT count(*) FROM ${t} WHERE rowid > ?`).pluck().get(seen[t]) as number;
    seen[t] = Math.max(
      seen[t],
      (metadataDb.prepare(`SELECT max(rowid) FROM ${t}`).pluck().get() as number) ?? 0,
    );
  }
  return n;
}

export class SnapshotPackager {
  private readonly cursors: SyncCursors = freshSyncState({ remoteUrl: '', project: '', runId: '' }).cursors;
  private readonly paths;
  private metadataSent = false;
  /** The largest rowid of each rowid table in the snapshots opened so far. */
  private readonly seenRowid = { tables: 0, tensors: 0, kernel_density: 0 };
  /** The last metadata.json text (to create the run again on a server that lost it). */
  lastMetadata: string | null = null;

  /** `runDir`: the run folder the paths of the snapshots stand for (nothing is read from it). */
  constructor(runDir: string) {
    this.paths = runPaths(runDir);
  }

  /**
   * Opens a snapshot for cutting: its requests are built one at a time by next(), so that what waits for
   * the server stays in the snapshot's compact form (a few bytes per value) rather than as JSON.
   */
  open(snapshot: MemorySnapshot): OpenSnapshot {
    this.lastMetadata = snapshot.metadata;
    const { metadataDb, files } = openImages(snapshot);
    // Every row the writer handed over before is gone from these files: each starts at today's cursor.
    const bases = { metrics: { ...this.cursors.metrics }, histograms: { ...this.cursors.histograms } };
    return {
      metadataDb,
      files,
      source: this.source(snapshot.metadata, metadataDb, files, bases),
      forceMetadata: snapshot.final || !this.metadataSent,
    };
  }

  /** The data rows a snapshot brings (call once per snapshot, in the order they came). */
  countRows(snapshot: MemorySnapshot): number {
    const { metadataDb, files } = openImages(snapshot);
    try {
      return countRows(files, metadataDb, this.paths, this.seenRowid);
    } finally {
      metadataDb.close();
      for (const f of files) f.db.close();
    }
  }

  /** The snapshot's next request (moving the cursors past it), or null when it has none left. */
  next(o: OpenSnapshot): OutboxBatch | null {
    const mediaBefore = this.cursors.media;
    const built = buildLogRequest(o.source, this.cursors, {
      maxBodyBytes: MAX_BODY_BYTES,
      forceMetadata: o.forceMetadata,
    });
    if (!built) return null;
    o.forceMetadata = false;
    if (built.advance.metadataHash !== null) this.metadataSent = true;
    const blobs = this.blobsOf(o.metadataDb, o.files, mediaBefore, built.advance.media);
    moveCursorsPast(this.cursors, built.advance);
    return { body: built.body, bytes: built.bytes, rows: built.rows, blobs };
  }

  close(o: OpenSnapshot): void {
    o.metadataDb.close();
    for (const f of o.files) f.db.close();
  }

  private source(
    metadata: string,
    metadataDb: SqliteDatabase,
    files: Array<{ path: string; db: SqliteDatabase }>,
    bases: { metrics: Record<string, number>; histograms: Record<string, number> },
  ): RunSource {
    const held = (db: SqliteDatabase) => ({ db, close: () => {} });
    const inDir = (dir: string, kind: 'metrics' | 'histograms'): SourceFile[] =>
      files
        .filter((f) => dirname(f.path) === dir)
        .map((f): SourceFile => {
          const stem = basename(f.path, '.db');
          return {
            stem,
            name: kind === 'metrics' ? fileStemToLogName(stem) : stem,
            base: bases[kind][stem] ?? 0,
            read: (fn) => fn(f.db, f.path),
          };
        })
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return {
      metadata: () => ({ hash: sha256Hex(metadata), text: metadata }),
      metadataDb: () => held(metadataDb),
      metricFiles: () => inDir(this.paths.metricsDir, 'metrics'),
      histogramFiles: () => inDir(this.paths.histogramsDir, 'histograms'),
      tensorFile: (kvFile) => {
        const f = files.find((x) => x.path === join(this.paths.tensorsDir, `${kvFile}.db`));
        return f ? held(f.db) : null;
      },
    };
  }

  /** Copies of the blobs named by the media rows with ids in (after, upTo], once each. */
  private blobsOf(
    metadataDb: SqliteDatabase,
    files: Array<{ path: string; db: SqliteDatabase }>,
    after: number,
    upTo: number | null,
  ): OutboxBatch['blobs'] {
    if (upTo === null) return [];
    const kv = files.find((f) => f.path === this.paths.blobsDb)?.db;
    if (!kv) return [];
    const rows = metadataDb
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
}
