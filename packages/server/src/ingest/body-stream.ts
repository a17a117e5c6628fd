/**
 * A log upload's body shared with its ingest thread while it arrives (docs/server.md#parsing-a-log-body), so
 * that the thread parses what is there while the rest is still on the way. The event loop copies each chunk
 * into shared memory and publishes the count; the thread waits (Atomics.wait, never on the event loop) when
 * it has parsed everything there. It gives up — and the body is parsed again once complete — when anything
 * else is queued for its thread, when no byte came for STALL_MS, or after BUDGET_MS in all, so that a slow
 * client never holds an ingest thread that other uploads need.
 */
import type { BodySource } from './log-body.js';

/** Indexes of the control words; SEQ grows with every change, and is what the thread waits on. */
const RECEIVED = 0;
const STATE = 1;
const YIELD = 2;
const SEQ = 3;
/** States. */
const RECEIVING = 0;
const COMPLETE = 1;
const ABORTED = 2;

export const STALL_MS = 100;
export const BUDGET_MS = 5000;
/** Bodies smaller than this are read whole first: they arrive in one or two chunks anyway. */
export const STREAM_MIN_BYTES = 256 * 1024;

/** The event loop's side: the bytes as they arrive and the words that say how many there are. */
export class SharedBody {
  readonly bytes: Uint8Array;
  readonly control: Int32Array;

  constructor(length: number) {
    this.bytes = new Uint8Array(new SharedArrayBuffer(length));
    this.control = new Int32Array(new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT));
  }

  /** After the first `received` bytes were copied in. */
  progress(received: number): void {
    Atomics.store(this.control, RECEIVED, received);
    changed(this.control);
  }

  complete(): void {
    this.setState(COMPLETE);
  }

  abort(): void {
    if (Atomics.load(this.control, STATE) === RECEIVING) this.setState(ABORTED);
  }

  private setState(state: number): void {
    Atomics.store(this.control, STATE, state);
    changed(this.control);
  }
}

/** Wakes the waiting thread after a change (it compares SEQ, so a change just before its wait is not missed). */
function changed(control: Int32Array): void {
  Atomics.add(control, SEQ, 1);
  Atomics.notify(control, SEQ);
}

/** Asks the thread parsing a body to give up at its next wait (something else is queued for it). */
export function askToYield(control: Int32Array): void {
  Atomics.store(control, YIELD, 1);
  changed(control);
}

/** Thrown inside the parser when the thread stops waiting for the body. */
export class BodyGaveUp extends Error {
  constructor(readonly reason: 'aborted' | 'yield' | 'stalled') {
    super(`stopped waiting for the body (${reason})`);
  }
}

/** The ingest thread's side: a body source whose waits are bounded. */
export class ArrivingBody implements BodySource {
  private readonly started = performance.now();
  private lastCount = -1;
  private lastProgress = this.started;

  constructor(
    readonly bytes: Uint8Array,
    private readonly control: Int32Array,
  ) {}

  get available(): number {
    return Atomics.load(this.control, RECEIVED);
  }

  /** Every byte is there (the buffer has the announced length), or the event loop said so. */
  get complete(): boolean {
    return (
      Atomics.load(this.control, RECEIVED) === this.bytes.length ||
      Atomics.load(this.control, STATE) === COMPLETE
    );
  }

  waitBeyond(i: number): void {
    for (;;) {
      const seq = Atomics.load(this.control, SEQ);
      const state = Atomics.load(this.control, STATE);
      if (state === ABORTED) throw new BodyGaveUp('aborted');
      const received = Atomics.load(this.control, RECEIVED);
      if (received > i || received === this.bytes.length || state === COMPLETE) return;
      if (Atomics.load(this.control, YIELD) !== 0) throw new BodyGaveUp('yield');
      const now = performance.now();
      if (received !== this.lastCount) {
        this.lastCount = received;
        this.lastProgress = now;
      }
      if (now - this.lastProgress > STALL_MS || now - this.started > BUDGET_MS)
        throw new BodyGaveUp('stalled');
      Atomics.wait(this.control, SEQ, seq, STALL_MS / 4);
    }
  }
}
