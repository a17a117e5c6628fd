// Logs enough that finishing takes a while, then waits for signals.
import { writeSync } from 'node:fs';
import { Board } from '../../dist/index.js';

const board = new Board({ baseDir: process.argv[2], project: 'second', captureOutput: false });
for (let i = 0; i < 100_000; i++) board.log({ v: i });
// An exact KDE of 400,000 samples on 512 points keeps the writer busy for a good while.
const samples = new Float64Array(400_000);
for (let i = 0; i < samples.length; i++) samples[i] = Math.sin(i);
board.logKernelDensity('slow', { values: samples }, { numPoints: 512 });
writeSync(1, 'READY\n');
setInterval(() => {}, 1000);
