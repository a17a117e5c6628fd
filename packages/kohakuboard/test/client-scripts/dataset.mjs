// A fixed set of logging calls of every kind, shared by the child scripts that log it and the tests that
// check what reached the disk. Steps are given in the comments (the board's _step, docs/client.md#steps).
export const STEPS = 3000;
export const lossAt = (i) => Math.exp(-i / 500) + 0.01 * Math.sin(i);
export const accAt = (i) => i % 3 === 0;
export const SPECIAL = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  5e-324,
  Number.MAX_VALUE,
];

export function histogramValues() {
  const v = [];
  for (let i = 0; i < 1000; i++) v.push(Math.sin(i) * 10);
  v.push(1e6, -1e6, Number.NaN, Number.POSITIVE_INFINITY);
  return v;
}

/** 4×3 RGB pixels. */
export function pixels(seed) {
  const data = new Uint8Array(4 * 3 * 3);
  for (let k = 0; k < data.length; k++) data[k] = (k * 37 + seed * 11) % 256;
  return data;
}

export const TENSOR = [1.5, -2, 3.25, 0, Number.NaN, 1e30];

export function kdeSamples() {
  const v = [];
  for (let i = 0; i < 500; i++) v.push(Math.sin(i * 0.7) * 3 + (i % 5));
  v.push(Number.NaN);
  return v;
}

export const STEP = {
  special: STEPS, // … STEPS + 5
  histogram: STEPS + 6,
  images: STEPS + 7,
  table: STEPS + 8,
  tensor: STEPS + 9,
  kde: STEPS + 10,
  bad: STEPS + 11, // nothing stored: a gap in steps
  ok: STEPS + 12,
};

/** Logs the dataset; `kb` is the package's exports. */
export function logDataset(board, kb) {
  const { Histogram, Media, Table } = kb;
  for (let i = 0; i < STEPS; i++) {
    board.step();
    board.log({ 'train/loss': lossAt(i), 'train/acc': accAt(i) });
  }
  for (const v of SPECIAL) board.log({ special: v });
  board.log({ 'hist/w': new Histogram(histogramValues(), { numBins: 16 }) });
  board.logImages(
    'samples',
    [
      { data: pixels(1), width: 4, height: 3, channels: 3 },
      { data: pixels(2), shape: [3, 4, 3] },
    ],
    'a caption',
  );
  board.logTable(
    'preds',
    new Table([
      { image: new Media({ data: pixels(1), width: 4, height: 3 }), label: 'cat', p: 0.9 },
      { image: new Media({ data: pixels(3), width: 4, height: 3 }), label: 'dog', p: Number.NaN, extra: 7n },
    ]),
  );
  board.logTensor('params/fc1/weight', Float32Array.from(TENSOR), {
    shape: [2, 3],
    metadata: { layer: 'fc1' },
  });
  board.logKernelDensity('kde/x', { values: kdeSamples() }, { numPoints: 64 });
  board.log({ bad: 'not a number' });
  board.log({ '': 1, ok: 2 });
  process.stderr.write('\rEpoch 1:  37%|###       | 37/100');
  process.stderr.write('\rEpoch 1: 100%|##########| 100/100\n');
  console.log('done logging');
}

export const EXPECTED_OUTPUT_LOG = '[STDERR] Epoch 1: 100%|##########| 100/100\ndone logging\n';
