/**
 * How the run page names and groups things: natural order (r2 before r10), the media cells of tables
 * (`<table>_r<row>_c<col>`) that get no card of their own, and the empty "Metrics" tab that stays
 * hidden.
 */
import { describe, expect, it } from 'vitest';
import type { AvailableData } from '../src/api/types';
import { naturalCompare, naturalSorted } from '../src/data/natural-order';
import { buildDefaultRunLayout } from '../src/layout/run-layout';
import { firstUsefulTab, shownTabs } from '../src/layout/shown-tabs';
import { isTableCellMedia, standaloneMedia } from '../src/layout/table-cell-media';

const available = (a: Partial<AvailableData>): AvailableData => ({
  scalars: [],
  media: [],
  tables: [],
  histograms: [],
  tensors: [],
  kernel_density: [],
  ...a,
});

describe('natural order', () => {
  it('compares runs of digits by value', () => {
    expect(naturalSorted(['r10', 'r2', 'r1', 'r11'])).toEqual(['r1', 'r2', 'r10', 'r11']);
    expect(naturalSorted(['layer10/w', 'layer9/w', 'layer9/b'])).toEqual([
      'layer9/b',
      'layer9/w',
      'layer10/w',
    ]);
    expect(naturalSorted(['b', 'a10', 'a', 'a2'])).toEqual(['a', 'a2', 'a10', 'b']);
  });

  it('is a total order: equal values spelled differently still compare unequal', () => {
    expect(naturalCompare('x7', 'x007')).toBeLessThan(0);
    expect(naturalCompare('x007', 'x7')).toBeGreaterThan(0);
    expect(naturalCompare('same', 'same')).toBe(0);
  });
});

describe('media cells of tables', () => {
  const tables = new Set(['val/predictions']);

  it('recognises `<table>_r<row>_c<col>` only for tables of the run', () => {
    expect(isTableCellMedia('val/predictions_r0_c0', tables)).toBe(true);
    expect(isTableCellMedia('val/predictions_r11_c3', tables)).toBe(true);
    expect(isTableCellMedia('val/samples', tables)).toBe(false);
    expect(isTableCellMedia('other_r0_c0', tables)).toBe(false);
    expect(isTableCellMedia('val/predictions_rx_c0', tables)).toBe(false);
  });

  it('get no default media card, and the cards come in natural order', () => {
    const cells = Array.from({ length: 12 }, (_, r) => `val/predictions_r${r}_c0`).sort();
    const layout = buildDefaultRunLayout({
      available: available({
        scalars: ['step', 'global_step', 'val/loss'],
        media: [...cells, 'val/samples'],
        tables: ['val/predictions'],
      }),
      hasGlobalStep: true,
    });
    const val = layout.tabs.find((t) => t.name === 'val');
    expect(val?.cards.map((c) => `${c.config.type}:${c.config.title}`)).toEqual([
      'line:val/loss',
      'media:val/samples',
      'table:val/predictions',
    ]);
    expect(standaloneMedia([...cells, 'val/samples'], ['val/predictions'])).toEqual(['val/samples']);
  });
});

describe('the empty "Metrics" tab', () => {
  const tab = (name: string, cards: number) => ({ name, cards: Array.from({ length: cards }, () => ({})) });

  it('is hidden while it has no card, unless it is active or the only tab', () => {
    const tabs = [tab('Metrics', 0), tab('train', 3)];
    expect(shownTabs(tabs, 'train').map((t) => t.name)).toEqual(['train']);
    expect(shownTabs(tabs, 'Metrics').map((t) => t.name)).toEqual(['Metrics', 'train']);
    expect(shownTabs([tab('Metrics', 0)], 'Metrics').map((t) => t.name)).toEqual(['Metrics']);
    expect(shownTabs([tab('Metrics', 1), tab('train', 3)], 'train').map((t) => t.name)).toEqual([
      'Metrics',
      'train',
    ]);
    // Only the default tab hides: an empty tab the user made stays.
    expect(shownTabs([tab('mine', 0), tab('train', 3)], 'train').map((t) => t.name)).toEqual([
      'mine',
      'train',
    ]);
  });

  it('is not opened by default; the first tab with cards is', () => {
    const layout = buildDefaultRunLayout({
      available: available({ scalars: ['step', 'train/loss'] }),
      hasGlobalStep: false,
    });
    expect(layout.activeTab).toBe('train');
    expect(firstUsefulTab([tab('Metrics', 0), tab('train', 1)], 'Metrics')).toBe('train');
    expect(firstUsefulTab([tab('Metrics', 2), tab('train', 1)], 'Metrics')).toBe('Metrics');
  });
});
