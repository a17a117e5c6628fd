// What test/helpers/client-live.mjs logs, shared with the test that reads the run while it is written.
// Every call logs `loss` and `lr`; `acc` on even steps; `late/metric` from step LATE_FROM on, so that the
// event stream has a metric to announce as new while the run grows.
export const BATCHES = 40;
export const ROWS = 250;
/** A multiple of ROWS: the step of the first call of a batch. */
export const LATE_FROM = 4000;
export const TOTAL = BATCHES * ROWS;

export const lossAt = (step) => (step % 997 === 500 ? Number.NaN : Math.sin(step / 100) + step / 1e4);
export const lrAt = (step) => 0.1 / (1 + step / 1000);
export const accAt = (step) => (step % 2 === 0 ? (step % 7) / 7 : undefined);
export const lateAt = (step) => (step >= LATE_FROM ? -step : undefined);

/** The values of one call (undefined entries are not logged). */
export function valuesAt(step) {
  const v = { loss: lossAt(step), lr: lrAt(step) };
  if (accAt(step) !== undefined) v.acc = accAt(step);
  if (lateAt(step) !== undefined) v['late/metric'] = lateAt(step);
  return v;
}
