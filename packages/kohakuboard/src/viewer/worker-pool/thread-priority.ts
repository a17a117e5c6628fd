/**
 * Worker threads of the task pool run at a lower scheduling priority than the event loop
 * (docs/api.md#work-off-the-event-loop, C8): when every core is busy, the main thread, which answers requests
 * and must stay responsive, gets the CPU first, and the pool's long reads and encodings wait a little. On
 * Linux the nice value is per thread (the thread id is found through /proc/thread-self); elsewhere nothing is
 * changed.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * The nice value of pool threads (0 is normal; 19 is the lowest priority). At 5 the event loop gets about
 * three times a pool thread's share of a busy core, while the pool still gets a fair share when other
 * programs keep the machine busy.
 */
export const POOL_THREAD_NICE = 5;

/** This thread's id on Linux, or null. */
export function linuxThreadId(): number | null {
  if (process.platform !== 'linux') return null;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isSafeInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/** Lowers the calling thread's priority to `nice` (never raises it). Returns whether it did. */
export function lowerThreadPriority(nice = POOL_THREAD_NICE): boolean {
  const tid = linuxThreadId();
  if (tid === null) return false;
  try {
    if (getPriority(tid) >= nice) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
