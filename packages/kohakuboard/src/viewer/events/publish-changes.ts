/**
 * Index changes and run growth as events (docs/api.md#events): run_added, run_removed, run_updated and
 * run_data.
 */

import type { RunDataChange } from '../../reader/run-activity.js';
import type { IndexChange } from '../../reader/run-index.js';
import { formatIsoMicros } from '../../storage/index.js';
import type { EventHub } from './event-hub.js';

export function publishIndexChange(hub: EventHub, change: IndexChange): void {
  const r = change.record;
  switch (change.type) {
    case 'added':
      hub.publish(
        'run_added',
        {
          project: r.project,
          run_id: r.runId,
          name: r.name,
          annotation: r.annotation,
          created_at: r.createdAt,
          status: r.status,
        },
        r,
      );
      return;
    case 'removed':
      hub.publish('run_removed', { project: r.project, run_id: r.runId }, r);
      return;
    case 'updated':
      hub.publish(
        'run_updated',
        {
          project: r.project,
          run_id: r.runId,
          name: r.name,
          annotation: r.annotation,
          finished_at: r.finishedAt,
          status: r.status,
        },
        r,
      );
  }
}

export function publishRunData(hub: EventHub, c: RunDataChange): void {
  const r = c.record;
  const scalars: Record<string, { last_step: number | null; count: number }> = {};
  for (const [name, s] of [...c.scalars].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    scalars[name] = { last_step: s.lastStep, count: s.count };
  }
  hub.publish(
    'run_data',
    {
      project: r.project,
      run_id: r.runId,
      last_step: c.lastStep,
      updated_at: c.updatedAtMs === null ? null : formatIsoMicros(c.updatedAtMs),
      updated_at_ms: c.updatedAtMs,
      scalars,
      new_scalars: c.newScalars.sort(),
      media: c.media,
      tables: c.tables,
      histograms: c.histograms,
      tensors: c.tensors,
      kernel_density: c.kernelDensity,
      logs: Object.fromEntries(c.logs),
    },
    r,
  );
}
