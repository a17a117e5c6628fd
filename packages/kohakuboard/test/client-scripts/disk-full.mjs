// A full disk in the middle of a run, injected below the writer's SQLite calls (internal hook): while
// `flagFile` exists every transaction fails with SQLITE_FULL. The loop must go on; flush() must reject while
// data is dropped; the writer must resume once the flag is gone; finish() must settle with the run crashed.
//
// argv: baseDir, flagFile, ending: "finish" (space comes back, then finish()) or "full" (finish() while the
// disk is still full). Prints one line per step of the story; every stored value of a and b is its log index.
import { existsSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Board } from '../../dist/index.js';
import { withHooks } from './internal-hooks.mjs';

const [baseDir, flagFile, ending] = process.argv.slice(2);
const board = new Board(
  withHooks(
    {
      baseDir,
      project: 'diskfull',
      annotation: ending,
      captureOutput: false,
      flushIntervalMs: 100,
      systemMetrics: false,
    },
    { diskFullWhileFileExists: flagFile },
  ),
);
const say = (line) => writeSync(1, `${line}\n`);
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const boardLog = () => readFileSync(join(board.boardDir, 'logs', 'board.log'), 'utf8');
let i = 0;
let calls = 0;
let callsWithC = 0;
const logSome = (n, withC = false) => {
  for (let k = 0; k < n; k++, i++, calls++) {
    if (withC) callsWithC++;
    board.log(withC ? { a: i, b: -i, c: 1 } : { a: i, b: -i });
  }
};
const flush = async (label) => {
  try {
    await board.flush();
    say(`${label}-RESOLVED`);
  } catch (err) {
    say(`${label}-REJECTED ${err.message}`);
  }
};

logSome(1000);
await flush('BEFORE');
writeFileSync(flagFile, ''); // the disk is full from now on
// A synchronous stretch of logging: the board must hear of the failure from the shared state alone.
// `c` is first logged while the disk is full: its file cannot be created.
const until = Date.now() + 500;
while (Date.now() < until) logSome(10, true);
while (!boardLog().includes("Cannot write the run's files")) {
  logSome(10, true);
  await pause(10);
}
say('TROUBLE-SEEN');
logSome(100);
await flush('DURING');
if (ending === 'full') {
  logSome(100);
  try {
    await board.finish();
    say('FINISH-RESOLVED');
  } catch (err) {
    say(`FINISH-REJECTED ${err.message}`);
  }
} else {
  rmSync(flagFile); // space comes back
  while (!boardLog().includes('Writing works again')) {
    logSome(10);
    await pause(20);
  }
  say('RECOVERY-SEEN');
  await flush('SETTLE'); // may still report what was dropped before the recovery
  i = 10_000_000; // above every value logged before
  logSome(100);
  await flush('AFTER');
  try {
    await board.finish();
    say('FINISH-RESOLVED');
  } catch (err) {
    say(`FINISH-REJECTED ${err.message}`);
  }
}
say(`CALLS ${calls} ${callsWithC}`);
say(`FLAG ${existsSync(flagFile)}`);
