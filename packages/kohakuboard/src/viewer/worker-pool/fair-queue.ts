/**
 * Fair queueing of tasks between clients (docs/api.md#work-off-the-event-loop: one client's heavy reads must not starve the others).
 * Each client has its own queue; the next task comes from the waiting client that has used the least worker
 * time so far ("least attained service"). A client that starts waiting again is first brought up to the
 * service of the clients being served now, so that time it spent idle gives it no credit to burst with.
 * Within one client, tasks run in the order they came.
 */

interface Flow<T> {
  items: T[];
  /** Worker time used, in ms, on a clock shared by all clients of this queue. */
  used: number;
  /** Tasks taken since the client started waiting; at equal service, the client served less goes first. */
  served: number;
  /** What the client's last task took: charged when its next one starts, corrected when it ends. */
  estimate: number;
}

export class FairQueue<T> {
  private readonly flows = new Map<string, Flow<T>>();
  /** The service of the client last picked: where a client that starts waiting again begins. */
  private clock = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(client: string, item: T): void {
    let flow = this.flows.get(client);
    if (!flow) {
      flow = { items: [], used: this.clock, served: 0, estimate: 0 };
      this.flows.set(client, flow);
    } else if (flow.items.length === 0) {
      flow.used = Math.max(flow.used, this.clock);
    }
    flow.items.push(item);
    this.count++;
  }

  /**
   * The next task: the oldest of the waiting client with the least service (ties: the client served less,
   * then the earliest). Its client is charged its last task's time at once, so that while it runs, other
   * clients with waiting tasks go before it.
   */
  shift(): { client: string; item: T } | undefined {
    let best: [string, Flow<T>] | null = null;
    for (const entry of this.flows) {
      const f = entry[1];
      if (f.items.length === 0) continue;
      if (best === null || f.used < best[1].used || (f.used === best[1].used && f.served < best[1].served)) {
        best = entry;
      }
    }
    if (best === null) return undefined;
    const [client, flow] = best;
    this.clock = Math.max(this.clock, flow.used);
    flow.used += flow.estimate;
    flow.served++;
    this.count--;
    return { client, item: flow.items.shift()! };
  }

  /** Removes a task that is still waiting; false when it is not (any more) in the queue. */
  remove(client: string, item: T): boolean {
    const flow = this.flows.get(client);
    const at = flow ? flow.items.indexOf(item) : -1;
    if (!flow || at < 0) return false;
    flow.items.splice(at, 1);
    this.count--;
    this.forgetIdle(client, flow);
    return true;
  }

  /** Charges a client the `ms` of worker time its task took (after it ran), less what shift() charged. */
  charge(client: string, ms: number): void {
    const flow = this.flows.get(client);
    if (!flow) return;
    const took = Math.max(0, ms);
    flow.used += took - flow.estimate;
    flow.estimate = took;
    this.forgetIdle(client, flow);
  }

  /** An idle client whose service the clock has passed needs no entry: it would start at the clock anyway. */
  private forgetIdle(client: string, flow: Flow<T>): void {
    if (flow.items.length === 0 && flow.used <= this.clock) this.flows.delete(client);
  }
}
