/**
 * Where an export of the read API runs (docs/api.md#export-off-the-event-loop): in a worker thread of its
 * own when the viewer has worker threads, so that reading and encoding (a Parquet row group is encoded in
 * one go) never hold the event loop; otherwise (`--workers 0`, and when running from the TypeScript sources)
 * on this thread, handing on each chunk a turn of the event loop later. At most EXPORT_THREADS exports run
 * at a time; the others wait for their turn. A client that goes away stops its export.
 */
import { existsSync } from 'node:fs';
import { PassThrough, Transform, type TransformCallback, type Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type ExportRequest, type ExportRun, exportToStream } from '../../export/index.js';
import { errorText } from '../../util/error-text.js';

export type ExportWorkerMessage =
  | { type: 'chunk'; bytes: Uint8Array }
  | { type: 'done' }
  | { type: 'error'; message: string };

/** Exports running at once; more wait. */
export const EXPORT_THREADS = 2;

let running = 0;
const queue: Array<() => void> = [];

async function turn(): Promise<() => void> {
  if (running >= EXPORT_THREADS) await new Promise<void>((resolve) => queue.push(resolve));
  running++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    running--;
    queue.shift()?.();
  };
}

/** The compiled worker module beside this file, or null when running from TypeScript sources. */
export function exportWorkerFile(): string | null {
  if (!import.meta.url.endsWith('.js')) return null;
  const path = fileURLToPath(new URL('./export-worker.js', import.meta.url));
  return existsSync(path) ? path : null;
}

/** Passes chunks on one turn of the event loop later, so that an export on this thread yields between them. */
class YieldingPassThrough extends Transform {
  constructor() {
    super({ highWaterMark: 64 * 1024 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    setImmediate(() => done(null, chunk));
  }
}

function inThisThread(request: ExportRequest, runs: ExportRun[], out: Writable): Promise<void> {
  return exportToStream(request, out, {}, { runs }).then(() => undefined);
}

function inWorker(file: string, request: ExportRequest, runs: ExportRun[], out: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const worker = new Worker(file, { workerData: { request, runs } });
    let settled = false;
    const settle = (err: Error | null) => {
      if (settled) return;
      settled = true;
      out.off('close', onClose);
      void worker.terminate();
      if (err) reject(err);
      else resolve();
    };
    const onClose = () => settle(new Error('the client went away before the export ended'));
    out.on('close', onClose);
    worker.on('message', (m: ExportWorkerMessage) => {
      if (m.type === 'chunk') {
        const ack = () => worker.postMessage('ack');
        if (out.write(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength))) ack();
        else out.once('drain', ack);
      } else if (m.type === 'done') {
        out.off('close', onClose);
        out.end(() => settle(null));
      } else settle(new Error(m.message));
    });
    worker.on('error', (err) => settle(err));
    worker.on('exit', (code) => settle(new Error(`the export thread stopped (exit code ${code})`)));
  });
}

/**
 * Starts an export and returns the stream of its bytes at once. A failure after the first bytes can only
 * cut the body short: the stream is destroyed with the error, which `onError` also receives.
 */
export function streamExport(
  request: ExportRequest,
  runs: ExportRun[],
  options: { threads: boolean; onError: (err: Error) => void },
): PassThrough | YieldingPassThrough {
  const file = options.threads ? exportWorkerFile() : null;
  const body = file ? new PassThrough({ highWaterMark: 256 * 1024 }) : new YieldingPassThrough();
  void (async () => {
    const release = await turn();
    try {
      if (body.destroyed) return;
      await (file ? inWorker(file, request, runs, body) : inThisThread(request, runs, body));
    } catch (err) {
      if (!body.destroyed) {
        const e = err instanceof Error ? err : new Error(errorText(err));
        options.onError(e);
        body.destroy(e);
      }
    } finally {
      release();
    }
  })();
  return body;
}
