/**
 * Performance marks of docs/ui.md#performance, read by the benchmark script: `kobo:first-chart`,
 * `kobo:visible-charts-ready`, `kobo:live-applied`.
 */
let firstChartMarked = false;
const pendingVisible = new Set<string>();
let visibleReadyMarked = false;

function mark(name: string): void {
  try {
    performance.mark(name);
  } catch {
    // Performance API unavailable: marks are only for benchmarks.
  }
}

/** A line chart has drawn data. */
export function chartDrew(cardId: string): void {
  if (!firstChartMarked) {
    firstChartMarked = true;
    mark('kobo:first-chart');
  }
  if (pendingVisible.delete(cardId) && pendingVisible.size === 0 && !visibleReadyMarked) {
    visibleReadyMarked = true;
    mark('kobo:visible-charts-ready');
  }
}

/** A line chart intersecting the viewport is waiting for its data (registered before the first draw). */
export function chartPending(cardId: string): void {
  if (visibleReadyMarked) return;
  pendingVisible.add(cardId);
}

/** A pending chart left the page without drawing (its tab changed): do not wait for it. */
export function chartGone(cardId: string): void {
  if (pendingVisible.delete(cardId) && pendingVisible.size === 0 && !visibleReadyMarked && firstChartMarked) {
    visibleReadyMarked = true;
    mark('kobo:visible-charts-ready');
  }
}

export function liveApplied(): void {
  mark('kobo:live-applied');
}
