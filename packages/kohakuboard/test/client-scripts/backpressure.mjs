// A tight loop against a tiny queue: log() must wait for the writer (backpressure) and lose nothing.
import { Board } from '../../dist/index.js';

const board = new Board({
  baseDir: process.argv[2],
  project: 'pressure',
  captureOutput: false,
  queueCapacity: 100,
});
for (let i = 0; i < 20_000; i++) board.log({ v: i, w: -i });
await board.finish();
