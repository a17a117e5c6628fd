/**
 * The ingest threads of one process (docs/server.md#log-upload): `max(2, CPUs)` worker threads, so that
 * parsing and writing never block the event loop. Every task names the run it is about, and a run always goes
 * to the same thread, which keeps that run's files open between uploads. A task that has not started within
 * 30 s is refused (503 server_busy). Without the compiled worker (tests from sources) tasks run inline.
 * A parse of a body still arriving starts only on an idle thread, and is asked to give up as soon as
 * another task is queued behind it (body-stream.ts).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { askToYield } from './body-stream.js';
import { type IngestTask, IngestTasks } from './tasks.js';

export const SLOT_WAIT_MS = 30_000;

export class ServerBusyError extends Error {
  readonly code = 'server_busy';
  constructor() {
    super('no ingest thread was free within 30 s');
  }
}

export class IngestTaskError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

interface Pending {
  id: number;
  task: IngestTask;
  transfer: ArrayBuffer[];
  resolve(v: unknown): void;
  reject(e: unknown): void;
  timer: NodeJS.Timeout | null;
}

class IngestThread {
  private worker: Worker | null = null;
  private readonly queue: Pending[] = [];
  private running: Pending | null = null;

  constructor(private readonly file: string) {}

  submit(p: Pending): void {
    this.queue.push(p);
    const running = this.running?.task;
    if (running?.kind === 'parse' && running.control) askToYield(running.control);
    this.pump();
  }

  get idle(): boolean {
    return this.running === null && this.queue.length === 0;
  }

  private spawn(): Worker {
    const w = new Worker(this.file);
    w.unref();
    w.on(
      'message',
      (m: { id: number; ok: boolean; value?: unknown; error?: { message: string; code: string | null } }) => {
        const p = this.running;
        if (!p || p.id !== m.id) return;
        this.running = null;
        if (m.ok) p.resolve(m.value);
        else p.reject(new IngestTaskError(m.error?.message ?? 'ingest task failed', m.error?.code ?? null));
        this.pump();
      },
    );
    const fail = (err: Error) => {
      this.worker = null;
      const p = this.running;
      this.running = null;
      p?.reject(err);
      this.pump();
    };
    w.on('error', fail);
    w.on('exit', (code) => {
      if (this.worker === w) fail(new Error(`an ingest thread exited (${code})`));
    });
    return w;
  }

  private pump(): void {
    if (this.running) return;
    const p = this.queue.shift();
    if (!p) return;
    if (p.timer) clearTimeout(p.timer);
    this.running = p;
    this.worker ??= this.spawn();
    this.worker.postMessage({ id: p.id, task: p.task }, p.transfer);
  }

  /** Removes a task that has not started; false when it already runs. */
  cancel(p: Pending): boolean {
    const i = this.queue.indexOf(p);
    if (i < 0) return false;
    this.queue.splice(i, 1);
    return true;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}

/** Tasks run in this thread, one at a time per run key as in the pool. */
class InlineRunner {
  readonly tasks = new IngestTasks();
  private tail: Promise<unknown> = Promise.resolve();
  run(task: IngestTask): Promise<unknown> {
    const next = this.tail.then(() => this.tasks.run(task));
    this.tail = next.catch(() => undefined);
    return next;
  }
}

function hashKey(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Which of `threads` ingest threads takes the tasks of `runKey`. */
export function threadIndexOf(runKey: string, threads: number): number {
  return hashKey(runKey) % threads;
}

/** The compiled worker beside this module, or null when running from TypeScript sources. */
export function defaultIngestWorker(): string | null {
  if (!import.meta.url.endsWith('.js')) return null;
  const path = fileURLToPath(new URL('./worker.js', import.meta.url));
  return existsSync(path) ? path : null;
}

export interface PoolOptions {
  threads?: number;
  /** The worker module; null runs tasks inline. */
  workerFile?: string | null;
  slotWaitMs?: number;
}

export class IngestPool {
  private readonly threads: IngestThread[] = [];
  private readonly inline: InlineRunner | null;
  private nextId = 1;
  private readonly slotWaitMs: number;

  constructor(options: PoolOptions = {}) {
    const file = options.workerFile === undefined ? defaultIngestWorker() : options.workerFile;
    this.slotWaitMs = options.slotWaitMs ?? SLOT_WAIT_MS;
    this.inline = file === null ? new InlineRunner() : null;
    if (file !== null) {
      const n = options.threads ?? Math.max(2, availableParallelism());
      for (let i = 0; i < n; i++) this.threads.push(new IngestThread(file));
    }
  }

  get threadCount(): number {
    return this.threads.length;
  }

  /** Runs a task on the thread of `runKey`; rejects with ServerBusyError when it waited too long to start. */
  run<T>(runKey: string, task: IngestTask, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.inline) return this.inline.run(task) as Promise<T>;
    const thread = this.threadOf(runKey);
    return new Promise<T>((resolve, reject) => {
      const p: Pending = {
        id: this.nextId++,
        task,
        transfer,
        resolve: resolve as (v: unknown) => void,
        reject,
        timer: null,
      };
      if (task.kind !== 'discard' && task.kind !== 'drop') {
        p.timer = setTimeout(() => {
          if (thread.cancel(p)) {
            reject(new ServerBusyError());
            if (task.kind === 'apply')
              this.run(runKey, { kind: 'discard', ticket: task.ticket }).catch(() => undefined);
          }
        }, this.slotWaitMs);
        p.timer.unref();
      }
      thread.submit(p);
    });
  }

  /**
   * Whether a task for `runKey` would start at once on a thread of its own (never for inline tasks, whose
   * waits would block the event loop).
   */
  idleFor(runKey: string): boolean {
    return !this.inline && this.threadOf(runKey).idle;
  }

  private threadOf(runKey: string): IngestThread {
    return this.threads[threadIndexOf(runKey, this.threads.length)];
  }

  /** A ticket for a parsed upload, unique in this process. */
  ticket(): number {
    return this.nextId++;
  }

  async close(): Promise<void> {
    this.inline?.tasks.close();
    await Promise.all(this.threads.map((t) => t.close()));
  }
}
