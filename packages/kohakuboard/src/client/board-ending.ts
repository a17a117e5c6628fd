/**
 * How a board ends (docs/client.md#finishing, docs/client.md#exit-status): finish() posts the final status to
 * the writer and waits for it to close, with a progress line every 5 s and a 60 s no-progress watchdog; the
 * exit hook does the same by blocking the thread; a dead writer or a forced exit leaves metadata.json written
 * here with status "crashed". Idempotent: a board ends once.
 */
import { formatPythonIso, type RunMetadata, readMetadataJson, writeMetadataJson } from '../storage/index.js';
import type { WriterSummary } from '../writer/messages.js';
import type { BoardLogger } from './board-logger.js';
import { configSnapshot } from './config-snapshot.js';
import { errorText } from './errors.js';
import { writeUncapturedStderr } from './output-capture.js';
import type { EndStatus } from './process-hooks.js';
import { formatSeconds, type WriterLink } from './writer-link.js';

const PROGRESS_MS = 5000;

export interface EndingContext {
  name: string;
  boardDir: string;
  memoryMode: boolean;
  metadata: RunMetadata;
  config: Record<string, unknown>;
  link: WriterLink;
  logger: BoardLogger;
  /** Stops this board's output capture. */
  stopCapture(): void;
  /** Called once the board has ended (to leave the process hooks). */
  onEnded(): void;
  /** The last remote sync, after the writer has closed (bounded; never rejects). */
  finalSync?(): Promise<void>;
  /** Ends the remote sync at once (the exit hook, a dead writer). */
  stopSync?(): void;
}

export class BoardEnding {
  /** True from the moment finishing starts: later logging calls are dropped with a warning. */
  started = false;
  /** True once the board has ended and board.log is closed. */
  ended = false;
  private promise: Promise<void> | null = null;

  constructor(private readonly c: EndingContext) {}

  /** finish() with a status; later calls return the same promise. */
  finish(status: EndStatus, reason?: string): Promise<void> {
    if (this.promise) return this.promise;
    this.started = true;
    if (reason) this.c.logger.info(`Run ${status}: ${reason}`);
    const config = this.stop();
    if (this.c.link.isDead()) {
      this.promise = this.endWithDeadWriter();
    } else {
      this.c.link.postFinish(status, config);
      this.promise = this.awaitWriterClosed();
    }
    return this.promise;
  }

  /** The exit hook: drain synchronously, blocking this thread until the writer has closed. */
  finishBlocking(status: EndStatus): void {
    if (this.ended) return;
    // No last sync while this thread is blocked: what is unsent stays in the run folder.
    this.c.stopSync?.();
    const link = this.c.link;
    if (!this.started) {
      this.started = true;
      const config = this.stop();
      if (!link.isDead()) link.postFinish(status, config);
    }
    const ok =
      !link.isDead() &&
      link.waitClosedBlocking((left) =>
        writeUncapturedStderr(`KohakuBoard: draining: ${left} messages left\n`),
      );
    if (!ok) {
      // A writer that stalled may be waiting inside SQLite: the process must not exit under it.
      if (!link.isDead()) link.stopBlocking();
      this.c.logger.error(
        `The writer did not finish (${link.state}); ${link.notDurable()} logged messages were not written.`,
      );
      this.writeCrashedMetadata();
    }
    this.end();
  }

  /** A second signal: records the crash in metadata.json now; returns how many messages are lost. */
  forceCrashed(reason: string): number {
    const lost = this.c.link.notDurable();
    this.c.logger.info(`Run crashed: ${reason}`);
    this.writeCrashedMetadata();
    return lost;
  }

  private async awaitWriterClosed(): Promise<void> {
    const { link, logger } = this.c;
    const stallMs = link.stallTimeoutMs;
    let mark = link.progressMark();
    let lastProgress = Date.now();
    let nextNotice = lastProgress + PROGRESS_MS;
    const watchdog = setInterval(
      () => {
        const now = Date.now();
        const m = link.progressMark();
        if (m !== mark) {
          mark = m;
          lastProgress = now;
        } else if (now - lastProgress >= stallMs) {
          logger.error(
            `The writer made no progress for ${formatSeconds(stallMs)} while finishing; stopping it.`,
          );
          clearInterval(watchdog);
          link.stop();
          return;
        }
        if (now >= nextNotice) {
          nextNotice += PROGRESS_MS;
          logger.info(`Draining: ${link.notDurable()} messages left`);
        }
      },
      Math.min(PROGRESS_MS, stallMs),
    );
    watchdog.unref();
    let summary: WriterSummary;
    try {
      summary = await link.whenClosed();
    } catch {
      return this.endWithDeadWriter();
    } finally {
      clearInterval(watchdog);
    }
    await this.c.finalSync?.();
    this.end();
    // Data was lost: the writer recorded the run as crashed; finish() says so too.
    if (summary.droppedRows > 0) throw link.failures.lossError(summary.droppedRows);
  }

  /**
   * finish() when the writer died or was stopped: metadata.json is written here with status "crashed"
   * (docs/client.md#writer-failures), and the promise rejects with the start error, or with an error that
   * counts the messages not written.
   */
  private async endWithDeadWriter(): Promise<void> {
    const { link, logger } = this.c;
    // A writer that crashed on its own has reported its error; the report may still be on its way.
    await link.whenFailureReported();
    const lost = link.notDurable();
    this.c.stopSync?.();
    logger.error(`The run is recorded as crashed; ${lost} logged messages were not written.`);
    this.writeCrashedMetadata();
    this.end();
    throw link.deathError(lost);
  }

  /** Stops output capture and re-serialises the config (keeping the first snapshot if that fails). */
  private stop(): unknown {
    this.c.stopCapture();
    try {
      return configSnapshot(this.c.config);
    } catch (err) {
      this.c.logger.warning(
        `The config can no longer be serialised (${errorText(err)}); keeping the snapshot taken at creation`,
      );
      return undefined;
    }
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    const { link: l, logger } = this.c;
    l.failures.check();
    logger.info(
      `Logged ${l.handed} messages; dropped ${l.dropped}; blocked ${l.blockedTimes} times for ${l.blockedMs} ms.`,
    );
    const summary = l.summary;
    if (summary && summary.droppedRows > 0) {
      logger.error(
        `The run is recorded as crashed: ${summary.droppedRows} logged rows could not be written (${summary.dropCause ?? l.failures.lastCause()}).`,
      );
    }
    if (summary && summary.failedItems > 0) {
      logger.warning(`The writer could not store ${summary.failedItems} items (see logs/writer.log).`);
    }
    logger.info(`Board finished: ${this.c.name}`);
    logger.close();
    this.c.onEnded();
  }

  private writeCrashedMetadata(): void {
    if (this.c.memoryMode) return;
    const now = formatPythonIso(Date.now());
    try {
      writeMetadataJson(this.c.boardDir, {
        ...this.c.metadata,
        finished_at: now,
        status: 'crashed',
        updated_at: now,
        ...machineOnDisk(this.c.boardDir),
      });
    } catch (err) {
      this.c.logger.error(`Could not write metadata.json: ${errorText(err)}`);
    }
  }
}

/**
 * The machine description the writer added to metadata.json (docs/client.md#machine-description), kept when
 * this thread rewrites the file; nothing when there is none or the file cannot be read.
 */
function machineOnDisk(runDir: string): { machine?: unknown } {
  try {
    const onDisk = readMetadataJson(runDir);
    return 'machine' in onDisk ? { machine: onDisk.machine } : {};
  } catch {
    return {};
  }
}
