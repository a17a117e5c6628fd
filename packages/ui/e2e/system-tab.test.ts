/**
 * The run page's system tab (docs/ui.md#system-tab): a run with `system/…` metrics gets one tab with a few
 * grouped line charts on a wall-time axis (GPU lines per device) that draw in both themes; a run without them
 * has no such tab.
 */
import { describe, expect, it } from 'vitest';
import { inkedPixels, screenshot, withPage } from './helpers/browser';
import { cardByTitle, waitForChart } from './helpers/chart';
import { TestRun } from './helpers/run-writer';
import { serveForSuite } from './helpers/suite';

const SYSTEM = [
  'system/cpu/process_percent',
  'system/cpu/machine_percent',
  'system/memory/process_rss_mib',
  'system/memory/heap_used_mib',
  'system/memory/machine_used_mib',
  'system/memory/machine_used_percent',
  'system/disk/read_bytes_per_s',
  'system/disk/write_bytes_per_s',
  'system/network/received_bytes_per_s',
  'system/network/sent_bytes_per_s',
  'system/gpu.0/util_percent',
  'system/gpu.1/util_percent',
  'system/gpu.0/memory_used_mib',
  'system/gpu.1/memory_used_mib',
];

const CHARTS: Array<[string, number]> = [
  ['CPU (%)', 2],
  ['Memory (MiB)', 3],
  ['Machine memory (%)', 1],
  ['Disk (bytes/s)', 2],
  ['Network (bytes/s)', 2],
  ['GPU utilisation (%)', 2],
  ['GPU memory used (MiB)', 2],
];

describe('the system tab', () => {
  const served = serveForSuite({
    fill: async (dir) => {
      const run = await TestRun.create(dir, {
        project: 'sys',
        runId: 'sysrun01',
        name: 'with system metrics',
      });
      run.append(
        ['train/loss', ...SYSTEM],
        120,
        (m, s) => (m === 'train/loss' ? 1 / (s + 1) : 40 + 30 * Math.sin(s / 9 + SYSTEM.indexOf(m))),
        1000,
      );
      run.finish();
      const plain = await TestRun.create(dir, { project: 'sys', runId: 'plain001', name: 'without' });
      plain.append(['train/loss'], 20, (_m, s) => s);
      plain.finish();
    },
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`groups the system metrics into charts that draw (${theme})`, async () => {
      await withPage(served.browser, { theme }, async (w) => {
        await w.page.goto(`${served.viewer.url}/projects/sys/sysrun01`);
        // The run's own metrics open first; the system tab comes after them.
        const systemTab = w.page.locator('[data-testid="tab-system"]');
        await systemTab.waitFor();
        const names = await w.page
          .getByRole('tab')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
        expect(names.at(-1)).toBe('tab-system');
        expect(names).toContain('tab-train');
        await systemTab.click();
        for (const [title, lines] of CHARTS) {
          const card = cardByTitle(w.page, title);
          await card.scrollIntoViewIfNeeded();
          await waitForChart(card, 120);
          // One legend entry per metric of the group.
          const legend = card.locator('[data-testid="legend-line"]');
          if (lines > 1) await legend.nth(lines - 1).waitFor();
          expect(await legend.count()).toBe(lines > 1 ? lines : 0);
        }
        await cardByTitle(w.page, 'CPU (%)').scrollIntoViewIfNeeded();
        expect(await inkedPixels(w.page, '[data-card-type="line"] canvas')).toBeGreaterThan(1000);
        await screenshot(w.page, `run-system-tab-${theme}`);
        expect(w.errors).toEqual([]);
      });
    });
  }

  it('is absent for a run without system metrics', async () => {
    await withPage(served.browser, {}, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/sys/plain001`);
      await cardByTitle(w.page, 'train/loss').waitFor();
      expect(await w.page.locator('[data-testid="tab-train"]').count()).toBe(1);
      expect(await w.page.locator('[data-testid="tab-system"]').count()).toBe(0);
      expect(w.errors).toEqual([]);
    });
  });
});
