// A small finished run written by the real client (dist/): loss at steps 0 and 1, an image at step 2, and
// "hello" on stdout, captured into logs/output.log. Usage: node client-small.mjs BASE_DIR PROJECT RUN_ID IMAGE
import { Board, Media } from '../../dist/index.js';

const [baseDir, project, runId, image] = process.argv.slice(2);
const board = new Board({ baseDir, project, runId, handleSignals: false, systemMetrics: false });
board.log({ loss: 1 });
board.log({ loss: 2 });
board.log({ img: new Media(image) });
process.stdout.write('hello\n');
await board.finish();
