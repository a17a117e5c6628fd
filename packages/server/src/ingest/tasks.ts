/**
 * The work of an ingest thread (docs/server.md#log-upload): parsing and checking a log upload, writing
 * it, storing uploaded media, and forgetting a run's open files. The same handlers run in a worker thread or,
 * when the compiled worker is not available (tests from sources), in the calling thread.
 *
 * A log upload takes two steps on one thread: `parse` keeps the checked request under a ticket and tells
 * the caller what it needs before it may write (the metadata's creation time), then `apply` writes it
 * under the run's lease (or `discard` forgets it). A `parse` with `control` reads a body that is still
 * arriving (body-stream.ts) and may give up, to be sent again with the whole body.
 */
import { probeRun } from 'kohakuboard/read-api';
import { splitRunFolderName } from 'kohakuboard/storage';
import { type IndexColumns, indexColumns } from '../index/run-row.js';
import { type ApplyResult, applyLogRequest } from './apply-log.js';
import { ArrivingBody, BodyGaveUp } from './body-stream.js';
import { parseLogBody } from './log-body.js';
import { FrameError, type LogRequest, type Rejection, validateLogRequest } from './log-request.js';
import { type IncomingBlob, type MediaStoreResult, storeMediaBlobs } from './media-store.js';
import { type JournalMode, RunFilesCache } from './run-files.js';

export interface RunTarget {
  dataDir: string;
  /** Absolute run folder. */
  dir: string;
  journal: JournalMode;
  /** True when another process wrote the run since this one last did: cached state is dropped first. */
  foreign: boolean;
}

export type IngestTask =
  | { kind: 'parse'; ticket: number; bytes: Uint8Array; maxItemBytes: number; control?: Int32Array }
  | {
      kind: 'apply';
      ticket: number;
      run: RunTarget;
      receivedAtMs: number;
      staleAfterMs: number;
    }
  | { kind: 'discard'; ticket: number }
  | { kind: 'media'; run: RunTarget; blobs: IncomingBlob[] }
  | { kind: 'drop'; dir: string };

export type ParseResult =
  | {
      ok: true;
      hasMetadata: boolean;
      /** metadata.created_at, the run's fingerprint. */
      createdAt: string | null;
      /** metadata.annotation, for the folder of a new run, and its name. */
      annotation: string | null;
      name: string | null;
      syncRange: { start_step: number; end_step: number };
      rejected: number;
    }
  | { ok: false; code: 'too_deep' | 'invalid_json' | 'invalid_body'; message: string }
  /** The body stopped arriving in time, or something else needed the thread: parse it again whole. */
  | { ok: false; code: 'gave_up'; message: string };

export type ApplyTaskResult =
  | (Extract<ApplyResult, { ok: true }> & { index: IndexColumns })
  | Extract<ApplyResult, { ok: false }>;

interface Ticket {
  request: LogRequest;
  rejected: Rejection[];
  at: number;
}

const TICKET_TTL_MS = 120_000;

export class IngestTasks {
  private readonly files = new RunFilesCache();
  private readonly tickets = new Map<number, Ticket>();

  run(task: IngestTask): unknown {
    switch (task.kind) {
      case 'parse':
        return this.parse(task.ticket, task.bytes, task.maxItemBytes, task.control);
      case 'apply':
        return this.apply(task);
      case 'discard':
        this.tickets.delete(task.ticket);
        return null;
      case 'media':
        return this.media(task.run, task.blobs);
      case 'drop':
        this.files.drop(task.dir);
        return null;
    }
  }

  private parse(ticket: number, bytes: Uint8Array, maxItemBytes: number, control?: Int32Array): ParseResult {
    const now = Date.now();
    for (const [k, t] of this.tickets) if (now - t.at > TICKET_TTL_MS) this.tickets.delete(k);
    let parsed: ReturnType<typeof parseLogBody>;
    try {
      parsed = parseLogBody(control ? new ArrivingBody(bytes, control) : bytes);
    } catch (err) {
      if (err instanceof BodyGaveUp) return { ok: false, code: 'gave_up', message: err.message };
      throw err;
    }
    if ('problem' in parsed) return { ok: false, ...parsed.problem };
    try {
      const { request, rejected } = validateLogRequest(parsed.value, { maxItemBytes });
      this.tickets.set(ticket, { request, rejected, at: now });
      const md = request.metadata;
      return {
        ok: true,
        hasMetadata: md !== null,
        createdAt: md && typeof md.created_at === 'string' ? md.created_at : null,
        annotation: md && typeof md.annotation === 'string' ? md.annotation : null,
        name: md && typeof md.name === 'string' ? md.name : null,
        syncRange: request.syncRange,
        rejected: rejected.length,
      };
    } catch (err) {
      if (err instanceof FrameError) return { ok: false, code: 'invalid_body', message: err.message };
      throw err;
    }
  }

  private filesOf(run: RunTarget) {
    if (run.foreign) this.files.drop(run.dir);
    return this.files.get(run.dir, run.journal);
  }

  private apply(task: Extract<IngestTask, { kind: 'apply' }>): ApplyTaskResult {
    const t = this.tickets.get(task.ticket);
    if (!t) throw new Error('the parsed upload is no longer held (ticket expired)');
    this.tickets.delete(task.ticket);
    const { run } = task;
    const files = this.filesOf(run);
    const folder = run.dir.slice(run.dir.lastIndexOf('/') + 1);
    const { runId, annotation } = splitRunFolderName(folder);
    const result = applyLogRequest(files, t.request, t.rejected, {
      folder,
      annotation,
      receivedAtMs: task.receivedAtMs,
    });
    if (!result.ok) {
      // What the open handles believe may be wrong after a failed transaction: read it again next time.
      this.files.drop(run.dir);
      return result;
    }
    const probe = probeRun({
      project: '',
      dir: run.dir,
      folder,
      runId,
      annotation,
      layout: 'users',
      owner: null,
    });
    return { ...result, index: indexColumns(run.dataDir, probe, task.staleAfterMs) };
  }

  private media(run: RunTarget, blobs: IncomingBlob[]): MediaStoreResult {
    const files = this.filesOf(run);
    try {
      return storeMediaBlobs(files, blobs);
    } catch (err) {
      this.files.drop(run.dir);
      throw err;
    }
  }

  close(): void {
    this.files.closeAll();
    this.tickets.clear();
  }
}
