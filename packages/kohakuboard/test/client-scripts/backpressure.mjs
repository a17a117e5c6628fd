// A tight loop against a tiny queue: log() must wait for the writer (backpressure) and lose nothing. Once the
// writer has caught up, the next log() call reports that the backpressure is over (before finish()).
import { readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Board } from '../../dist/index.js';

const board = new Board({
  baseDir: process.argv[2],
  project: 'pressure',
  captureOutput: false,
  queueCapacity: 100,
});
for (let i = 0; i < 20_000; i++) board.log({ v: i, w: -i });
await board.flush();
board.log({ v: 20_000, w: -20_000 });
const log = readFileSync(join(board.boardDir, 'logs', 'board.log'), 'utf8');
writeSync(1, `RELEASED-BEFORE-FINISH ${log.includes('Backpressure released after')}\n`);
await board.finish();
