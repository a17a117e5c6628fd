/** The metrics a tab's line charts draw (y metrics, and an x metric that is one), each once, in card order. */
import { AXIS_ONLY_NAMES } from '../data/x-axis';
import type { Card, LineCardConfig } from './types';

export function tabLineMetrics(cards: readonly Card[] | undefined): string[] {
  const out = new Set<string>();
  for (const card of cards ?? []) {
    if (card.config.type !== 'line') continue;
    const c = card.config as LineCardConfig;
    for (const m of [...c.yMetrics, c.xMetric]) if (!AXIS_ONLY_NAMES.has(m)) out.add(m);
  }
  return [...out];
}
