// Every kind of bad input a training script might pass: log() and the log* methods must never throw, must
// skip only the bad entries (once-per-key warnings) and keep the rest.
import { writeSync } from 'node:fs';
import * as kb from '../../dist/index.js';

const { Board, Histogram, Media } = kb;
const board = new Board({ baseDir: process.argv[2], project: 'bad', captureOutput: false });
const steps = [];
const call = (fn) => {
  try {
    steps.push(fn());
  } catch (err) {
    writeSync(1, `THREW ${err?.message}\n`);
  }
};
const throwing = {
  get boom() {
    throw new Error('getter exploded');
  },
  fine: 1,
};
for (let round = 0; round < 3; round++) {
  call(() => board.log({ good: round, text: 'nope', sym: Symbol('s'), fn: () => 1, obj: {}, pair: [1, 2] }));
  call(() => board.log(throwing));
  call(() => board.log(null));
  call(() => board.log(42));
  call(() => board.log({ '/abs': 1, 'back\\slash': 2, 'nul\0': 3, [`${'x'.repeat(300)}`]: 4 }));
  call(() => board.log({ big: 2n ** 70n, wrapped: { item: () => 5 }, tensorish: { dataSync: () => [6] } }));
  call(() => board.log({ badimg: new Media('/definitely/missing.png') }));
  call(() => board.logImages('imgs', [{ data: new Uint8Array(3), width: 5, height: 5 }]));
  call(() => board.logImages('imgs2', 'no-such-file.png'));
  call(() => board.logHistogram('hist', 'not numbers'));
  call(() => board.logHistogram('hist2', [1, 2, 3], { precision: 'fancy' }));
  call(() => board.logTensor('tens', [[1, 2], [3]]));
  call(() => board.logKernelDensity('kde', { values: [1, 2], grid: [1], density: [1] }));
  call(() => board.logTable('tab', []));
  call(() => board.logVideo('vid', new Uint8Array([1, 2, 3])));
  call(() => board.logAudio('aud', 12));
  call(() => board.log({ h: new Histogram([Number.NaN, Number.POSITIVE_INFINITY]) })); // nothing finite: no row
  call(() => board.step(1.5));
}
board.log({ last: 1 });
await board.finish();
call(() => board.log({ afterFinish: 1 }));
writeSync(1, `STEPS ${JSON.stringify(steps)}\n`);
