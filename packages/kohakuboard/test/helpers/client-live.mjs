// A training run that logs steadily with the real client (dist/) while a viewer reads it: several metrics
// per call, committed every 100 ms, a batch of calls every DELAY_MS. Prints "done <calls>" past the output
// capture when the run has finished. With "pause", it stops before the first call of late/metric, prints
// PAUSED and goes on when a line arrives on stdin (so that a reader can look at the run before the metric
// exists). Usage: node client-live.mjs BASE_DIR DELAY_MS [pause]
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Board } from '../../dist/index.js';
import { BATCHES, LATE_FROM, ROWS, valuesAt } from './client-live-data.mjs';

const [baseDir, delayText, pause] = process.argv.slice(2);
const board = new Board({
  baseDir,
  systemMetrics: false,
  project: 'live',
  runId: 'wr01',
  name: 'Live Run',
  config: { lr: 0.01 },
  captureOutput: false,
  handleSignals: false,
  flushIntervalMs: 100,
});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let step = 0;
const nextLine = () =>
  new Promise((resolve) => createInterface({ input: process.stdin }).once('line', resolve));
for (let b = 0; b < BATCHES; b++) {
  if (pause === 'pause' && step === LATE_FROM) {
    await board.flush();
    writeSync(1, 'PAUSED\n');
    await nextLine();
    process.stdin.pause();
  }
  for (let r = 0; r < ROWS; r++) board.log(valuesAt(step++));
  await sleep(Number(delayText));
}
await board.finish();
writeSync(1, `done ${step}\n`);
