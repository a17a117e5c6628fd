/**
 * Cancelling work whose client has gone (docs/api.md#work-off-the-event-loop): a task that has not started is dropped from its queue;
 * a task that is running sees a flag shared with the thread that runs it and stops at its next checkpoint
 * (checkpoint() throws TaskCancelled). The flag lives in a SharedArrayBuffer, so setting it reaches a worker
 * thread at once, without a message. Its second slot carries back the time the task took in its thread, which
 * fair queueing charges (the time until the result reaches the event loop would count a busy loop too).
 */
import { ApiError } from '../api-error.js';

/** Who asked for a task and whether they still want it. */
export interface TaskContext {
  /** Aborted when the client has gone. */
  signal?: AbortSignal;
  /** The fairness key: tasks of one client wait behind each other, not behind other clients' tasks. */
  client?: string;
}

/** The answer to a cancelled task (it reaches no one: the client has gone). */
export class TaskCancelled extends ApiError {
  constructor() {
    super(503, 'cancelled', 'The request was cancelled');
    this.name = 'TaskCancelled';
  }
}

export const newCancelFlag = (): Int32Array => new Int32Array(new SharedArrayBuffer(8));

/** Records, in the task's flag, the time it took in the thread that ran it (µs). */
export function recordTaskTime(flag: Int32Array | null | undefined, ms: number): void {
  if (flag && flag.length > 1)
    Atomics.store(flag, 1, Math.min(2 ** 31 - 1, Math.max(1, Math.round(ms * 1000))));
}

/** The time a task recorded in its flag, in ms; null when it recorded none. */
export function taskTime(flag: Int32Array): number | null {
  const us = flag.length > 1 ? Atomics.load(flag, 1) : 0;
  return us > 0 ? us / 1000 : null;
}

export function raiseCancelFlag(flag: Int32Array): void {
  Atomics.store(flag, 0, 1);
}

/** The flag of the task this thread is running (tasks run one at a time per thread). */
let current: Int32Array | null = null;

/** Runs fn as the task whose cancel flag is `flag`. */
export function withCancelFlag<T>(flag: Int32Array | null | undefined, fn: () => T): T {
  const previous = current;
  current = flag ?? null;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/** Throws TaskCancelled when the running task's client has gone. Cheap: call it between phases of work. */
export function checkpoint(): void {
  if (current !== null && Atomics.load(current, 0) !== 0) throw new TaskCancelled();
}
