/**
 * The run page's system tab (docs/ui.md#system-tab): the `system/…` metrics a board samples
 * (docs/client.md#system-metrics) shown together, a few line charts with several lines each, on a wall-time
 * axis, instead of one card per name.
 */
import { naturalSorted } from '../data/natural-order';

/** The tab of the system metrics: their namespace. */
export const SYSTEM_TAB = 'system';
/** Their x axis: samples are taken by the clock, not by training step. */
export const SYSTEM_X_AXIS = 'walltime';

const GROUPS: Array<{ title: string; pattern: RegExp }> = [
  { title: 'CPU (%)', pattern: /^system\/cpu\/[^/]+_percent$/ },
  { title: 'Memory (MiB)', pattern: /^system\/memory\/[^/]+_mib$/ },
  { title: 'Machine memory (%)', pattern: /^system\/memory\/[^/]+_percent$/ },
  { title: 'Disk (bytes/s)', pattern: /^system\/disk\/[^/]+_per_s$/ },
  { title: 'Network (bytes/s)', pattern: /^system\/network\/[^/]+_per_s$/ },
  { title: 'GPU utilisation (%)', pattern: /^system\/gpu\.\d+\/util_percent$/ },
  { title: 'GPU memory used (MiB)', pattern: /^system\/gpu\.\d+\/memory_used_mib$/ },
  { title: 'GPU temperature (°C)', pattern: /^system\/gpu\.\d+\/temperature_c$/ },
  { title: 'GPU power (W)', pattern: /^system\/gpu\.\d+\/power_w$/ },
];

export function isSystemMetric(name: string): boolean {
  return name.startsWith(`${SYSTEM_TAB}/`);
}

/**
 * The system metrics among `scalars`, as the charts of the system tab: each group with the names it has (in
 * natural order, so GPU lines run by device), then every other system name on a chart of its own.
 */
export function systemCharts(scalars: readonly string[]): Array<{ title: string; names: string[] }> {
  const names = naturalSorted(scalars.filter(isSystemMetric));
  const grouped = new Set<string>();
  const charts: Array<{ title: string; names: string[] }> = [];
  for (const g of GROUPS) {
    const members = names.filter((n) => g.pattern.test(n));
    if (members.length === 0) continue;
    for (const m of members) grouped.add(m);
    charts.push({ title: g.title, names: members });
  }
  for (const n of names) if (!grouped.has(n)) charts.push({ title: n, names: [n] });
  return charts;
}
