/**
 * The control block a board shares with its writer (docs/client.md#the-writer): counters in a
 * SharedArrayBuffer, read and written with Atomics, so that either side can follow and wait for the other
 * without its event loop turning.
 *
 * Sequence numbers are int32 and wrap around; compare them only with `seqAtLeast`, which is correct as long
 * as fewer than 2^31 messages are in flight.
 */
export const Ctl = {
  /** Last sequence number handed to the writer (ring records and posted messages alike). */
  POSTED: 0,
  /** Last sequence number the writer has taken. */
  TAKEN: 1,
  /** Last sequence number whose data is committed. */
  DURABLE: 2,
  /** One of WriterState. */
  STATE: 3,
  /** Seconds since the board started, when the writer last advanced. */
  PROGRESS_S: 4,
  /** Ring write position in words (modulo 2^32), published by the board. */
  RING_HEAD: 5,
  /** Ring read position in words, published by the writer. */
  RING_TAIL: 6,
  /** The word the writer sleeps on; the board adds 1 and notifies to wake it. */
  WAKE: 7,
  /** 1 while the writer sleeps. */
  WRITER_IDLE: 8,
  /** The highest sequence number a flush asked to make durable. */
  FLUSH_REQUEST: 9,
  /**
   * 1 while the board blocks for room or durability: the writer then notifies DURABLE after commits, and TAKEN
   * once TAKEN has reached WAKE_BOARD_AT (so that a board waiting for room is woken once, not per batch).
   */
  BOARD_WAITING: 10,
  /** 1 while a flush() promise waits; the writer then posts a message after each commit. */
  ASYNC_FLUSH_WAITING: 11,
  /** The sequence number whose taking wakes a board blocked for room. */
  WAKE_BOARD_AT: 12,
  /**
   * Set to 1 by a board that gave up on a writer that made no progress (docs/client.md#finishing step 5): the
   * writer exits at its next check without writing anything more. (Terminating a thread that is inside a
   * failing SQLite call would abort the whole process, so the board asks instead.)
   */
  STOP: 13,
  /**
   * Commit trouble, counted by the writer: odd while its transactions fail (a full disk, an I/O error, a
   * lock held elsewhere), even again once a commit succeeds. The board compares it with the value it saw.
   */
  TROUBLE: 14,
  /** Rows and blobs the writer dropped after repeated failed transactions (saturates at 2^31 - 1). */
  DROPPED_ROWS: 15,
  /** Byte length of the description of the current trouble in the text area. */
  TROUBLE_TEXT_LENGTH: 16,
  /**
   * The V8 heap in use on the board's thread, in KiB, published by a timer on that thread while system metrics
   * are on (docs/client.md#system-metrics); the writer cannot see another thread's heap.
   */
  HEAP_USED_KIB: 17,
  /** Counts those publications, so that the writer logs the heap only when it is fresh. */
  HEAP_STAMP: 18,
} as const;

export const CONTROL_WORDS = 32;
/** Bytes after the counters that hold the description of the current commit trouble (UTF-8). */
export const TROUBLE_TEXT_BYTES = 1024;

export const WriterState = {
  STARTING: 0,
  RUNNING: 1,
  FINISHING: 2,
  CLOSED: 3,
  CRASHED: 4,
} as const;
export type WriterStateValue = (typeof WriterState)[keyof typeof WriterState];

export const WRITER_STATE_NAMES = ['starting', 'running', 'finishing', 'closed', 'crashed'] as const;

export function createControlBlock(): SharedArrayBuffer {
  return new SharedArrayBuffer(CONTROL_WORDS * 4 + TROUBLE_TEXT_BYTES);
}

function troubleTextArea(control: SharedArrayBuffer): Uint8Array {
  return new Uint8Array(control, CONTROL_WORDS * 4, TROUBLE_TEXT_BYTES);
}

/**
 * The writer's side: commit trouble starts (with its description, written before the counter changes, so
 * that a board that sees the new counter reads the new text) or ends (the description stays).
 */
export function publishTrouble(
  control: SharedArrayBuffer,
  ctl: Int32Array,
  failing: boolean,
  text?: string,
): void {
  if (text !== undefined) {
    const { written } = new TextEncoder().encodeInto(text, troubleTextArea(control));
    Atomics.store(ctl, Ctl.TROUBLE_TEXT_LENGTH, written);
  }
  const now = Atomics.load(ctl, Ctl.TROUBLE);
  if ((now % 2 === 1) !== failing) Atomics.store(ctl, Ctl.TROUBLE, now + 1);
}

/** The board's side: the description of the current commit trouble. */
export function readTroubleText(control: SharedArrayBuffer, ctl: Int32Array): string {
  const length = Math.min(Atomics.load(ctl, Ctl.TROUBLE_TEXT_LENGTH), TROUBLE_TEXT_BYTES);
  // Copied out first: TextDecoder does not read shared memory.
  return new TextDecoder().decode(troubleTextArea(control).slice(0, length));
}

/** True when sequence number `a` is at or after `b` (int32 arithmetic, wrap-safe). */
export function seqAtLeast(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** Wakes a sleeping writer. */
export function wakeWriter(ctl: Int32Array): void {
  Atomics.add(ctl, Ctl.WAKE, 1);
  Atomics.notify(ctl, Ctl.WAKE);
}
