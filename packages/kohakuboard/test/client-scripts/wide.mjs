// A run with ten thousand metrics: the first step logs all of them (10,000 new metric files), the next two
// log the first 2,500 again (more than the writer keeps open, so files are closed and reopened each step).
// argv: baseDir. Every value is k + 1000 * step for metric k.
import { Board } from '../../dist/index.js';

// No system/ metrics: the test counts the run's metric files exactly.
const board = new Board({
  baseDir: process.argv[2],
  project: 'wide',
  captureOutput: false,
  systemMetrics: false,
});
const name = (k) => `group_${k % 100}/metric_${k}`;
for (const [step, count] of [
  [0, 10_000],
  [1, 2_500],
  [2, 2_500],
]) {
  const values = {};
  for (let k = 0; k < count; k++) values[name(k)] = k + 1000 * step + 0.25;
  board.step();
  board.log(values);
  await board.flush();
}
await board.finish();
