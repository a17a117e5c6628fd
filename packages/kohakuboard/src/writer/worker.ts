/**
 * Entry point of the writer thread (compiled to dist/writer/worker.js). It runs the writer's loop until the
 * run is finished. When the writer cannot start (creating data/metadata.db or the logs fails) or an exception
 * escapes its loop, it marks itself crashed in the shared state, reports the error and exits
 * (docs/client.md#what-the-constructor-does, docs/client.md#writer-failures).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromWriter, WriterErrorInfo, WriterInit } from './messages.js';
import { Ctl, WriterState } from './shared-state.js';
import { Writer, WriterStopped } from './writer.js';

const init = workerData as WriterInit;
const ctl = new Int32Array(init.control);
const report = (message: FromWriter) => parentPort?.postMessage(message);

if (init.diskFullWhileFileExists !== undefined) {
  const { failTransactionsWhileFileExists } = await import('./fault-injection.js');
  failTransactionsWhileFileExists(init.diskFullWhileFileExists);
}

let writer: Writer | null = null;
let phase: 'start' | 'run' = 'start';
try {
  writer = new Writer(init, report);
  writer.start();
  phase = 'run';
  await writer.run();
} catch (err) {
  writer?.failed(err, phase);
  // A writer the board stopped is already given up: nothing more to report.
  if (!(err instanceof WriterStopped)) report({ t: 'failed', phase, error: errorInfo(err) });
  // The report goes out before the state changes: a board that sees CRASHED and then waits for this thread
  // to exit has the error by then.
  Atomics.store(ctl, Ctl.STATE, WriterState.CRASHED);
  Atomics.notify(ctl, Ctl.STATE);
  Atomics.notify(ctl, Ctl.DURABLE);
  Atomics.notify(ctl, Ctl.TAKEN);
}
init.port.close();

function errorInfo(err: unknown): WriterErrorInfo {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const code = (err as { code?: unknown }).code;
  return {
    name: err.name,
    message: err.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(err.stack ? { stack: err.stack } : {}),
  };
}
