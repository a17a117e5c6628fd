/**
 * The worker-thread side of the task pool: one reader context (handles and decoded-series cache) per thread.
 */
import { workerData } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { createReaderContext, runTask, type TaskOutput, type TaskRequest } from './tasks.js';
import { lowerThreadPriority } from './thread-priority.js';

// Requests are answered on the main thread's event loop: it gets a busy CPU first (thread-priority.ts).
lowerThreadPriority();

const options = (workerData ?? {}) as { cacheBytes?: number; maxHandles?: number; dataDir?: string | null };
const context = createReaderContext({
  cacheBytes: options.cacheBytes ?? 128 * 1024 * 1024,
  maxHandles: options.maxHandles ?? 64,
  dataDir: options.dataDir ?? null,
});
setInterval(() => context.handles.closeIdle(), 15_000).unref();

const LARGE = 65536;

/**
 * Large bodies are transferred to the main thread, not copied: a large JSON text is encoded to UTF-8 here,
 * so the main thread neither copies nor encodes it.
 */
function transferable(out: TaskOutput): unknown {
  if (out instanceof Uint8Array && out.byteLength > LARGE) return Piscina.move(out);
  if (typeof out === 'string' && out.length > LARGE) return Piscina.move(Buffer.from(out, 'utf8'));
  const r = out as { body?: unknown };
  if (r && typeof r === 'object' && typeof r.body === 'string' && r.body.length > LARGE) {
    r.body = Buffer.from(r.body, 'utf8');
  }
  if (r && typeof r === 'object' && r.body instanceof Uint8Array && r.body.byteLength > LARGE) {
    const buffer = r.body.buffer;
    return Piscina.move({
      get [Piscina.transferableSymbol]() {
        return [buffer];
      },
      get [Piscina.valueSymbol]() {
        return r;
      },
    } as never);
  }
  return out;
}

export default function handle(input: TaskRequest): unknown {
  if ((input as { readyProbe?: boolean }).readyProbe === true) return null;
  return transferable(runTask(context, input));
}
