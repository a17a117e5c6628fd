// A training loop that never yields: it runs for at least 5 s and until the file argv[3] exists (another
// process creates it once it has seen this run's data on disk), so it only ends if the writer wrote while the
// loop was running.
import { existsSync, writeSync } from 'node:fs';
import { Board } from '../../dist/index.js';

const [baseDir, stopFile] = process.argv.slice(2);
const board = new Board({ baseDir, project: 'busy', captureOutput: false });
writeSync(1, 'LOOP-START\n');
const start = Date.now();
let i = 0;
let work = 0;
for (;;) {
  for (let k = 0; k < 2000; k++) work += Math.sqrt(k + i);
  board.log({ v: i++ });
  if ((i & 255) === 0) {
    const elapsed = Date.now() - start;
    if (elapsed >= 5000 && existsSync(stopFile)) break;
    if (elapsed > 90_000) {
      writeSync(1, 'TIMEOUT\n');
      break;
    }
  }
}
writeSync(1, `LOOP-END ${i} ${work > 0}\n`);
await board.finish();
writeSync(1, `FINISHED ${i}\n`);
