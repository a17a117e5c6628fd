/**
 * The worker-thread side of a streamed export (export-stream.ts): runs the export module on the request it
 * was started with and hands each chunk of output to the main thread, one at a time, waiting for the main
 * thread to take it before writing on (so a slow client slows the export instead of filling memory).
 */
import { Writable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { type ExportRequest, type ExportRun, exportToStream } from '../../export/index.js';
import { errorText } from '../../util/error-text.js';
import type { ExportWorkerMessage } from './export-stream.js';
import { lowerThreadPriority } from './thread-priority.js';

lowerThreadPriority();

const port = parentPort;
if (!port) throw new Error('export-worker.js runs as a worker thread');
const { request, runs } = workerData as { request: ExportRequest; runs: ExportRun[] };

let waiting: (() => void) | null = null;
port.on('message', (m: 'ack') => {
  if (m === 'ack' && waiting) {
    const done = waiting;
    waiting = null;
    done();
  }
});

const post = (m: ExportWorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

const out = new Writable({
  highWaterMark: 256 * 1024,
  write(chunk: Buffer, _enc, done) {
    // A copy of its own: a Buffer may be a view of a shared pool, which must not be transferred.
    const bytes = new Uint8Array(chunk);
    waiting = () => done();
    post({ type: 'chunk', bytes }, [bytes.buffer]);
  },
});

exportToStream(request, out, {}, { runs }).then(
  () => post({ type: 'done' }),
  (err: unknown) => post({ type: 'error', message: errorText(err) }),
);
