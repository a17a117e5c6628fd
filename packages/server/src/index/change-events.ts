/**
 * The event stream's memory on the server (docs/server.md#read-api): every event's id is the
 * `run_changes.seq` of the change it announces, so that every process and instance names an event alike
 * and a stream that reconnects to another worker replays from its `Last-Event-ID`. A process keeps the last
 * 1,000 events, primed at startup from the changes still in the table; an id older than what it holds gets
 * `resync`.
 */
import { EventHub, type RunRecord } from 'kohakuboard/read-api';

type HubEvent = ReturnType<EventHub['publish']>;
type Listener = (e: HubEvent) => void;

export class SequencedEventHub extends EventHub {
  private last = 0;
  /** Every event with an id above this one is held (or still to come). */
  private coveredFrom = 0;
  private readonly held: HubEvent[] = [];
  private readonly subscribers = new Map<Listener, () => void>();

  constructor(private readonly keep = 1000) {
    super(keep);
  }

  /** Where the process starts following the changes: events after `seq` are held. */
  startAt(seq: number): void {
    this.last = Math.max(this.last, seq);
    this.coveredFrom = seq;
  }

  /** No event is held between the newest held one and `seq` (changes that announce nothing). */
  advanceTo(seq: number): void {
    this.last = Math.max(this.last, seq);
  }

  override get lastId(): number {
    return this.last;
  }

  override get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Publishes the event of change `seq`. */
  publishAt(seq: number, event: string, data: Record<string, unknown>, record: RunRecord | null): HubEvent {
    const e: HubEvent = {
      id: seq,
      event,
      data,
      project: record?.project ?? null,
      runId: record?.runId ?? null,
      record,
    };
    this.held.push(e);
    if (this.held.length > this.keep) {
      this.held.shift();
      this.coveredFrom = this.held[0].id - 1;
    }
    this.last = Math.max(this.last, seq);
    for (const l of this.subscribers.keys()) l(e);
    return e;
  }

  /** An event that announces no change of its own: it takes the id of the newest change. */
  override publish(event: string, data: Record<string, unknown>, record: RunRecord | null = null): HubEvent {
    return this.publishAt(this.last, event, data, record);
  }

  override since(lastEventId: number): {
    events: HubEvent[];
    resync: 'server_restart' | 'buffer_overflow' | null;
  } {
    if (!Number.isFinite(lastEventId)) return { events: [], resync: 'server_restart' };
    // An id from a process that is ahead of this one: its events reach this process within a poll.
    if (lastEventId >= this.last) return { events: [], resync: null };
    if (lastEventId < this.coveredFrom) return { events: [], resync: 'buffer_overflow' };
    return { events: this.held.filter((e) => e.id > lastEventId), resync: null };
  }

  override subscribe(listener: Listener, close: () => void): () => void {
    this.subscribers.set(listener, close);
    return () => {
      this.subscribers.delete(listener);
    };
  }

  override closeAll(): void {
    for (const close of [...this.subscribers.values()]) close();
  }
}
