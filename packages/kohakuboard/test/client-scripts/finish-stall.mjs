// finish() while the writer makes no progress (another process holds the write lock of data/metrics/v.db,
// so the final commit waits in SQLite's busy handler). With the no-progress limit shortened to 1 s (test
// hook), finish() must stop the writer, record the run as crashed and reject with the count of messages lost.
//
// argv: baseDir, lockedFile (appears when the parent holds the lock). Prints READY once v.db exists.
import { existsSync, writeSync } from 'node:fs';
import { Board } from '../../dist/index.js';
import { withHooks } from './internal-hooks.mjs';

const [baseDir, lockedFile] = process.argv.slice(2);
const board = new Board(
  withHooks({ baseDir, project: 'finishstall', captureOutput: false }, { stallTimeoutMs: 1000 }),
);
const say = (line) => writeSync(1, `${line}\n`);

for (let i = 0; i < 100; i++) board.log({ v: i });
await board.flush();
say('READY');
while (!existsSync(lockedFile)) await new Promise((resolve) => setTimeout(resolve, 20));
for (let i = 100; i < 110; i++) board.log({ v: i });
try {
  await board.finish();
  say('FINISH-RESOLVED');
} catch (err) {
  say(`FINISH-REJECTED ${err.message}`);
}
