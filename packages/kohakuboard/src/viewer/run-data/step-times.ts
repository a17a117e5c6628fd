/**
 * `relative_walltime` (docs/api.md#histograms): the step-index timestamp at an entry's step minus the run's
 * first timestamp, in seconds; null when that step has no index row.
 */

import { stepTimestampsOf } from '../../reader/metadata-rows.js';
import type { ReaderContext } from '../../reader/scalar-source.js';
import type { RunRef } from '../run-ref.js';

export function relativeWalltimes(
  ctx: ReaderContext,
  run: RunRef,
  steps: number[],
): Map<number, number | null> {
  const out = new Map<number, number | null>();
  const times = stepTimestampsOf(ctx, run.dir, steps);
  const first = run.firstTimestampMs;
  for (const s of steps) {
    const t = times.get(s);
    out.set(s, t === undefined || first === null ? null : (t - first) / 1000);
  }
  return out;
}
