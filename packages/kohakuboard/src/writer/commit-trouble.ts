/**
 * Commit trouble as the writer tracks it (docs/client.md#full-disk): the first failed transaction starts an
 * episode, which the writer publishes in the shared state (the board prints it at its next call) and reports
 * as a message (for a board whose event loop turns); a commit with no failed transaction ends it. The rows
 * dropped meanwhile are counted in the shared state too, so that flush() can reject while data is lost.
 */

import { errorText } from '../util/error-text.js';
import { Ctl, publishTrouble } from './shared-state.js';

const MAX_INT32 = 2 ** 31 - 1;

/** True for the errors of a full disk or an exhausted quota, from SQLite or from the file system. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return true;
  const message = errorText(err);
  return /database or disk is full|no space left on device|disk quota exceeded/i.test(message);
}

/** "the disk is full (SQLITE_FULL: database or disk is full) in data/metrics/loss.db" */
export function describeFailure(file: string, err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = errorText(err);
  const detail = typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
  return `${isDiskFull(err) ? `the disk is full (${detail})` : detail} in ${file}`;
}

export class CommitTroubleState {
  private troubled = false;
  private droppedAtStart = 0;
  private droppedPublished = 0;
  /** What went wrong last (kept after the episode ends, for the final report). */
  lastCause: string | null = null;

  constructor(
    private readonly control: SharedArrayBuffer,
    private readonly ctl: Int32Array,
    private readonly log: { error(m: string): void; info(m: string): void },
    private readonly report: () => void,
  ) {}

  /**
   * Called after each commit attempt with its outcome: whether any transaction failed, whether everything
   * pending is now committed or dropped, the rows dropped so far, and the last failure.
   */
  update(
    failed: boolean,
    allDone: boolean,
    droppedRows: number,
    lastFailure: { file: string; error: unknown } | null,
  ): void {
    if (droppedRows !== this.droppedPublished) {
      this.droppedPublished = droppedRows;
      Atomics.store(this.ctl, Ctl.DROPPED_ROWS, Math.min(droppedRows, MAX_INT32));
    }
    if (failed && !this.troubled && lastFailure) {
      this.troubled = true;
      this.droppedAtStart = droppedRows;
      const cause = describeFailure(lastFailure.file, lastFailure.error);
      this.lastCause = cause;
      this.log.error(
        `Commits are failing: ${cause}. The data is kept and retried after 1 s and 2 s; what still fails then is dropped and counted.`,
      );
      publishTrouble(this.control, this.ctl, true, cause);
      this.report();
    } else if (!failed && allDone && this.troubled) {
      this.troubled = false;
      const lost = droppedRows - this.droppedAtStart;
      this.log.info(`Commits succeed again; ${lost} rows were dropped while they failed.`);
      publishTrouble(this.control, this.ctl, false);
      this.report();
    }
  }
}
