// The writer cannot create data/metadata.db (the run folder's path is longer than SQLite accepts): Board.create
// and finish() reject with that start error, logged data is dropped and counted, the run ends "crashed".
import { writeSync } from 'node:fs';
import { Board } from '../../dist/index.js';

const baseDir = process.argv[2];
const say = (line) => writeSync(1, `${line}\n`);
const describe = (err) => `${err.name} ${err.code} ${err.message}`;

try {
  await Board.create({ baseDir, project: 'nostart', annotation: 'create', captureOutput: false });
  say('CREATE-RESOLVED');
} catch (err) {
  say(`CREATE-REJECTED ${describe(err)}`);
}

const board = new Board({ baseDir, project: 'nostart', annotation: 'board', captureOutput: false });
for (let i = 0; i < 5; i++) board.log({ v: i });
try {
  await board.flush();
  say('FLUSH-RESOLVED');
} catch (err) {
  say(`FLUSH-REJECTED ${err.message}`);
}
for (let i = 5; i < 15; i++) board.log({ v: i });
try {
  await board.finish();
  say('FINISH-RESOLVED');
} catch (err) {
  say(`FINISH-REJECTED ${describe(err)}`);
}
