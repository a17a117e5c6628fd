/**
 * One flush (docs/client.md#commits, docs/client.md#writer-failures): one transaction per file, in three
 * stages — blobs (media/blobs.db and data/tensors/*.db), then histogram and metric files, then
 * data/metadata.db — so that a metadata row never points at a missing blob. A stage with a failed file stops
 * the flush; the file's rows stay pending and are retried after 1 s, then 2 s; after the third failed attempt
 * they are dropped (with the metadata rows that reference dropped blobs).
 */
import {
  inImmediateTransaction,
  type MetadataDbWriter,
  type SqliteDatabase,
  shownName,
} from '../storage/index.js';
import { errorText } from '../util/error-text.js';
import type { LogFile } from './log-file.js';
import type { OpenFiles } from './open-files.js';
import {
  type MediaOp,
  type MetadataOp,
  type PendingBlob,
  type PendingData,
  ScratchColumns,
} from './pending.js';

const MAX_ATTEMPTS = 3;

interface FailureState {
  failures: number;
  retryAt: number;
}

export interface CommitLogs {
  writer: LogFile;
  storage: LogFile;
  media: LogFile;
}

export class Committer {
  private readonly failures = new Map<string, FailureState>();
  private readonly scratch = new ScratchColumns();
  /** Rows and blobs dropped after repeated failures (for the finish summary). */
  droppedRows = 0;
  /** Failed transactions during the last commit() call. */
  roundFailures = 0;
  /** The last failed transaction: its file (run-relative) and the error. */
  lastFailure: { file: string; error: unknown } | null = null;

  constructor(
    private readonly files: OpenFiles,
    private readonly metadataDb: SqliteDatabase,
    private readonly metadata: MetadataDbWriter,
    private readonly logs: CommitLogs,
  ) {}

  /** The earliest time a failed file may be retried, or null when nothing waits for a retry. */
  retryAt(): number | null {
    let at: number | null = null;
    for (const f of this.failures.values()) if (at === null || f.retryAt < at) at = f.retryAt;
    return at;
  }

  /**
   * Commits everything pending. Returns true when nothing is left pending (committed or dropped), false when
   * a file failed and is waiting for a retry. `now` decides whether a waiting file may be retried.
   */
  commit(p: PendingData, now: number): boolean {
    this.roundFailures = 0;
    this.files.beginRound();
    if (!this.stageBlobs(p, now)) return false;
    if (!this.stageSeries(p, now)) return false;
    return this.stageMetadata(p, now);
  }

  private attempt(
    key: string,
    now: number,
    fn: () => void,
    onDrop: () => number,
  ): 'ok' | 'failed' | 'dropped' {
    const state = this.failures.get(key);
    if (state && state.retryAt > now) return 'failed';
    const started = performance.now();
    try {
      fn();
      if (state) this.logs.storage.info(`${key}: committed after ${state.failures} failed attempt(s)`);
      this.failures.delete(key);
      return 'ok';
    } catch (err) {
      this.roundFailures++;
      this.lastFailure = { file: key, error: err };
      const failures = (state?.failures ?? 0) + 1;
      const message = errorText(err);
      if (failures >= MAX_ATTEMPTS) {
        this.failures.delete(key);
        const dropped = onDrop();
        this.droppedRows += dropped;
        this.logs.writer.error(
          `${key}: transaction failed ${failures} times (${message}); dropped ${dropped} pending rows`,
        );
        this.logs.storage.error(`${key}: dropped after ${failures} failed transactions: ${message}`);
        return 'dropped';
      }
      const delay = 1000 * 2 ** (failures - 1);
      // Counted from the end of the attempt: a busy file makes it wait up to 5 s inside SQLite.
      const ended = now + Math.floor(performance.now() - started);
      this.failures.set(key, { failures, retryAt: ended + delay });
      this.logs.storage.warning(`${key}: transaction failed (${message}); retrying in ${delay / 1000} s`);
      return 'failed';
    }
  }

  private stageBlobs(p: PendingData, now: number): boolean {
    let ok = true;
    if (p.mediaBlobs.size > 0) {
      const blobs = p.mediaBlobs;
      const r = this.attempt(
        'media/blobs.db',
        now,
        () => {
          const kv = this.files.mediaBlobs();
          const saved: Array<[string, PendingBlob, boolean]> = [];
          inImmediateTransaction(kv.db, () => {
            for (const [key, blob] of blobs) saved.push([key, blob, kv.putIfAbsent(key, blob.bytes)]);
          });
          for (const [key, blob, isNew] of saved) {
            this.logs.media.debug(
              isNew
                ? `Saved new ${blob.kind} to blobs.db: ${key}`
                : `Deduplicated ${blob.kind}: ${key} (already stored)`,
            );
          }
        },
        () => this.dropMediaBlobs(p),
      );
      if (r !== 'failed') blobs.clear();
      else ok = false;
    }
    for (const [kvFile, blobs] of p.tensorBlobs) {
      const r = this.attempt(
        `data/tensors/${kvFile}.db`,
        now,
        () => {
          const kv = this.files.tensors(kvFile);
          inImmediateTransaction(kv.db, () => {
            for (const [key, blob] of blobs) kv.put(key, blob.bytes);
          });
        },
        () => this.dropTensorBlobs(p, kvFile),
      );
      if (r !== 'failed') p.tensorBlobs.delete(kvFile);
      else ok = false;
    }
    return ok;
  }

  private stageSeries(p: PendingData, now: number): boolean {
    let ok = true;
    for (const [fileName, h] of p.histograms) {
      const r = this.attempt(
        `data/histograms/${fileName}`,
        now,
        () => {
          const w = this.files.histogram(fileName, h.numBins, h.precision);
          w.vault.transaction(() => w.appendInTransaction(h.rows));
        },
        () => h.rows.length,
      );
      if (r !== 'failed') p.histograms.delete(fileName);
      else ok = false;
    }
    for (const rows of p.touched) {
      const r = this.attempt(
        `data/metrics/${rows.name}.db`,
        now,
        () => this.files.metric(rows.name).append(rows.columns(p.steps, this.scratch)),
        () => rows.n,
      );
      if (r !== 'failed') {
        rows.clear();
        p.touched.delete(rows);
      } else ok = false;
    }
    return ok;
  }

  private stageMetadata(p: PendingData, now: number): boolean {
    if (p.steps.n === 0 && p.ops.length === 0) return true;
    const r = this.attempt(
      'data/metadata.db',
      now,
      () => inImmediateTransaction(this.metadataDb, () => this.writeMetadata(p)),
      () => p.steps.n + p.ops.filter((o) => !('dropped' in o && o.dropped)).length,
    );
    if (r === 'failed') {
      // The transaction rolled back: forget media ids handed out inside it.
      for (const op of p.ops) if (op.op === 'media') op.id = undefined;
      return false;
    }
    for (const op of p.ops) {
      if (op.op === 'media' && op.id !== undefined) {
        this.logs.writer.debug(
          `Logged media '${shownName(op.row.name)}' at step ${op.row.step} (ID: ${op.id})`,
        );
      }
    }
    p.steps.clear();
    p.ops = [];
    return true;
  }

  private writeMetadata(p: PendingData): void {
    const s = p.steps;
    this.metadata.steps(s.step, s.globalStep, s.timestamp, s.n);
    for (const op of p.ops) this.writeOp(op);
  }

  private writeOp(op: MetadataOp): void {
    switch (op.op) {
      case 'media':
        if (!op.dropped) op.id = this.metadata.media(op.row);
        return;
      case 'table': {
        const rows = op.rows.map(
          (row) =>
            `[${row
              .map((cell) => {
                if (typeof cell === 'string') return cell;
                const m = op.media[cell.media];
                return m && !m.dropped && m.id !== undefined ? `"<media id=${m.id}>"` : '"<media error>"';
              })
              .join(',')}]`,
        );
        this.metadata.table({
          step: op.step,
          global_step: op.globalStep,
          name: op.name,
          columns: op.columns,
          column_types: op.columnTypes,
          rows: `[${rows.join(',')}]`,
        });
        return;
      }
      case 'tensor':
        if (!op.dropped) this.metadata.tensor(op.row);
        return;
      case 'kde':
        if (!op.dropped) this.metadata.kernelDensity(op.row);
        return;
    }
  }

  private dropMediaBlobs(p: PendingData): number {
    let n = p.mediaBlobs.size;
    for (const op of p.ops) {
      if (op.op === 'media' && !op.dropped && p.mediaBlobs.has((op as MediaOp).blobKey)) {
        op.dropped = true;
        n++;
      }
    }
    return n;
  }

  private dropTensorBlobs(p: PendingData, kvFile: string): number {
    const blobs = p.tensorBlobs.get(kvFile);
    let n = blobs?.size ?? 0;
    for (const op of p.ops) {
      if (
        (op.op === 'tensor' || op.op === 'kde') &&
        !op.dropped &&
        op.row.kv_file === kvFile &&
        blobs?.has(op.row.kv_key)
      ) {
        op.dropped = true;
        n++;
      }
    }
    return n;
  }
}
