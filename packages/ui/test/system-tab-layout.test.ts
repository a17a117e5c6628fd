/**
 * The default layout of a run with system metrics (docs/ui.md#system-tab): one `system` tab, last, whose line
 * cards group the metrics (GPU lines per device) on a wall-time axis; removed names stay removed, and a GPU
 * that appears later gets a card of its own.
 */
import { describe, expect, it } from 'vitest';
import type { AvailableData } from '../src/api/types';
import { appendProjectDefaults, emptyProjectLayout } from '../src/layout/project-layout';
import { appendDefaultCards, buildDefaultRunLayout } from '../src/layout/run-layout';
import { systemCharts } from '../src/layout/system-cards';
import type { LineCardConfig } from '../src/layout/types';

const available = (scalars: string[]): AvailableData => ({
  scalars,
  media: [],
  tables: [],
  histograms: [],
  tensors: [],
  kernel_density: [],
});

const SYSTEM = [
  'system/gpu.10/util_percent',
  'system/gpu.2/util_percent',
  'system/cpu/process_percent',
  'system/cpu/machine_percent',
  'system/memory/process_rss_mib',
  'system/memory/machine_used_percent',
  'system/disk/read_bytes_per_s',
  'system/network/sent_bytes_per_s',
  'system/custom_probe',
];

describe('system tab', () => {
  it('groups system metrics into charts, GPUs in device order, unknown names on their own', () => {
    expect(systemCharts(['loss', ...SYSTEM])).toEqual([
      { title: 'CPU (%)', names: ['system/cpu/machine_percent', 'system/cpu/process_percent'] },
      { title: 'Memory (MiB)', names: ['system/memory/process_rss_mib'] },
      { title: 'Machine memory (%)', names: ['system/memory/machine_used_percent'] },
      { title: 'Disk (bytes/s)', names: ['system/disk/read_bytes_per_s'] },
      { title: 'Network (bytes/s)', names: ['system/network/sent_bytes_per_s'] },
      { title: 'GPU utilisation (%)', names: ['system/gpu.2/util_percent', 'system/gpu.10/util_percent'] },
      { title: 'system/custom_probe', names: ['system/custom_probe'] },
    ]);
    expect(systemCharts(['loss', 'train/acc'])).toEqual([]);
  });

  it('puts them in a last tab with a wall-time axis', () => {
    const layout = buildDefaultRunLayout({
      available: available(['zeta/x', 'loss', ...SYSTEM]),
      hasGlobalStep: true,
    });
    expect(layout.tabs.map((t) => t.name)).toEqual(['Metrics', 'zeta', 'system']);
    const system = layout.tabs[2].cards.map((c) => c.config as LineCardConfig);
    expect(system.map((c) => c.title)).toEqual(systemCharts(SYSTEM).map((c) => c.title));
    expect(new Set(system.map((c) => c.xMetric))).toEqual(new Set(['walltime']));
    expect(layout.tabSettings.system.xAxis).toBe('walltime');
    expect(layout.tabSettings.Metrics.xAxis).toBe('global_step');
  });

  it('adds a GPU that appears later, and never brings back removed names', () => {
    const layout = buildDefaultRunLayout({
      available: available(['loss', 'system/gpu.0/util_percent']),
      hasGlobalStep: false,
    });
    layout.removedMetrics.push('system/cpu/process_percent');
    const added = appendDefaultCards(layout, {
      available: available([
        'loss',
        'system/gpu.0/util_percent',
        'system/gpu.1/util_percent',
        'system/cpu/process_percent',
      ]),
      hasGlobalStep: false,
    });
    expect(added).toBe(1);
    const cards = layout.tabs
      .find((t) => t.name === 'system')
      ?.cards.map((c) => (c.config as LineCardConfig).yMetrics);
    expect(cards).toEqual([['system/gpu.0/util_percent'], ['system/gpu.1/util_percent']]);
    expect(
      appendDefaultCards(layout, {
        available: available(['system/gpu.1/util_percent']),
        hasGlobalStep: false,
      }),
    ).toBe(0);
  });
});

describe('project page', () => {
  it('puts the system tab after the runs’ own tabs', () => {
    const layout = emptyProjectLayout();
    appendProjectDefaults(layout, ['system/cpu/process_percent', 'train/loss', 'val/acc'], 'step');
    expect(layout.tabs.filter((t) => t.cards.length > 0).map((t) => t.name)).toEqual([
      'train',
      'val',
      'system',
    ]);
  });
});
