// A writer that makes no progress (another process holds the write lock of data/metrics/v.db, so its commit
// waits in SQLite's busy handler) while log() is blocked on a full queue. With the no-progress limit
// shortened to 1 s (test hook), the board must enter drop mode, drop and count, and report the recovery.
//
// argv: baseDir, lockedFile (appears when the parent holds the lock). Prints READY once v.db exists, STALLED
// once board.log says the writer stalled (the parent then releases the lock), and TOTAL <n> at the end.
import { existsSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Board } from '../../dist/index.js';
import { withHooks } from './internal-hooks.mjs';

const [baseDir, lockedFile] = process.argv.slice(2);
const board = new Board(
  withHooks(
    {
      baseDir,
      project: 'stall',
      captureOutput: false,
      queueCapacity: 100,
      flushIntervalMs: 200,
    },
    { stallTimeoutMs: 1000 },
  ),
);
const say = (line) => writeSync(1, `${line}\n`);
const boardLog = () => readFileSync(join(board.boardDir, 'logs', 'board.log'), 'utf8');
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let i = 0;
while (i < 100) board.log({ v: i++ });
await board.flush();
say('READY');
while (!existsSync(lockedFile)) await pause(20);

// The writer takes messages until its next commit waits for the lock; then the queue fills and log() blocks.
while (!boardLog().includes('Writer made no progress')) {
  for (let k = 0; k < 50; k++) board.log({ v: i++ });
}
say('STALLED');
// Keep logging, slowly, until the writer moves again.
while (!boardLog().includes('Writer recovered')) {
  board.log({ v: i++ });
  await pause(5);
}
for (let k = 0; k < 100; k++) board.log({ v: i++ });
await board.finish();
say(`TOTAL ${i}`);
