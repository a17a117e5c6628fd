// Logs the dataset, then ends the way argv[2] says: natural | finish | exit0 | exit1 | throw | rejection |
// signal (waits for a signal after printing READY).
import { writeSync } from 'node:fs';
import * as kb from '../../dist/index.js';
import { logDataset } from './dataset.mjs';

const [mode, baseDir] = process.argv.slice(2);
const board = new kb.Board({
  baseDir,
  project: 'endings',
  annotation: mode,
  config: { mode, nested: { lr: 0.001 } },
});
logDataset(board, kb);
switch (mode) {
  case 'finish':
    await board.finish();
    break;
  case 'exit0':
    process.exit(0);
    break;
  case 'exit1':
    process.exit(1);
    break;
  case 'throw':
    throw new Error('deliberate failure');
  case 'rejection':
    Promise.reject(new Error('deliberate rejection'));
    break;
  case 'signal':
    // Written past the output capture, so that output.log is the same for every ending.
    writeSync(1, 'READY\n');
    setInterval(() => {}, 1000);
    break;
  default:
    break;
}
