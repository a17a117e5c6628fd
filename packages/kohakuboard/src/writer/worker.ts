/**
 * Entry point of the writer thread (compiled to dist/writer/worker.js). It runs the writer's loop until the
 * run is finished; an exception that escapes the loop marks the writer crashed in the shared state (§9.4).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromWriter, WriterInit } from './messages.js';
import { Ctl, WriterState } from './shared-state.js';
import { Writer } from './writer.js';

const init = workerData as WriterInit;
const ctl = new Int32Array(init.control);
const report = (message: FromWriter) => parentPort?.postMessage(message);

let writer: Writer | null = null;
try {
  writer = new Writer(init, report);
  writer.start();
  await writer.run();
} catch (err) {
  writer?.crashed(err);
  Atomics.store(ctl, Ctl.STATE, WriterState.CRASHED);
  Atomics.notify(ctl, Ctl.STATE);
  Atomics.notify(ctl, Ctl.DURABLE);
  Atomics.notify(ctl, Ctl.TAKEN);
  report({ t: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
}
init.port.close();
