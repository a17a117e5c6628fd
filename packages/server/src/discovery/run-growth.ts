/**
 * What grew in a dropped run since the scanner last looked, in the shape of a run_data event
 * (docs/api.md#event-types): the viewer's own tracker compares the run's file stamps and reads only
 * the files that changed. The summary goes into the run's `data` change, so that every process's event
 * stream tells the web UI which series to extend, as `kobo open` does.
 */
import {
  createReaderContext,
  RunActivityTracker,
  type RunDataChange,
  type RunRecord,
  type RunActivityTracker as Tracker,
} from 'kohakuboard/read-api';
import type { RunDataSummary } from '../ingest/apply-log.js';

export function summaryOf(c: RunDataChange): RunDataSummary {
  const scalars: RunDataSummary['scalars'] = {};
  for (const [name, s] of [...c.scalars].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
    scalars[name] = { last_step: s.lastStep, count: s.count };
  return {
    scalars,
    new_scalars: [...c.newScalars].sort(),
    media: c.media,
    tables: c.tables,
    histograms: c.histograms,
    tensors: c.tensors,
    kernel_density: c.kernelDensity,
    logs: Object.fromEntries(c.logs),
  };
}

export class RunGrowth {
  private readonly tracker: Tracker;
  private last: RunDataChange | null = null;

  constructor(dataDir: string) {
    const reader = createReaderContext({ cacheBytes: 1024 * 1024, maxHandles: 16, dataDir });
    // Only `check` is used: the scanner says which runs to look at, so the tracker needs no index of its own.
    this.tracker = new RunActivityTracker(null as never, reader, {
      intervalMs: 0,
      watch: false,
      onData: (c) => {
        this.last = c;
      },
    });
  }

  /** What grew since the last look (null at the first look of a run, or when nothing did). */
  look(record: RunRecord): RunDataSummary | null {
    this.last = null;
    this.tracker.check(record);
    const c = this.last as RunDataChange | null;
    return c ? summaryOf(c) : null;
  }
}
