// new Board() with a base directory where no folder can be made: it must throw one clear error at once.
// argv: baseDir. Prints THREW <name> <code> <message>, or CREATED.
import { writeSync } from 'node:fs';
import { Board } from '../../dist/index.js';

try {
  new Board({ baseDir: process.argv[2], project: 'p', captureOutput: false });
  writeSync(1, 'CREATED\n');
} catch (err) {
  writeSync(1, `THREW ${err.name} ${err.code} ${err.message}\n`);
}
