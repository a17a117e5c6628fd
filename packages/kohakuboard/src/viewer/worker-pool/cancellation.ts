/**
 * Cancelling work whose client has gone (API.md §0.9): a task that has not started is dropped from its queue;
 * a task that is running sees a flag shared with the thread that runs it and stops at its next checkpoint
 * (checkpoint() throws TaskCancelled). The flag is one Int32 in a SharedArrayBuffer, so setting it reaches a
 * worker thread at once, without a message.
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

export const newCancelFlag = (): Int32Array => new Int32Array(new SharedArrayBuffer(4));

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
