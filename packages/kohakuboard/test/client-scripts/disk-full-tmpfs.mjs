// A real full disk: the run folder is on a small tmpfs that the test mounted, mostly taken by a ballast file.
// The loop logs scalars and images until flush() rejects (the writer is dropping data); then, for "recover",
// it deletes the ballast (space comes back) and logs on; for "full", it finishes while the disk is still full.
// argv: baseDir (on the tmpfs), ballast file, ending. Prints one line per step of the story.
import { randomFillSync } from 'node:crypto';
import { readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Board } from '../../dist/index.js';

const [baseDir, ballast, ending] = process.argv.slice(2);
const board = new Board({
  baseDir,
  systemMetrics: false,
  project: 'tmpfs',
  annotation: ending,
  captureOutput: false,
  flushIntervalMs: 100,
});
const say = (line) => writeSync(1, `${line}\n`);
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const image = () => ({ data: randomFillSync(new Uint8Array(64 * 64 * 3)), width: 64, height: 64 });
const flush = async (label) => {
  try {
    await board.flush();
    say(`${label}-RESOLVED`);
    return true;
  } catch (err) {
    say(`${label}-REJECTED ${err.message}`);
    return false;
  }
};
let i = 0;
const logSome = (n, images) => {
  for (let k = 0; k < n; k++, i++) {
    board.log({ loss: i, acc: -i });
    if (images && i % 5 === 0) board.logImages('samples', image());
  }
};

logSome(1000, false);
await flush('BEFORE');
const deadline = Date.now() + 90_000;
while (Date.now() < deadline) {
  logSome(200, true);
  if (!(await flush('FILL'))) break;
}
say('FULL');
if (ending === 'recover') {
  rmSync(ballast);
  const log = () => readFileSync(join(board.boardDir, 'logs', 'board.log'), 'utf8');
  while (!log().includes('Writing works again') && Date.now() < deadline) {
    logSome(10, false);
    await pause(20);
  }
  say('RECOVERY-SEEN');
  await flush('SETTLE');
  i = 10_000_000; // above every value logged before
  logSome(100, false);
  await flush('AFTER');
}
try {
  await board.finish();
  say('FINISH-RESOLVED');
} catch (err) {
  say(`FINISH-REJECTED ${err.message}`);
}
