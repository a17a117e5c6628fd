/**
 * Line data of cards that left the screen (docs/ui.md#virtualization): a card scrolled far away is unmounted, and
 * what it held waits here, so coming back redraws at once instead of refetching. Bounded by points
 * held (about 40 bytes each); the least recently kept goes first.
 */
import type { ScalarSeries } from './scalar-series';

export interface HeldLineData {
  series: Map<string, ScalarSeries>;
  /** The request the series answer: a card asking something else refetches. */
  requestKey: string;
  /** The server smoothing the series carry. */
  smoothKey: string;
  totalPointsMax: number;
  /** When the full load was requested (performance.now()). */
  startedAt: number;
  /** When the card left (performance.now()): live changes after it are fetched as tails on return. */
  savedAt: number;
}

const MAX_POINTS = 1_000_000;
const held = new Map<string, { data: HeldLineData; points: number }>();
let totalPoints = 0;

function pointsOf(series: Map<string, ScalarSeries>): number {
  let n = 0;
  for (const s of series.values()) n += s.length;
  return n;
}

export function keepLineData(key: string, data: HeldLineData): void {
  takeLineData(key);
  const points = pointsOf(data.series);
  if (points > MAX_POINTS) return;
  held.set(key, { data, points });
  totalPoints += points;
  for (const [k, v] of held) {
    if (totalPoints <= MAX_POINTS) break;
    held.delete(k);
    totalPoints -= v.points;
  }
}

/** The data kept for `key`, removed from the cache (the card holds it again). */
export function takeLineData(key: string): HeldLineData | undefined {
  const e = held.get(key);
  if (!e) return undefined;
  held.delete(key);
  totalPoints -= e.points;
  return e.data;
}
