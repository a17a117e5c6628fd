// Writes the runs of the viewer's API tests with the real client (the built package in dist/), then keeps
// one run running until its stdin closes. Protocol lines go past the output capture: "READY" once every
// other run is finished and the running one has logged. Usage: node client-runs.mjs BASE_DIR IMAGE_DIR
// (IMAGE_DIR holds a.png, b.png and c.png, written by the test so that it knows their bytes).
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { Board, Histogram, KernelDensity, Media, Table } from '../../dist/index.js';
import {
  CONFIG_A,
  CONFIG_B,
  CONFIG_LIVE,
  globalStepAt,
  HISTOGRAMS,
  KDE,
  LIVE_OUTPUT,
  lossAt,
  lrAt,
  N,
  TENSOR,
  videoBytes,
} from './client-runs-data.mjs';

const [baseDir, imageDir] = process.argv.slice(2);
const image = (name) => join(imageDir, name);
// No system/ metrics: the tests compare these runs' metric lists exactly.
const quiet = { baseDir, captureOutput: false, handleSignals: false, systemMetrics: false };

const a = new Board({
  ...quiet,
  project: 'mnist',
  runId: 'abcd1234',
  annotation: 'baseline',
  name: 'Aback Zucchini',
  config: CONFIG_A,
});
for (let i = 0; i < N; i++) {
  if (i > 0 && globalStepAt(i) !== globalStepAt(i - 1)) a.step();
  a.log(i % 10 === 0 ? { 'train/loss': lossAt(i), 'train/lr': lrAt(i) } : { 'train/loss': lossAt(i) });
}
a.log({ samples: new Media(image('a.png'), { caption: 'first' }) });
a.log({ samples: new Media(image('b.png')) });
a.logTable(
  'preds',
  new Table([
    { img: new Media(image('a.png')), score: Number.NaN },
    { img: new Media(image('c.png')), score: 0.5 },
  ]),
);
for (const h of HISTOGRAMS) a.log({ 'params/w': Histogram.fromBins(h.bins, h.counts) });
a.log({
  'kde/act': new KernelDensity({ grid: KDE.grid, density: KDE.density }, { sampleCount: KDE.sampleCount }),
});
a.logTensor('weights/fc', Float32Array.from(TENSOR.values), { shape: TENSOR.shape });
await a.finish();

const b = new Board({ ...quiet, project: 'mnist', runId: 'efgh5678', name: 'Second', config: CONFIG_B });
for (const v of [3, 2, 1]) b.log({ 'train/loss': v });
b.logVideo('clip', videoBytes(), { format: 'mp4' });
await b.finish();

const z = new Board({ ...quiet, project: 'resnet-v1.5', runId: 'zzzz0001', config: {} });
z.log({ x: 1 });
await z.finish();

// Created last, so that it is the newest run; it captures its output and stays running.
const live = new Board({
  baseDir,
  project: 'mnist',
  runId: 'live0001',
  config: CONFIG_LIVE,
  handleSignals: false,
});
live.log({ 'train/loss': 1 });
process.stdout.write(LIVE_OUTPUT);
await live.flush();
writeSync(1, '\nREADY\n');
process.stdin.resume();
process.stdin.on('end', async () => {
  await live.finish();
  writeSync(1, 'DONE\n');
});
