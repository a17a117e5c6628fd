/**
 * Chart creation is spread over animation frames, at most one per frame, in on-screen order
 * (docs/ui.md#virtualization), so a page of 20 charts never blocks input for long.
 */
interface Job {
  order: () => number;
  run: () => void;
}

const jobs = new Set<Job>();
let scheduled = false;

function tick(): void {
  scheduled = false;
  let best: Job | null = null;
  let bestOrder = Number.POSITIVE_INFINITY;
  for (const j of jobs) {
    const o = j.order();
    if (o < bestOrder) {
      bestOrder = o;
      best = j;
    }
  }
  if (best) {
    jobs.delete(best);
    best.run();
  }
  if (jobs.size > 0) schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(tick);
}

/** Queues a chart creation; returns a cancel function. `order` is read when the frame comes. */
export function queueChartCreation(order: () => number, run: () => void): () => void {
  const job: Job = { order, run };
  jobs.add(job);
  schedule();
  return () => jobs.delete(job);
}
