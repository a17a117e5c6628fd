// Runs for the metric summaries route, written by the real client (dist/). Usage:
// node client-summaries.mjs BASE_DIR PROJECT
// Run "vals" logs the values of client-summaries-data.mjs and finishes; run "grow" logs its first part,
// flushes, prints "flushed", and logs the second part and finishes when a line arrives on stdin.
import { createInterface } from 'node:readline';
import { Board } from '../../dist/index.js';
import { ACC, GROW_FIRST, GROW_SECOND, LOSS } from './client-summaries-data.mjs';

const [baseDir, project] = process.argv.slice(2);

const vals = new Board({ baseDir, project, runId: 'vals', config: { lr: 0.1 }, handleSignals: false });
for (let i = 0; i < LOSS.length; i++) {
  const row = { loss: LOSS[i] };
  if (ACC[i] !== undefined) row['val/acc'] = ACC[i];
  vals.log(row);
}
await vals.finish();

const grow = new Board({ baseDir, project, runId: 'grow', config: { lr: 0.01 }, handleSignals: false });
for (const v of GROW_FIRST) grow.log({ loss: v });
await grow.flush();
process.stdout.write('flushed\n');
const lines = createInterface({ input: process.stdin });
await new Promise((resolve) => lines.once('line', resolve));
for (const v of GROW_SECOND) grow.log({ loss: v, extra: v * 2 });
await grow.finish();
lines.close();
process.stdout.write('done\n');
