/**
 * The board's V8 heap for the system metrics (docs/client.md#system-metrics). The writer thread cannot see
 * another thread's heap, so a timer on the board's thread publishes it into the control block. The timer is
 * unref'd and runs only when the event loop turns, never inside log(); a loop that never yields publishes
 * nothing, and the writer then logs no heap figure rather than a stale one.
 */
import { getHeapStatistics } from 'node:v8';
import { Ctl } from '../writer/shared-state.js';

const MAX_KIB = 2 ** 31 - 1;

/** Publishes now and then every half interval; returns the function that stops it. */
export function publishHeapEvery(ctl: Int32Array, intervalMs: number): () => void {
  const publish = () => {
    const usedKiB = Math.round(getHeapStatistics().used_heap_size / 1024);
    Atomics.store(ctl, Ctl.HEAP_USED_KIB, Math.min(MAX_KIB, usedKiB));
    Atomics.add(ctl, Ctl.HEAP_STAMP, 1);
  };
  publish();
  const timer = setInterval(publish, Math.max(50, intervalMs / 2));
  timer.unref();
  return () => clearInterval(timer);
}
