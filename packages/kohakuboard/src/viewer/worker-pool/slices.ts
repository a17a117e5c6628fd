/**
 * Work over many items on the event loop, cut into slices of a few milliseconds with a turn of the loop
 * between them (docs/api.md#work-off-the-event-loop): requests that touch every run of a large project never
 * hold the loop for long, and fast work is not slowed down by turns it does not need.
 */

/** Resolves on the next turn of the event loop, after timers and I/O callbacks that are due. */
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Longest stretch of work between two turns of the loop. */
export const SLICE_MS = 4;
/** The clock is read once per this many items. */
const CHECK_EVERY = 64;

/** Tracks the time since the last turn of the loop. */
export class LoopBudget {
  private start = performance.now();

  constructor(private readonly sliceMs = SLICE_MS) {}

  /** True when the slice is used up; then `await budget.yield()`. */
  exhausted(): boolean {
    return performance.now() - this.start >= this.sliceMs;
  }

  async yield(): Promise<void> {
    await yieldToLoop();
    this.start = performance.now();
  }
}

/** `items.filter(keep)`, in slices. */
export async function filterInSlices<T>(items: readonly T[], keep: (item: T) => boolean): Promise<T[]> {
  const budget = new LoopBudget();
  const out: T[] = [];
  for (let i = 0; i < items.length; i++) {
    if (keep(items[i])) out.push(items[i]);
    if (i % CHECK_EVERY === CHECK_EVERY - 1 && budget.exhausted()) await budget.yield();
  }
  return out;
}

/** `items.map(fn)`, in slices. */
export async function mapInSlices<T, R>(
  items: readonly T[],
  fn: (item: T, index: number) => R,
): Promise<R[]> {
  const budget = new LoopBudget();
  const out = new Array<R>(items.length);
  for (let i = 0; i < items.length; i++) {
    out[i] = fn(items[i], i);
    if (i % CHECK_EVERY === CHECK_EVERY - 1 && budget.exhausted()) await budget.yield();
  }
  return out;
}
