// The writer's loop throws (test hook) while it takes message 1,500 of 2,000: the board must log an ERROR,
// reject flush(), drop and count what is logged afterwards, and the end must record the run as crashed.
// argv: baseDir, then how it goes on: "finish" (await board.finish()), "natural" (the script just ends: the
// exit hooks), or "sync" (flushSync() instead of flush(), so the board learns of the crash from the shared
// state alone, its event loop never turning, then finish()).
import { writeSync } from 'node:fs';
import { Board } from '../../dist/index.js';
import { withHooks } from './internal-hooks.mjs';

const [baseDir, ending] = process.argv.slice(2);
const board = new Board(
  withHooks(
    { baseDir, project: 'crash', annotation: ending, captureOutput: false },
    { writerCrashAfterMessages: 1500 },
  ),
);
const say = (line) => writeSync(1, `${line}\n`);

const flush = async () => (ending === 'sync' ? board.flushSync() : await board.flush());

for (let i = 0; i < 1000; i++) board.log({ v: i });
await flush();
say('FLUSHED 1000');
for (let i = 1000; i < 2000; i++) board.log({ v: i });
try {
  await flush();
  say('FLUSH-RESOLVED');
} catch (err) {
  say(`FLUSH-REJECTED ${err.message}`);
}
for (let i = 2000; i < 2100; i++) board.log({ v: i });
if (ending !== 'natural') {
  try {
    await board.finish();
    say('FINISH-RESOLVED');
  } catch (err) {
    say(`FINISH-REJECTED ${err.message}`);
  }
}
