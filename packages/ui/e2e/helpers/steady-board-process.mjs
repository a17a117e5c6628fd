// A training loop stand-in for the live browser tests: a real `Board` (the package's logging client)
// that logs `train/loss` and `train/acc` every 50 ms until told to stop. Commands on stdin, one a line:
//   top     also log a metric without a namespace (`epoch`) from now on
//   finish  finish the run and exit
// Usage: node steady-board-process.mjs <client module> <base dir> <project> <run id>
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const [clientModule, baseDir, project, runId] = process.argv.slice(2);
const { Board } = await import(pathToFileURL(clientModule).href);
const board = new Board({ project, runId, baseDir, name: 'steady run', config: { lr: 0.01 } });

let topLevel = false;
let step = 0;
const timer = setInterval(() => {
  board.step();
  step++;
  const values = { 'train/loss': 1 / (1 + step / 20), 'train/acc': 1 - 1 / (1 + step / 40) };
  if (topLevel) values.epoch = Math.floor(step / 20);
  board.log(values);
}, 50);

createInterface({ input: process.stdin }).on('line', async (line) => {
  const command = line.trim();
  if (command === 'top') topLevel = true;
  if (command === 'finish') {
    clearInterval(timer);
    await board.finish();
    process.exit(0);
  }
});
process.stdout.write('started\n');
