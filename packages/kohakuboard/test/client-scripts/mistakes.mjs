// Logging mistakes a training loop can make: data the types cannot store (a ragged or empty table, bytes of no
// known format, a histogram of text), names the viewer could never show, a name of a megabyte or with a NUL,
// values converted on the way (-0, booleans, bigints) and histograms with nothing to bin. None may throw; each
// is said once per name. Options that are wrong in themselves still throw at construction.
// argv: baseDir. Prints THROWS/NOTHROW lines for the wrong options and THREW <json> (what threw in the loop).
import { writeSync } from 'node:fs';
import { Board, Histogram, Media, Table } from '../../dist/index.js';

const board = new Board({ baseDir: process.argv[2], project: 'mistakes', captureOutput: false });
const say = (line) => writeSync(1, `${line}\n`);
const threw = [];
const attempt = (label, fn) => {
  try {
    return fn();
  } catch (err) {
    threw.push(`${label}: ${err.message}`);
  }
};
const longName = 'n'.repeat(1 << 20);
const pixels = { data: new Uint8Array(4), width: 2, height: 2 };

for (let round = 0; round < 3; round++) {
  const ragged = attempt('ragged', () => new Table([[1, 2], [3]]));
  const empty = attempt('empty', () => new Table([]));
  const garbage = attempt('garbage', () => new Media(Uint8Array.from([1, 2, 3, 4])));
  const abc = attempt('abc', () => new Histogram('abc'));
  attempt('log', () => board.log({ ragged, empty, garbage, abc, ok: round }));
  attempt('log', () => board.logTable('raggedTable', [[1, 2], [3]]));
  attempt('names', () =>
    board.log({ 'a//b': 1, 'a/': 2, 'a/./b': 3, 'tab\tname': 4, [longName]: 5, 'nul\0x': 6, fine: round }),
  );
  attempt('media name', () => board.log({ 'img//x': new Media(pixels) }));
  attempt('negzero', () => board.log({ negzero: -0 })); // a known name with -0 takes the fast path first
  attempt('conversions', () => board.log({ flag: true, count: 7n }));
  attempt('empty histograms', () =>
    board.log({ 'h/empty': new Histogram([]), 'h/nan': new Histogram([Number.NaN, Number.NaN]) }),
  );
}

const wrongOptions = {
  numBins: () => new Histogram([1], { numBins: 0 }),
  mediaType: () => new Media(pixels, { mediaType: 'film' }),
  columnTypes: () => new Table([[1]], { columnTypes: ['image'] }),
};
for (const [label, fn] of Object.entries(wrongOptions)) {
  try {
    fn();
    say(`NOTHROW ${label}`);
  } catch (err) {
    say(`THROWS ${label}: ${err.message}`);
  }
}
await board.finish();
say(`THREW ${JSON.stringify(threw)}`);
