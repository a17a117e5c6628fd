// Benchmark of the docs/api.md#downsampling selection on a 1,000,000-row series
// (docs/api.md#performance-targets, target C1: the selection itself must leave the viewer room for its 20 ms
// budget). Run after building: `npx tsc -p packages/series/tsconfig.build.json && node
// packages/series/bench/downsample.mjs`. Prints `BENCH <name> <median> ms` lines; timings are never asserted
// by tests.
import { downsample, incrementalTail } from '../dist/index.js';

const ROWS = 1_000_000;
const POINTS = 2000;
const RUNS = 20;
const WARMUP = 10;

/** Deterministic pseudo-random numbers (mulberry32). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function buildSeries() {
  const rand = mulberry32(42);
  const steps = new Float64Array(ROWS);
  const values = new Float64Array(ROWS);
  let loss = 5;
  for (let i = 0; i < ROWS; i++) {
    steps[i] = i;
    loss = loss * 0.999995 + (rand() - 0.5) * 0.01;
    const r = rand();
    values[i] = r < 1e-4 ? Number.NaN : r < 1.5e-4 ? Number.POSITIVE_INFINITY : r < 2e-4 ? -Infinity : loss;
  }
  // A global_step-like axis that is not monotonic (a counter reset halfway): the general path.
  const globalSteps = new Float64Array(ROWS);
  for (let i = 0; i < ROWS; i++) globalSteps[i] = i < ROWS / 2 ? i * 4 : (i - ROWS / 2) * 4 + 2;
  return { steps, values, globalSteps };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function time(fn) {
  for (let i = 0; i < WARMUP; i++) fn();
  const samples = [];
  let rows = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    rows = fn();
    samples.push(performance.now() - t0);
  }
  return {
    median: median(samples),
    p95: [...samples].sort((a, b) => a - b)[Math.ceil(RUNS * 0.95) - 1],
    rows,
  };
}

const { steps, values, globalSteps } = buildSeries();

const full = time(() => downsample(steps, values, { points: POINTS }).returnedPoints);
const windowed = time(
  () => downsample(steps, values, { points: POINTS, xMin: 450_000, xMax: 549_999 }).returnedPoints,
);
const tail = time(() => {
  const sel = downsample(steps, values, { points: POINTS });
  return incrementalTail(sel, steps, steps, ROWS - 500).indices.length;
});
const unsorted = time(() => downsample(globalSteps, values, { points: POINTS }).returnedPoints);

const fmt = (x) => x.toFixed(3);
console.log(`BENCH downsample_1m_to_2000_fn_ms ${fmt(full.median)} ms`);
console.log(`BENCH downsample_1m_to_2000_window_fn_ms ${fmt(windowed.median)} ms`);
console.log(`BENCH downsample_1m_to_2000_tail_fn_ms ${fmt(tail.median)} ms`);
console.log(`BENCH downsample_1m_to_2000_unsorted_x_fn_ms ${fmt(unsorted.median)} ms`);
console.log(
  `# p95: full ${fmt(full.p95)} ms, window ${fmt(windowed.p95)} ms, tail ${fmt(tail.p95)} ms, unsorted ${fmt(unsorted.p95)} ms; ` +
    `rows returned: full ${full.rows}, window ${windowed.rows}, tail ${tail.rows}, unsorted ${unsorted.rows}`,
);
