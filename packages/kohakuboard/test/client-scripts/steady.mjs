// Logs at a steady rate until it is killed; reports its progress (value and log time) on stdout.
import { writeSync } from 'node:fs';
import { Board } from '../../dist/index.js';

const board = new Board({ baseDir: process.argv[2], project: 'kill', captureOutput: false });
let i = 0;
setInterval(() => {
  for (let k = 0; k < 5; k++) board.log({ v: i++ });
  if (i % 500 === 0) writeSync(1, `LOGGED ${i} ${Date.now()}\n`);
}, 1);
