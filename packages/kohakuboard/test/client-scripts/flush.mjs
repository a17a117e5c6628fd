// flushSync() and flush() guarantee that everything logged before them is on disk: this process reads its
// own run back after each and prints the row counts.
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { Board } from '../../dist/index.js';
import { metricRowCount, openReadOnly } from '../../dist/storage/index.js';

const board = await Board.create({ baseDir: process.argv[2], project: 'flush', captureOutput: false });
const count = () => {
  const file = join(board.boardDir, 'data', 'metrics', 'v.db');
  const h = openReadOnly(file);
  try {
    return metricRowCount(h.db, file);
  } finally {
    h.close();
  }
};
for (let i = 0; i < 1000; i++) board.log({ v: i });
board.flushSync();
writeSync(1, `AFTER-FLUSHSYNC ${count()}\n`);
for (let i = 1000; i < 2500; i++) board.log({ v: i });
await board.flush();
writeSync(1, `AFTER-FLUSH ${count()}\n`);
await board.finish();
await board.flush(); // resolves at once after finish()
writeSync(1, 'DONE\n');
