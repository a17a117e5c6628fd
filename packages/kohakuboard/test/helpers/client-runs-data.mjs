// What test/helpers/client-runs.mjs logs with the real client, shared with the tests that read it back
// through the API. Steps are the board's `_step` (one per logging call, docs/client.md#steps).

/** Rows of train/loss; train/lr is logged with it on every 10th step. */
export const N = 5000;
export const lossAt = (i) =>
  i === 10
    ? Number.NaN
    : i === 2000
      ? Number.POSITIVE_INFINITY
      : i === 3000
        ? Number.NEGATIVE_INFINITY
        : Math.sin(i / 50) + i / 1000;
export const lrAt = (i) => i / 10;
/** board.step() runs before every 4th call, so global_step = floor(step / 4). */
export const globalStepAt = (i) => Math.floor(i / 4);

/** The steps of the calls after the scalars (one call each). */
export const STEP = {
  firstImage: N,
  secondImage: N + 1,
  table: N + 2,
  firstHistogram: N + 3,
  secondHistogram: N + 4,
  kde: N + 5,
  tensor: N + 6,
};

export const HISTOGRAMS = [
  { bins: [-1, -0.5, 0, 0.5, 1], counts: [1, 2, 3, 4] },
  { bins: [-2, -1, 0, 1, 2], counts: [4, 3, 2, 1] },
];
export const KDE = { grid: [0, 1, 2, 3], density: [0, 0.5, 0.5, 0], sampleCount: 100 };
export const TENSOR = { values: [1, 2, Number.NaN, 4, 5, 6], shape: [2, 3] };

export const CONFIG_A = { optimizer: { name: 'adam', lr: 0.001 }, layers: [64, 64], 1: 'one', seed: 7 };
export const CONFIG_B = { optimizer: { name: 'adam', lr: 0.0003 }, layers: [64, 64], seed: 7 };
export const CONFIG_LIVE = { optimizer: { name: 'sgd', lr: 0.1 } };

/** The bytes of a video logged by run efgh5678: larger than what the viewer reads on its event loop. */
export function videoBytes() {
  return new Uint8Array(300 * 1024).map((_, i) => (i * 31 + 7) % 251);
}

/** What the running run prints before it says READY: two lines and a live progress bar without `\n`. */
export const LIVE_OUTPUT = 'line 1\nline 2\n 45%|####      | 45/100';
