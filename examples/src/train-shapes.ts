/**
 * Trains a small MLP to tell four shapes apart and logs the run the way a real training script would: loss,
 * accuracy and learning rate every step; weight and gradient histograms; validation metrics, sample images and
 * a predictions table every epoch; a confidence density; the confusion matrix and the first layer's weights as
 * tensors at the end. Runs go to ./kohakuboard of the folder `npm start` was typed in (or --base-dir); the
 * script ends by printing the `npx kobo open …` command that shows them from there.
 */
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { Board, Histogram, KernelDensity, Media, Table } from 'kohakuboard';
import { Mlp } from './mlp.js';
import { CLASSES, type Dataset, IMAGE_SIZE, makeDataset, PIXELS } from './shapes-dataset.js';

// Hyperparameters from the command line, e.g. `node dist/train-shapes.js --hidden 64 --lr 0.1 --seed 3`.
// Without --seed every run draws its own, so that runs started one after another can be compared.
const { values: args } = parseArgs({
  options: {
    hidden: { type: 'string', default: '96' },
    lr: { type: 'string', default: '0.05' },
    epochs: { type: 'string', default: '12' },
    seed: { type: 'string' },
    'base-dir': { type: 'string' },
  },
});

// Runs go to ./kohakuboard of the folder the user started from: npm runs scripts inside examples/, and sets
// INIT_CWD to where `npm start` was typed, so the printed `kobo open` command works from there.
const startedIn = process.env.INIT_CWD ?? process.cwd();
const baseDir = args['base-dir'] ?? process.env.KOHAKU_BOARD_DATA_DIR ?? join(startedIn, 'kohakuboard');

const config = {
  model: 'mlp',
  hidden: Number(args.hidden),
  batchSize: 32,
  epochs: Number(args.epochs),
  peakLr: Number(args.lr),
  warmupSteps: 50,
  trainImages: 2400,
  valImages: 480,
  seed: args.seed === undefined ? Math.floor(Math.random() * 1_000_000) : Number(args.seed),
};

const train = makeDataset(config.trainImages, config.seed);
const val = makeDataset(config.valImages, config.seed + 1000);
const model = new Mlp(PIXELS, config.hidden, CLASSES.length, config.seed);
const stepsPerEpoch = Math.floor(train.n / config.batchSize);
const totalSteps = stepsPerEpoch * config.epochs;

const board = new Board({ project: 'shapes', annotation: `mlp-${config.hidden}`, config, baseDir });
console.log(`Logging to ${board.boardDir}`);

/** Warm-up, then cosine decay. */
function learningRate(step: number): number {
  if (step < config.warmupSteps) return (config.peakLr * (step + 1)) / config.warmupSteps;
  const t = (step - config.warmupSteps) / Math.max(1, totalSteps - config.warmupSteps);
  return config.peakLr * 0.5 * (1 + Math.cos(Math.PI * t));
}

function batchOf(data: Dataset, order: Uint32Array, start: number, size: number) {
  const x = new Float32Array(size * PIXELS);
  const y = new Uint8Array(size);
  for (let k = 0; k < size; k++) {
    const i = order[start + k];
    x.set(data.x.subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS);
    y[k] = data.y[i];
  }
  return { x, y };
}

function shuffled(n: number, epoch: number): Uint32Array {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  let s = epoch * 7919 + 1;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * One image, enlarged 3× (nearest neighbour) so that it is easy to see, as a pixel array the board turns into
 * a PNG (float values in [0, 1] are scaled to 0..255).
 */
function image(data: Dataset, i: number) {
  const scale = 3;
  const side = IMAGE_SIZE * scale;
  const out = new Float32Array(side * side);
  for (let py = 0; py < side; py++) {
    for (let px = 0; px < side; px++) {
      out[py * side + px] = data.x[i * PIXELS + Math.floor(py / scale) * IMAGE_SIZE + Math.floor(px / scale)];
    }
  }
  return { data: out, width: side, height: side };
}

function progressBar(epoch: number, done: number, total: number, loss: number): string {
  const width = 24;
  const filled = Math.round((done / total) * width);
  return `\repoch ${String(epoch + 1).padStart(2)}/${config.epochs} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} loss ${loss.toFixed(4)}`;
}

function evaluate(epoch: number): void {
  const all = Uint32Array.from({ length: val.n }, (_, i) => i);
  const { x, y } = batchOf(val, all, 0, val.n);
  const { loss, correct } = model.forward(x, y, val.n);
  const C = CLASSES.length;
  const confidence = new Float32Array(val.n);
  const predicted = new Uint8Array(val.n);
  const confusion = new Int32Array(C * C);
  for (let n = 0; n < val.n; n++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (model.probs[n * C + c] > model.probs[n * C + best]) best = c;
    predicted[n] = best;
    confidence[n] = model.probs[n * C + best];
    confusion[y[n] * C + best]++;
  }

  // Validation scalars, the confidence distribution and a table of predictions with their images: one call,
  // one step.
  const rows = Array.from({ length: 12 }, (_, i) => ({
    image: new Media(image(val, i)),
    label: CLASSES[val.y[i]],
    prediction: CLASSES[predicted[i]],
    confidence: Number(confidence[i].toFixed(4)),
    correct: predicted[i] === val.y[i],
  }));
  board.log({
    'val/loss': loss,
    'val/acc': correct / val.n,
    'val/confidence': new KernelDensity({ values: confidence }, { numPoints: 128 }),
    'val/predictions': new Table(rows),
  });
  board.logImages(
    'val/samples',
    Array.from({ length: 8 }, (_, i) => image(val, i)),
    `epoch ${epoch + 1}: ${Array.from({ length: 8 }, (_, i) => CLASSES[predicted[i]]).join(', ')}`,
  );
  console.log(
    `epoch ${epoch + 1}: val loss ${loss.toFixed(4)}, val accuracy ${((100 * correct) / val.n).toFixed(1)}%`,
  );
  if (epoch === config.epochs - 1) {
    board.logTensor('eval/confusion', confusion, {
      shape: [C, C],
      metadata: { rows: 'true class', columns: CLASSES },
    });
  }
}

const started = Date.now();
for (let epoch = 0; epoch < config.epochs; epoch++) {
  const order = shuffled(train.n, epoch);
  for (let s = 0; s < stepsPerEpoch; s++) {
    const stepIndex = epoch * stepsPerEpoch + s;
    const lr = learningRate(stepIndex);
    const { x, y } = batchOf(train, order, s * config.batchSize, config.batchSize);
    const { loss, correct } = model.forward(x, y, config.batchSize);
    model.backward(x, y, config.batchSize);
    model.step(lr);

    board.step(); // one optimizer update
    board.log({ 'train/loss': loss, 'train/acc': correct / config.batchSize, 'train/lr': lr });
    if (stepIndex % 25 === 0) {
      board.log({
        'weights/fc1': new Histogram(model.fc1.w),
        'weights/fc2': new Histogram(model.fc2.w),
        'grads/fc1': new Histogram(model.fc1.gw),
        'grads/fc2': new Histogram(model.fc2.gw),
      });
    }
    if (s % 10 === 0 || s === stepsPerEpoch - 1)
      process.stderr.write(progressBar(epoch, s + 1, stepsPerEpoch, loss));
    // A synchronous loop should yield now and then, so that Ctrl+C finishes the run cleanly.
    if (s % 50 === 0) await board.yield();
  }
  process.stderr.write('\n');
  evaluate(epoch);
}

board.logTensor('params/fc1/weight', model.fc1.w, { shape: [PIXELS, config.hidden] });
await board.finish();
console.log(`Trained ${totalSteps} steps in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
console.log(`Run saved in ${board.boardDir}`);
const shown = relative(startedIn, baseDir) || '.';
console.log(
  `See it with: npx kobo open ${shown.startsWith('..') || shown.startsWith('/') ? shown : `./${shown}`}`,
);
