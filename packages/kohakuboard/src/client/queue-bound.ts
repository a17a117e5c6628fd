/**
 * The queue bound and overload policy (docs/client.md#queue-and-backpressure): at most `queueCapacity` messages and
 * `queueMaxBytes` of payload in flight (handed to the writer, not yet taken). At 80 % one warning; when full,
 * a logging call blocks the training thread (Atomics.wait on the writer's TAKEN counter, which needs no event
 * loop) until there is room, announced once per episode with a reminder every 10 s. Data is dropped and
 * counted only when the writer is dead, or stalled: no progress for the no-progress limit puts the bound in
 * drop mode until the writer moves again.
 */
import type { RingWriter } from '../writer/scalar-ring.js';
import { Ctl, seqAtLeast, wakeWriter } from '../writer/shared-state.js';
import type { BoardLogger } from './board-logger.js';

const WAIT_SLICE_MS = 100;
const NOTICE_MS = 10_000;

export interface QueueLimits {
  /** queueCapacity: messages in flight. */
  capacity: number;
  /** queueMaxBytes: payload bytes in flight. */
  maxBytes: number;
  /** The no-progress limit after which a blocked call gives up and drop mode starts. */
  stallTimeoutMs: number;
}

/** What the bound needs to know about the writer's life. */
export interface WriterLiveness {
  /** Why the writer is dead, or null while it lives. */
  readonly deadReason: string | null;
  /** True once the writer is dead (may notice a crash in the shared state and record it). */
  isDead(): boolean;
}

export class QueueBound {
  /** Messages dropped (writer dead or stalled), blocking episodes and the time spent blocked. */
  dropped = 0;
  blockedTimes = 0;
  blockedMs = 0;
  /** TAKEN as last read. */
  private takenSeen = 0;
  private readonly softLimit: number;
  private bytesInFlight = 0;
  private readonly byteQueue: Array<[seq: number, bytes: number]> = [];
  private highWarned = false;
  /** A backpressure episode: from the first wait until the queue is below half full again. */
  private episode: { started: number; nextNotice: number } | null = null;
  private dropMode = false;
  private dropModeTaken = 0;
  private dropModeDropped = 0;
  private deadReported = false;

  constructor(
    private readonly ctl: Int32Array,
    private readonly limits: QueueLimits,
    private readonly ring: RingWriter,
    private readonly writer: WriterLiveness,
    private readonly logger: BoardLogger,
  ) {
    this.softLimit = Math.max(1, Math.floor(limits.capacity * 0.8));
  }

  /**
   * The hot path's test: true while nothing needs the full check of `admit` — the queue is below 80 % as
   * last seen and no warning or backpressure episode is open (those end when the queue is below half full
   * again, which only admit() notices).
   */
  quiet(seq: number): boolean {
    return ((seq - this.takenSeen) | 0) < this.softLimit && !this.highWarned && this.episode === null;
  }

  /** Records the payload bytes of posted message `seq` as in flight until the writer takes it. */
  addBytes(seq: number, bytes: number): void {
    if (bytes <= 0) return;
    this.bytesInFlight += bytes;
    this.byteQueue.push([seq, bytes]);
  }

  private refreshTaken(): void {
    this.takenSeen = Atomics.load(this.ctl, Ctl.TAKEN);
    const q = this.byteQueue;
    let head = 0;
    while (head < q.length && seqAtLeast(this.takenSeen, q[head][0])) this.bytesInFlight -= q[head++][1];
    if (head > 0) q.splice(0, head);
  }

  private hasRoom(seq: number, bytes: number): boolean {
    const inflight = (seq - this.takenSeen) | 0;
    return (
      inflight < this.limits.capacity &&
      (this.bytesInFlight === 0 || this.bytesInFlight + bytes <= this.limits.maxBytes)
    );
  }

  /** Checks the bound for one more message after `seq`; false means "drop it". May block. */
  admit(seq: number, bytes: number): boolean {
    if (this.writer.deadReason !== null) return this.drop();
    this.refreshTaken();
    const { capacity, maxBytes } = this.limits;
    const inflight = (seq - this.takenSeen) | 0;
    if (inflight >= this.softLimit || this.bytesInFlight + bytes >= maxBytes * 0.8) {
      if (!this.highWarned) {
        this.highWarned = true;
        const pct = Math.round(Math.max(inflight / capacity, this.bytesInFlight / maxBytes) * 100);
        this.logger.throttled(
          'queue-high',
          'WARNING',
          `Logging queue at ${inflight}/${capacity} messages (${pct}%): the writer is falling behind; consider logging less often.`,
        );
      }
    } else if (inflight < capacity / 2 && this.bytesInFlight < maxBytes / 2) {
      this.highWarned = false;
      this.endEpisode();
    }
    if (this.stillStalled()) return this.hasRoom(seq, bytes) || this.drop();
    if (this.hasRoom(seq, bytes)) return true;
    if (this.writer.isDead()) return this.drop();
    return this.block(seq, () => this.hasRoom(seq, bytes));
  }

  /** Reserves `len` words of the ring for the record after `seq`, waiting while it is full; -1: drop. */
  reserve(seq: number, len: number): number {
    const idx = this.ring.reserve(len);
    if (idx >= 0) return idx;
    if (this.writer.isDead() || this.stillStalled()) {
      this.drop();
      return -1;
    }
    let at = -1;
    const ok = this.block(seq, () => {
      at = this.ring.reserve(len);
      return at >= 0;
    });
    return ok ? at : -1;
  }

  /**
   * True in drop mode while the writer has taken nothing since it was declared stalled; the first sign of
   * progress ends drop mode. Room in the queue alone is not progress: a record may not fit the ring although
   * the message count has room.
   */
  private stillStalled(): boolean {
    if (!this.dropMode) return false;
    this.refreshTaken();
    if (this.takenSeen === this.dropModeTaken) return true;
    this.dropMode = false;
    this.logger.info(`Writer recovered; ${this.dropModeDropped} messages were dropped.`);
    this.dropModeDropped = 0;
    return false;
  }

  /** Counts one dropped message (saying once that the writer is not running, when that is why). */
  drop(): false {
    this.dropped++;
    if (this.dropMode) this.dropModeDropped++;
    const reason = this.writer.deadReason;
    if (reason !== null && !this.deadReported) {
      this.deadReported = true;
      this.logger.error(`Writer is not running (${reason}); logged data is being dropped.`);
    }
    return false;
  }

  /**
   * Blocks until `room()` holds. One WARNING when an episode of backpressure starts, a reminder every 10 s
   * while it lasts, one INFO when the queue is below half full again. False when it gave up.
   */
  private block(seq: number, room: () => boolean): boolean {
    const started = Date.now();
    if (!this.episode) {
      this.episode = { started, nextNotice: started + NOTICE_MS };
      this.logger.throttled(
        'queue-full',
        'WARNING',
        `${this.fullText(seq)}: log() is waiting for the writer (backpressure).`,
      );
    }
    const episode = this.episode;
    // Be woken once an eighth of what is in flight has been taken, not after every batch the writer takes.
    const wakeAt = () => {
      const inflight = (seq - this.takenSeen) | 0;
      Atomics.store(this.ctl, Ctl.WAKE_BOARD_AT, (this.takenSeen + Math.max(1, inflight >> 3)) | 0);
    };
    wakeAt();
    Atomics.store(this.ctl, Ctl.BOARD_WAITING, 1);
    wakeWriter(this.ctl);
    let lastTaken = this.takenSeen;
    let lastProgress = started;
    try {
      for (;;) {
        this.refreshTaken();
        if (room()) {
          this.blockedTimes++;
          this.blockedMs += Date.now() - started;
          return true;
        }
        if (this.writer.isDead()) return this.drop();
        wakeAt();
        Atomics.wait(this.ctl, Ctl.TAKEN, this.takenSeen, WAIT_SLICE_MS);
        const now = Date.now();
        const taken = Atomics.load(this.ctl, Ctl.TAKEN);
        if (taken !== lastTaken) {
          lastTaken = taken;
          lastProgress = now;
        } else if (now - lastProgress >= this.limits.stallTimeoutMs) {
          this.logger.error(
            `Writer made no progress for ${formatSeconds(this.limits.stallTimeoutMs)}; dropping logged data until it recovers.`,
          );
          this.blockedTimes++;
          this.blockedMs += now - started;
          this.dropMode = true;
          this.dropModeTaken = taken;
          return this.drop();
        }
        if (now >= episode.nextNotice) {
          episode.nextNotice += NOTICE_MS;
          this.logger.warning(
            `${this.fullText(seq)}: log() is waiting for the writer (backpressure), ${Math.round((now - episode.started) / 1000)} s so far.`,
          );
        }
      }
    } finally {
      Atomics.store(this.ctl, Ctl.BOARD_WAITING, 0);
    }
  }

  private fullText(seq: number): string {
    const inflight = (seq - this.takenSeen) | 0;
    const { capacity, maxBytes } = this.limits;
    if (inflight >= capacity) return `Logging queue full (${capacity} messages)`;
    if (this.bytesInFlight > 0 && this.bytesInFlight >= maxBytes * 0.5) {
      return `Logging queue full (${Math.round(this.bytesInFlight / 1048576)} MiB of payload in flight)`;
    }
    return `Logging queue full (${inflight} messages fill the ${this.ring.sizeMiB} MiB scalar ring)`;
  }

  /** Ends a backpressure episode (when the queue is below half full again, or at finish). */
  endEpisode(): void {
    if (!this.episode) return;
    this.logger.throttled(
      'queue-released',
      'INFO',
      `Backpressure released after ${Date.now() - this.episode.started} ms.`,
    );
    this.episode = null;
  }
}

/** "60 s", "1.5 s": a no-progress limit as the messages state it. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
