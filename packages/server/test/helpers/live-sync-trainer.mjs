// A training script with live sync on, driven by its parent over IPC: `{ to: N }` logs steps up to N
// (in chunks, reporting `{ at }` after each), `{ finish: true }` finishes the board and exits.
// Every step logs three scalars; every 500 steps a histogram, every 2,500 an image.
// argv: baseDir runId remoteUrl
import { Board, Histogram, Media } from 'kohakuboard';

const [baseDir, runId, remoteUrl] = process.argv.slice(2);
const CHUNK = 250;

const board = new Board({
  baseDir,
  project: 'faults',
  runId,
  config: { lr: 3e-4, schedule: 'halve every 10,000 steps' },
  captureOutput: false,
  handleSignals: false,
  syncEnabled: true,
  remoteUrl,
  remoteToken: 'unused-without-auth',
  syncInterval: 0.2,
});

let step = 0;
let queue = Promise.resolve();

function logStep(s) {
  const values = {
    'train/loss': Math.exp(-s / 10_000) + ((s * 7919) % 101) / 1000,
    'train/acc': s % 9973 === 17 ? Number.NaN : s / 50_000,
    lr: 3e-4 * 0.5 ** Math.floor(s / 10_000),
  };
  if (s % 500 === 0) {
    const samples = Float64Array.from({ length: 256 }, (_, i) => Math.sin(i * 0.37 + s / 1000));
    values['params/w'] = new Histogram(samples, { numBins: 32 });
  }
  if (s % 2500 === 0) {
    const pixels = Uint8Array.from({ length: 8 * 8 * 3 }, (_, i) => (i * 13 + s) % 256);
    values.samples = new Media({ data: pixels, width: 8, height: 8, channels: 3 }, { caption: `step ${s}` });
  }
  board.log(values);
}

async function logTo(target) {
  while (step < target) {
    const end = Math.min(target, step + CHUNK);
    for (; step < end; step++) logStep(step);
    // Lets the writer and the sync thread's messages through between chunks.
    await new Promise((r) => setTimeout(r, 2));
    process.send({ at: step });
  }
}

process.on('message', (m) => {
  queue = queue.then(async () => {
    if (typeof m.to === 'number') await logTo(m.to);
    if (m.finish) {
      await board.finish();
      process.send({ finished: true }, () => process.disconnect());
    }
  });
});
process.send({ ready: board.boardDir });
