/** Card edits shared by the run and project pages (docs/ui.md#tab-settings, docs/ui.md#card-frame). */
import { describe, expect, it } from 'vitest';
import { histogramCard, lineCard } from '../src/layout/card-factory';
import { applyTabSettings, dropCard, moveCard, patchCard, resizeCard } from '../src/layout/card-ops';
import type { Tab } from '../src/layout/types';

function tabs(): Tab[] {
  return [
    {
      name: 'train',
      cards: ['a', 'b', 'c', 'd'].map((m) => ({ id: `card-${m}`, config: lineCard([m], 'step') })),
    },
    { name: 'weights', cards: [{ id: 'card-h', config: histogramCard('w', 'single') }] },
  ];
}
const ids = (t: Tab[]) => t[0].cards.map((c) => c.id.slice(5)).join('');

describe('card edits', () => {
  it('moves a card with the keyboard and by drag and drop, within its tab only', () => {
    const t = tabs();
    expect(moveCard(t, 'card-a', 1)).toBe(true);
    expect(ids(t)).toBe('bacd');
    expect(moveCard(t, 'card-b', -1)).toBe(false);
    expect(dropCard(t, 'card-b', 'card-d')).toBe(true);
    expect(ids(t)).toBe('acdb');
    expect(dropCard(t, 'card-d', 'card-a')).toBe(true);
    expect(ids(t)).toBe('dacb');
    expect(dropCard(t, 'card-a', 'card-h')).toBe(false);
  });

  it('resizes one card, its row to the same height, or with Shift the whole tab', () => {
    const t = tabs();
    resizeCard(t, 'card-a', { widthPercent: 50, height: 300 }, false, ['card-a', 'card-b']);
    const size = (id: string) => {
      const c = t[0].cards.find((x) => x.id === id)?.config;
      return [c?.widthPercent, c?.height];
    };
    expect(size('card-a')).toEqual([50, 300]);
    expect(size('card-b')).toEqual([33, 300]);
    expect(size('card-c')).toEqual([33, 400]);
    resizeCard(t, 'card-c', { widthPercent: 25 }, true, []);
    expect(t[0].cards.map((c) => c.config.widthPercent)).toEqual([25, 25, 25, 25]);
  });

  it('patches a card and applies tab settings to line and histogram cards', () => {
    const t = tabs();
    expect(patchCard(t, 'card-b', { title: 'renamed' })).toBe(true);
    expect(t[0].cards[1].config.title).toBe('renamed');
    expect(patchCard(t, 'nope', { title: 'x' })).toBe(false);
    const settings = {
      xAxis: 'global_step',
      smoothing: 'ema',
      smoothingValue: 0.8,
      histogramMode: 'flow' as const,
      downsampleRate: -1,
      yScale: 'log' as const,
    };
    applyTabSettings([...t[0].cards, ...t[1].cards], settings);
    const line = t[0].cards[0].config;
    expect(line.type === 'line' && [line.xMetric, line.smoothingMode, line.yScale]).toEqual([
      'global_step',
      'ema',
      'log',
    ]);
    const hist = t[1].cards[0].config;
    expect(hist.type === 'histogram' && hist.histogramMode).toBe('flow');
  });
});
