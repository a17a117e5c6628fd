/**
 * The event stream's memory (docs/api.md#replay-and-resync): ids that increase for the server's lifetime, the
 * last 1,000 events for replay, and the subscribers with their filters. Ids start at the boot time in
 * microseconds, so that an id from an earlier server process is recognised (it is smaller than this process's
 * first id).
 */
import type { RunRecord } from '../../reader/run-record.js';

export interface HubEvent {
  id: number;
  event: string;
  data: Record<string, unknown>;
  project: string | null;
  runId: string | null;
  /** The run the event is about (kept in this process for the access check; never sent). */
  record: RunRecord | null;
}

export interface EventFilter {
  project: string | null;
  runs: Set<string> | null;
  types: Set<string> | null;
}

type Listener = (e: HubEvent) => void;

export function matchesFilter(e: HubEvent, f: EventFilter): boolean {
  if (f.types && !f.types.has(e.event)) return false;
  if (f.project !== null && e.project !== null && e.project !== f.project) return false;
  if (f.runs && e.event === 'run_data' && (e.runId === null || !f.runs.has(e.runId))) return false;
  return true;
}

export class EventHub {
  readonly firstId: number;
  private nextId: number;
  private readonly buffer: HubEvent[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly closers = new Set<() => void>();

  constructor(
    readonly capacity = 1000,
    bootMs = Date.now(),
  ) {
    this.firstId = bootMs * 1000;
    this.nextId = this.firstId;
  }

  /** The id of the newest event (firstId − 1 before any). */
  get lastId(): number {
    return this.nextId - 1;
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  /** Publishes an event; a run event names its record, so that each subscriber's access check can see it. */
  publish(event: string, data: Record<string, unknown>, record: RunRecord | null = null): HubEvent {
    const e: HubEvent = {
      id: this.nextId++,
      event,
      data,
      project: record?.project ?? null,
      runId: record?.runId ?? null,
      record,
    };
    this.buffer.push(e);
    if (this.buffer.length > this.capacity) this.buffer.shift();
    for (const l of this.listeners) l(e);
    return e;
  }

  /**
   * The events after `lastEventId`, or a resync reason when they cannot be replayed: the id belongs to an
   * earlier process (server_restart) or has left the buffer (buffer_overflow).
   */
  since(lastEventId: number): { events: HubEvent[]; resync: 'server_restart' | 'buffer_overflow' | null } {
    if (!Number.isFinite(lastEventId) || lastEventId < this.firstId - 1 || lastEventId > this.lastId) {
      return { events: [], resync: 'server_restart' };
    }
    const oldest = this.buffer.length ? this.buffer[0].id : this.nextId;
    if (lastEventId < oldest - 1) return { events: [], resync: 'buffer_overflow' };
    return { events: this.buffer.filter((e) => e.id > lastEventId), resync: null };
  }

  subscribe(listener: Listener, close: () => void): () => void {
    this.listeners.add(listener);
    this.closers.add(close);
    return () => {
      this.listeners.delete(listener);
      this.closers.delete(close);
    };
  }

  /** Ends every open stream (server shutdown). */
  closeAll(): void {
    for (const c of [...this.closers]) c();
  }
}
