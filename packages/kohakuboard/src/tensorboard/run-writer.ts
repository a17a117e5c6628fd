/**
 * Writes imported rows into one KohakuBoard run folder through the storage library, one transaction per file
 * per batch, in the order the project's own writer uses (blobs, then histogram and metric files, then
 * data/metadata.db), so that a metadata row never points at a missing blob.
 *
 * Every file also tells how far it got: the step of its last row. A batch is only ever written after the rows
 * already there, and rows at or below a file's last step are skipped, so a batch that was partly written when
 * an import stopped (before its state was saved) is completed, not duplicated, by the next import.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkpointAndCloseAll,
  createMetadataTables,
  decodeI64,
  HistogramFileWriter,
  type HistogramRowInput,
  inImmediateTransaction,
  KVaultWriter,
  logicalRowCount,
  logNameToFileStem,
  MetadataDbWriter,
  MetricFileWriter,
  openForWriting,
  readColumnMetas,
  readFixedBytes,
  readMetricEnd,
  requireColumn,
  runPaths,
  type SqliteDatabase,
  withFile,
} from '../storage/index.js';
import type { Columns, ImportBatch, MetricColumn } from './import-batch.js';

interface OpenFile<W> {
  db: SqliteDatabase;
  path: string;
  writer: W;
  /** Step of the file's last row; -1 when it has none. */
  lastStep: number;
}

const HISTOGRAM_COLUMNS = ['step', 'global_step', 'name', 'counts', 'min', 'max'];

/** The step of a histogram file's last row, or -1. */
function histogramLastStep(db: SqliteDatabase, file: string): number {
  return db.transaction(() => {
    const metas = readColumnMetas(db, file);
    const n = logicalRowCount(metas, HISTOGRAM_COLUMNS, file);
    if (n === 0) return -1;
    return decodeI64(readFixedBytes(db, requireColumn(metas, 'step', file), file, n - 1, n))[0];
  })();
}

/** The index of the first row whose step is above `after` (rows are in step order). */
function firstAfter(steps: Float64Array, after: number): number {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (steps[mid] > after) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export class ImportedRunWriter {
  private readonly paths;
  private readonly metadataDb: SqliteDatabase;
  private readonly metadata: MetadataDbWriter;
  /** The last step of the step index (-1 when empty): rows of data/metadata.db at or below it are written. */
  private stepFrontier: number;
  private readonly metrics = new Map<string, OpenFile<MetricFileWriter>>();
  private readonly histograms = new Map<string, OpenFile<HistogramFileWriter>>();
  private blobs: OpenFile<KVaultWriter> | null = null;

  /** Opens (creating when missing) the run folder's sub-folders and data/metadata.db. */
  constructor(readonly runDir: string) {
    this.paths = runPaths(runDir);
    for (const dir of [
      this.paths.metricsDir,
      this.paths.histogramsDir,
      this.paths.mediaDir,
      this.paths.logsDir,
    ]) {
      mkdirSync(dir, { recursive: true });
    }
    const { db } = openForWriting(this.paths.metadataDb, 'metadata');
    try {
      createMetadataTables(db);
      this.metadata = new MetadataDbWriter(db);
      const last = db.prepare('SELECT max(step) FROM steps').pluck().get() as number | null;
      this.stepFrontier = last ?? -1;
    } catch (err) {
      db.close();
      throw withFile(err, this.paths.metadataDb);
    }
    this.metadataDb = db;
  }

  /** Writes a batch: blobs, histogram files, metric files, then data/metadata.db. */
  commit(batch: ImportBatch): void {
    if (batch.blobs.size > 0) this.commitBlobs(batch.blobs);
    for (const [fileName, h] of batch.histograms) this.commitHistograms(fileName, h.numBins, h.rows);
    for (const [name, rows] of batch.metrics) this.commitMetric(name, rows);
    this.commitMetadata(batch);
  }

  /** Checkpoints and closes every file of the run. */
  async close(): Promise<void> {
    const files = [
      ...[...this.metrics.values(), ...this.histograms.values()].map((f) => ({ db: f.db, path: f.path })),
      ...(this.blobs ? [{ db: this.blobs.db, path: this.blobs.path }] : []),
      { db: this.metadataDb, path: this.paths.metadataDb },
    ];
    this.metrics.clear();
    this.histograms.clear();
    this.blobs = null;
    let first: unknown = null;
    await checkpointAndCloseAll(files, (path, err) => {
      first ??= withFile(err, path);
    });
    if (first) throw first;
  }

  private commitBlobs(blobs: Map<string, Uint8Array>): void {
    if (!this.blobs) {
      const path = this.paths.blobsDb;
      this.blobs = this.open(
        path,
        'kvault',
        (db) => new KVaultWriter(db, path),
        () => -1,
      );
    }
    const kv = this.blobs.writer;
    this.run(this.blobs.path, () =>
      inImmediateTransaction(kv.db, () => {
        for (const [key, bytes] of blobs) kv.putIfAbsent(key, bytes);
      }),
    );
  }

  private commitHistograms(fileName: string, numBins: number, rows: HistogramRowInput[]): void {
    let f = this.histograms.get(fileName);
    if (!f) {
      const path = join(this.paths.histogramsDir, fileName);
      f = this.open(
        path,
        'columnvault',
        (db) => new HistogramFileWriter(db, path, numBins, 'i32'),
        (db) => histogramLastStep(db, path),
      );
      this.histograms.set(fileName, f);
    }
    const frontier = f.lastStep;
    const fresh = rows.filter((r) => r.step > frontier);
    if (fresh.length === 0) return;
    const file = f;
    this.run(file.path, () => file.writer.append(fresh));
    file.lastStep = fresh[fresh.length - 1].step;
  }

  private commitMetric(name: string, rows: Columns<MetricColumn>): void {
    let f = this.metrics.get(name);
    if (!f) {
      const path = join(this.paths.metricsDir, `${logNameToFileStem(name)}.db`);
      f = this.open(
        path,
        'columnvault',
        (db) => new MetricFileWriter(db, path),
        (db) => readMetricEnd(db, path).lastStep ?? -1,
      );
      this.metrics.set(name, f);
    }
    const steps = rows.view('step');
    const from = firstAfter(steps, f.lastStep);
    if (from === steps.length) return;
    const file = f;
    this.run(file.path, () =>
      file.writer.append({
        step: steps.subarray(from),
        globalStep: rows.view('globalStep').subarray(from),
        timestamp: rows.view('timestamp').subarray(from),
        value: rows.view('value').subarray(from),
      }),
    );
    file.lastStep = steps[steps.length - 1];
  }

  private commitMetadata(batch: ImportBatch): void {
    const frontier = this.stepFrontier;
    const steps = batch.steps.view('step');
    const from = firstAfter(steps, frontier);
    const media = batch.media.filter((m) => m.step > frontier);
    const tables = batch.tables.filter((t) => t.step > frontier);
    if (from === steps.length && media.length === 0 && tables.length === 0) return;
    this.run(this.paths.metadataDb, () =>
      inImmediateTransaction(this.metadataDb, () => {
        this.metadata.steps(
          steps.subarray(from),
          batch.steps.view('globalStep').subarray(from),
          batch.steps.view('timestamp').subarray(from),
        );
        for (const m of media) this.metadata.media(m);
        for (const t of tables) this.metadata.table(t);
      }),
    );
    if (steps.length > 0) this.stepFrontier = Math.max(frontier, steps[steps.length - 1]);
  }

  private open<W>(
    path: string,
    kind: 'columnvault' | 'kvault',
    create: (db: SqliteDatabase) => W,
    lastStep: (db: SqliteDatabase) => number,
  ): OpenFile<W> {
    const { db } = openForWriting(path, kind);
    try {
      const writer = create(db);
      return { db, path, writer, lastStep: lastStep(db) };
    } catch (err) {
      db.close();
      throw withFile(err, path);
    }
  }

  /** Runs a write, naming the file in any error. */
  private run(path: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      throw withFile(err, path);
    }
  }
}
