/**
 * At most N API requests in flight per page, the event stream included (docs/ui.md#api-use).
 * Waiting requests start in priority order (smaller first: on-screen order), then arrival order.
 * A request whose signal aborts while it waits leaves the queue without starting.
 */
interface Waiter {
  priority: number;
  seq: number;
  start: () => void;
  cancel: (reason: unknown) => void;
}

export class RequestLimiter {
  private active = 0;
  private reserved = 0;
  private seq = 0;
  private readonly queue: Waiter[] = [];

  constructor(private readonly capacity: number) {}

  get inFlight(): number {
    return this.active + this.reserved;
  }

  /** Holds one slot for a long-lived connection (the event stream); returns its release function. */
  reserve(): () => void {
    this.reserved++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.reserved--;
      this.pump();
    };
  }

  async run<T>(task: () => Promise<T>, priority = 0, signal?: AbortSignal): Promise<T> {
    await this.acquire(priority, signal);
    try {
      return await task();
    } finally {
      this.active--;
      this.pump();
    }
  }

  private acquire(priority: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason ?? new DOMException('Aborted', 'AbortError'));
    if (this.queue.length === 0 && this.active + this.reserved < this.capacity) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        priority,
        seq: this.seq++,
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          this.active++;
          resolve();
        },
        cancel: reject,
      };
      const onAbort = () => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        reject(signal?.reason ?? new DOMException('Aborted', 'AbortError'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.insert(waiter);
      this.pump();
    });
  }

  private insert(w: Waiter): void {
    let i = this.queue.length;
    while (i > 0) {
      const prev = this.queue[i - 1];
      if (prev.priority < w.priority || (prev.priority === w.priority && prev.seq < w.seq)) break;
      i--;
    }
    this.queue.splice(i, 0, w);
  }

  private pump(): void {
    // Always leave one slot usable for requests even while the stream holds one, if capacity allows.
    const limit = Math.max(1, this.capacity - this.reserved);
    while (this.queue.length > 0 && this.active < limit) {
      const next = this.queue.shift();
      next?.start();
    }
  }
}

/** The page's one limiter: 6 connections per origin over HTTP/1.1. */
export const apiLimiter = new RequestLimiter(6);
