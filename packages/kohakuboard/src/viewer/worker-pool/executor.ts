/**
 * Where tasks run (docs/api.md#work-off-the-event-loop): a pool of worker threads, or this thread when there
 * are none. The pool is sharded: one single-thread piscina per shard, and a run's tasks always go to the same
 * shard, so that its open handles and decoded series are cached once.
 *
 * Each shard is a lane that runs one task at a time and keeps its waiting tasks itself, in a fair queue per
 * client (fair-queue.ts): a client that sends many heavy reads waits behind its own tasks, not others in front
 * of it. A task whose client has gone is dropped while it waits, and stops at its next checkpoint when it
 * already runs (cancellation.ts); its caller is answered at once with TaskCancelled.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { fnv1a32 } from '@kohakuboard/series';
import { Piscina } from 'piscina';
import type { ReaderContext } from '../../reader/scalar-source.js';
import { newCancelFlag, raiseCancelFlag, TaskCancelled, type TaskContext, taskTime } from './cancellation.js';
import { FairQueue } from './fair-queue.js';
import { createReaderContext, runTask, type TaskOutput, type TaskRequest } from './tasks.js';

export interface Executor {
  readonly threads: number;
  /**
   * Runs a task. `affinity` picks the shard (a run's folder); `context` names the client for fair queueing
   * and carries the signal that cancels the task when the client has gone.
   */
  run<T extends TaskOutput>(input: TaskRequest, affinity?: string, context?: TaskContext): Promise<T>;
  close(): Promise<void>;
}

export interface ExecutorOptions {
  /** Worker threads; 0 runs tasks in this thread. Default: the CPU count. */
  threads?: number;
  cacheBytes: number;
  maxHandles: number;
  /** The data directory every file read must resolve into (null: no check). */
  dataDir: string | null;
  /** The compiled worker module; default: worker.js beside this module when it exists. */
  workerFile?: string | null;
}

/** Tasks without a client (index probes, media reads) share one fairness key. */
const INTERNAL_CLIENT = 'internal';

interface Job {
  input: TaskRequest;
  client: string;
  signal?: AbortSignal;
  flag: Int32Array;
  resolve: (out: TaskOutput) => void;
  reject: (err: unknown) => void;
  settled: boolean;
  onAbort?: () => void;
}

/** One shard: runs one task at a time, in fair order between clients. */
class Lane {
  private readonly queue = new FairQueue<Job>();
  private running: Job | null = null;
  private closed = false;
  /** Tasks started so far (tests count them: dropped tasks never start). */
  started = 0;

  constructor(private readonly execute: (input: TaskRequest) => Promise<TaskOutput>) {}

  get waiting(): number {
    return this.queue.size;
  }

  submit(input: TaskRequest, context: TaskContext | undefined): Promise<TaskOutput> {
    return new Promise<TaskOutput>((resolve, reject) => {
      if (this.closed) return reject(new Error('The task pool is closed'));
      const signal = context?.signal;
      if (signal?.aborted) return reject(new TaskCancelled());
      const job: Job = {
        input,
        client: context?.client ?? INTERNAL_CLIENT,
        signal,
        flag: newCancelFlag(),
        resolve,
        reject,
        settled: false,
      };
      if (signal) {
        job.onAbort = () => this.cancel(job);
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.queue.push(job.client, job);
      this.pump();
    });
  }

  private settle(job: Job, fn: () => void): void {
    if (job.settled) return;
    job.settled = true;
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    fn();
  }

  private cancel(job: Job): void {
    // Waiting: dropped. Running: told to stop at its next checkpoint; the lane stays busy until it returns.
    this.queue.remove(job.client, job);
    raiseCancelFlag(job.flag);
    this.settle(job, () => job.reject(new TaskCancelled()));
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const next = this.queue.shift();
    if (!next) return;
    const job = next.item;
    this.running = job;
    this.started++;
    const started = performance.now();
    this.execute({ ...job.input, cancel: job.flag })
      .then(
        (out) => this.settle(job, () => job.resolve(out)),
        (err) => this.settle(job, () => job.reject(err)),
      )
      .finally(() => {
        this.queue.charge(job.client, taskTime(job.flag) ?? performance.now() - started);
        this.running = null;
        this.pump();
      });
  }

  close(): void {
    this.closed = true;
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      const job = next.item;
      this.settle(job, () => job.reject(new TaskCancelled()));
    }
  }
}

/** Runs tasks in the calling thread, one per turn of the event loop (tests, and `--workers 0`). */
export class InlineExecutor implements Executor {
  readonly threads = 0;
  readonly context: ReaderContext;
  private readonly idleTimer: NodeJS.Timeout;
  private readonly lane: Lane;

  constructor(options: ExecutorOptions) {
    this.context = createReaderContext({
      cacheBytes: options.cacheBytes,
      maxHandles: options.maxHandles,
      dataDir: options.dataDir,
    });
    this.idleTimer = setInterval(() => this.context.handles.closeIdle(), 15_000);
    this.idleTimer.unref();
    this.lane = new Lane(async (input) => {
      await new Promise<void>((r) => setImmediate(r));
      return runTask(this.context, input);
    });
  }

  /** Tasks waiting for their turn (tests). */
  get waiting(): number {
    return this.lane.waiting;
  }

  /** Tasks started so far (tests). */
  get started(): number {
    return this.lane.started;
  }

  run<T extends TaskOutput>(input: TaskRequest, _affinity?: string, context?: TaskContext): Promise<T> {
    return this.lane.submit(input, context) as Promise<T>;
  }

  async close(): Promise<void> {
    this.lane.close();
    clearInterval(this.idleTimer);
    this.context.handles.closeAll();
  }
}

/** The task a worker answers as soon as its module has loaded (worker.ts). */
export const READY_PROBE = { readyProbe: true } as const;

export class PoolExecutor implements Executor {
  private readonly shards: Piscina[];
  private readonly lanes: Lane[];
  private next = 0;
  /** Settles when every worker has loaded its module (or failed to). */
  private readonly loaded: Promise<unknown>;

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
            dataDir: options.dataDir,
          },
        }),
    );
    this.lanes = this.shards.map((pool) => new Lane((input) => pool.run(input) as Promise<TaskOutput>));
    this.loaded = Promise.allSettled(this.shards.map((pool) => pool.run(READY_PROBE)));
  }

  get threads(): number {
    return this.shards.length;
  }

  /** Tasks waiting for their turn, over all shards (tests, benchmarks). */
  get waiting(): number {
    return this.lanes.reduce((n, lane) => n + lane.waiting, 0);
  }

  /** Tasks started so far, over all shards (tests, benchmarks). */
  get started(): number {
    return this.lanes.reduce((n, lane) => n + lane.started, 0);
  }

  run<T extends TaskOutput>(input: TaskRequest, affinity?: string, context?: TaskContext): Promise<T> {
    const shard =
      affinity === undefined ? this.next++ % this.shards.length : fnv1a32(affinity) % this.shards.length;
    return this.lanes[shard].submit(input, context) as Promise<T>;
  }

  async close(): Promise<void> {
    for (const lane of this.lanes) lane.close();
    // A worker ended while it still loads its modules can abort the whole process (Node 20): a Ctrl+C in
    // the first moments of `kobo open` waits for them first, a few seconds at most.
    await Promise.race([this.loaded, new Promise((r) => setTimeout(r, 10_000).unref())]);
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
