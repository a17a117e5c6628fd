/**
 * Where tasks run (API.md §0.9): a pool of worker threads, or this thread when there are none. The pool is
 * sharded: one single-thread piscina per shard, and a run's tasks always go to the same shard, so that its
 * open handles and decoded series are cached once.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { fnv1a32 } from '@kohakuboard/series';
import { Piscina } from 'piscina';
import type { ReaderContext } from '../../reader/scalar-source.js';
import { createReaderContext, runTask, type TaskOutput, type TaskRequest } from './tasks.js';

export interface Executor {
  readonly threads: number;
  run<T extends TaskOutput>(input: TaskRequest, affinity?: string): Promise<T>;
  close(): Promise<void>;
}

export interface ExecutorOptions {
  /** Worker threads; 0 runs tasks in this thread. Default: the CPU count. */
  threads?: number;
  cacheBytes: number;
  maxHandles: number;
  /** The compiled worker module; default: worker.js beside this module when it exists. */
  workerFile?: string | null;
}

/** Runs tasks in the calling thread (tests, and `--workers 0`). */
export class InlineExecutor implements Executor {
  readonly threads = 0;
  readonly context: ReaderContext;
  private readonly idleTimer: NodeJS.Timeout;

  constructor(options: ExecutorOptions) {
    this.context = createReaderContext({ cacheBytes: options.cacheBytes, maxHandles: options.maxHandles });
    this.idleTimer = setInterval(() => this.context.handles.closeIdle(), 15_000);
    this.idleTimer.unref();
  }

  async run<T extends TaskOutput>(input: TaskRequest): Promise<T> {
    await new Promise<void>((r) => setImmediate(r));
    return runTask(this.context, input) as T;
  }

  async close(): Promise<void> {
    clearInterval(this.idleTimer);
    this.context.handles.closeAll();
  }
}

export class PoolExecutor implements Executor {
  private readonly shards: Piscina[];
  private next = 0;

  constructor(threads: number, workerFile: string, options: ExecutorOptions) {
    this.shards = Array.from(
      { length: threads },
      () =>
        new Piscina({
          filename: workerFile,
          minThreads: 1,
          maxThreads: 1,
          idleTimeout: Number.POSITIVE_INFINITY,
          workerData: {
            cacheBytes: Math.floor(options.cacheBytes / threads),
            maxHandles: Math.max(8, Math.floor(options.maxHandles / threads)),
          },
        }),
    );
  }

  get threads(): number {
    return this.shards.length;
  }

  run<T extends TaskOutput>(input: TaskRequest, affinity?: string): Promise<T> {
    const shard =
      affinity === undefined ? this.next++ % this.shards.length : fnv1a32(affinity) % this.shards.length;
    return this.shards[shard].run(input) as Promise<T>;
  }

  async close(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.destroy()));
  }
}

/** The compiled worker module beside this file, or null when running from TypeScript sources. */
export function defaultWorkerFile(): string | null {
  const url = new URL('./worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.js')) return null;
  const path = fileURLToPath(url);
  return existsSync(path) ? path : null;
}

export function createExecutor(options: ExecutorOptions): Executor {
  const threads = options.threads ?? Math.max(1, availableParallelism());
  const file = options.workerFile === undefined ? defaultWorkerFile() : options.workerFile;
  if (threads <= 0 || file === null) return new InlineExecutor(options);
  return new PoolExecutor(threads, file, options);
}
