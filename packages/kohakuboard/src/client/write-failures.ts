/**
 * What the board says when the writer's commits fail (docs/client.md#full-disk): the writer publishes each
 * start and end of such an episode in the shared state, with a description of the cause and a count of the
 * rows it had to drop. The board reads them at its next logging call (one atomic load, so a loop that never
 * yields hears of it too), when the writer's report arrives, and whenever it waits for the writer; it says
 * each change once, as an ERROR or an INFO on the console and in board.log.
 */
import { Ctl, readTroubleText } from '../writer/shared-state.js';
import type { BoardLogger } from './board-logger.js';

export class WriteFailures {
  /** The value of Ctl.TROUBLE last reported. */
  seen = 0;
  /** Ctl.DROPPED_ROWS when the last episode was seen to start. */
  private droppedAtStart = 0;
  private cause = '';

  constructor(
    private readonly control: SharedArrayBuffer,
    private readonly ctl: Int32Array,
    private readonly logger: BoardLogger,
  ) {}

  /** Reports the changes since the last check (cheap when there are none). */
  check(): void {
    const now = Atomics.load(this.ctl, Ctl.TROUBLE);
    if (now === this.seen) return;
    // Report at most the last start and end when several episodes passed unseen.
    const from = now - this.seen > 2 ? now - 1 : this.seen + 1;
    for (let v = from; v <= now; v++) {
      if (v % 2 === 1) this.started();
      else this.ended();
    }
    this.seen = now;
  }

  /** True while the writer's commits fail. */
  get failing(): boolean {
    return this.seen % 2 === 1;
  }

  /** Rows the writer has dropped after failed transactions, in all. */
  droppedRows(): number {
    return Atomics.load(this.ctl, Ctl.DROPPED_ROWS);
  }

  /** The cause of the last failure, as the writer described it. */
  lastCause(): string {
    return this.cause || readTroubleText(this.control, this.ctl) || 'failed transactions';
  }

  /** The error flush() and finish() reject with when `lost` rows were dropped. */
  lossError(lost: number): Error {
    return new Error(
      `${lost} logged rows could not be written (${this.lastCause()}); see logs/board.log and logs/writer.log`,
    );
  }

  private started(): void {
    this.cause = readTroubleText(this.control, this.ctl);
    this.droppedAtStart = this.droppedRows();
    const fix = this.cause.startsWith('the disk is full')
      ? 'Free some space and writing resumes by itself.'
      : 'Writing resumes by itself once the cause is gone.';
    this.logger.error(
      `Cannot write the run's files: ${this.cause}. Logging goes on: the writer keeps what it could not write and retries after 1 s and 2 s, then drops it and counts it; flush() rejects while data is dropped. ${fix}`,
    );
  }

  private ended(): void {
    const lost = this.droppedRows() - this.droppedAtStart;
    this.logger.info(`Writing works again; ${lost} logged rows were dropped while it failed.`);
  }
}
