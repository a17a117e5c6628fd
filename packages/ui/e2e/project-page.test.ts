/**
 * The project page on generated runs: pinned config columns (docs/ui.md#run-list), the colour picker saved in
 * `customRunColors` (docs/ui.md#colours), the colour-blind palette (docs/ui.md#accessibility), the v2 → v3
 * layout migration with its 200-run cap (docs/ui.md#visible-runs, docs/ui.md#project-layout), the
 * 1,000-series cap of a chart (docs/ui.md#visible-runs) and the mobile drawer (docs/ui.md#small-screens).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshot, withPage } from './helpers/browser';
import { cardByTitle, waitForChart } from './helpers/chart';
import { TestRun } from './helpers/run-writer';
import { serveForSuite } from './helpers/suite';

const SWEEP = ['s1', 's2', 's3', 's4', 's5', 's6'];
const BIG_RUNS = 205;
const BIG_METRICS = ['m0', 'm1', 'm2', 'm3', 'm4'];
const bigId = (i: number) => `b${String(i).padStart(3, '0')}`;

function projectLayout(page: Page, project: string): Promise<Record<string, unknown> | null> {
  return page.evaluate((p) => {
    const raw = localStorage.getItem(`project-dashboard-layout-${p}`);
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
  }, project);
}

function legendColors(page: Page, title: string): Promise<string[]> {
  return cardByTitle(page, title)
    .locator('[data-testid="legend-line"]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-color') ?? ''));
}

/** WCAG contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const c = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255);
    const l = c.map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

describe('project page', () => {
  const served = serveForSuite({
    fill: async (dir) => {
      for (const [i, runId] of SWEEP.entries()) {
        const run = await TestRun.create(dir, {
          project: 'sweep',
          runId,
          name: `sweep ${i + 1}`,
          config: { lr: 10 ** -(i + 1), depth: 2 + i, optimizer: { name: i % 2 ? 'sgd' : 'adam' } },
        });
        run.append(['loss', 'acc'], 200, (m, s) => (m === 'loss' ? (i + 1) / (s + 1) : s / 200 - i * 0.01));
        run.finish();
      }
      for (let i = 0; i < BIG_RUNS; i++) {
        const run = await TestRun.create(dir, { project: 'big', runId: bigId(i), name: `big ${i}` });
        run.append(BIG_METRICS, 3, (m, s) => i + s + BIG_METRICS.indexOf(m));
        run.finish();
      }
    },
    setupTimeoutMs: 300_000,
  });

  it('pins config keys as run-list columns, chosen in the list', async () => {
    await withPage(served.browser, {}, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/sweep`);
      await w.page.waitForSelector('[data-testid="run-list-item-s1"]');
      await w.page.click('[data-testid="pinned-columns-button"]');
      await w.page.waitForSelector('[data-testid="pinned-columns"]');
      await w.page.check('[data-testid="pin-key-lr"]');
      await w.page.check('[data-testid="pin-key-optimizer.name"]');
      const before = w.requests.length;
      // Columns show at ≥ 480 px; the picker widens the list.
      await w.page.click('[data-testid="pinned-columns-widen"]');
      await w.page.keyboard.press('Escape');
      const row = w.page.locator('[data-testid="run-list-item-s1"]');
      await row.locator('[data-testid="pinned-lr"]').waitFor();
      expect(await row.locator('[data-testid="pinned-lr"]').textContent()).toBe('lr=0.1');
      expect(await row.locator('[data-testid="pinned-optimizer.name"]').textContent()).toBe('name=adam');
      // The list asks for config only now that columns are shown.
      const lists = w.requests.slice(before).filter((u) => u.includes('/api/projects/sweep/runs?'));
      expect(
        lists.some((u) => (new URL(u).searchParams.get('fields') ?? '').split(',').includes('config')),
      ).toBe(true);
      await expect
        .poll(() => projectLayout(w.page, 'sweep'))
        .toMatchObject({
          pinnedConfigKeys: ['lr', 'optimizer.name'],
          sidebarWidth: 480,
        });
      const width = await w.page.$eval(
        '[data-testid="run-sidebar"]',
        (el) => el.getBoundingClientRect().width,
      );
      expect(Math.round(width)).toBe(480);
      await screenshot(w.page, 'project-pinned-columns-light');
      expect(w.errors).toEqual([]);
    });
  });

  it('a colour picked for a run is saved in customRunColors and drawn after a reload', async () => {
    await withPage(served.browser, {}, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/sweep?runs=all-matching`);
      await waitForChart(cardByTitle(w.page, 'loss'), 6 * 200);
      const before = await legendColors(w.page, 'loss');
      expect(before).not.toContain('#ff0000');
      await w.page.locator('[data-testid="run-list-item-s3"] input[type="color"]').fill('#ff0000');
      await expect
        .poll(
          async () => ((await projectLayout(w.page, 'sweep'))?.customRunColors as Record<string, string>)?.s3,
        )
        .toBe('#ff0000');
      await expect.poll(() => legendColors(w.page, 'loss')).toContain('#ff0000');
      await w.page.reload();
      await waitForChart(cardByTitle(w.page, 'loss'), 6 * 200);
      expect(await legendColors(w.page, 'loss')).toContain('#ff0000');
      const dot = await w.page.$eval(
        '[data-testid="run-list-item-s3"] .dot',
        (el) => getComputedStyle(el).backgroundColor,
      );
      expect(dot).toBe('rgb(255, 0, 0)');
      expect(w.errors).toEqual([]);
    });
  });

  it('the colour-blind-safe palette is chosen in the header, stored as kobo-palette, and kept at 3:1', async () => {
    await withPage(served.browser, {}, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/sweep?runs=all-matching`);
      await waitForChart(cardByTitle(w.page, 'acc'), 6 * 200);
      const before = await legendColors(w.page, 'acc');
      await w.page.click('[data-testid="display-settings-button"]');
      await w.page.selectOption('[data-testid="palette-select"]', 'cb-safe');
      await w.page.keyboard.press('Escape');
      expect(await w.page.evaluate(() => localStorage.getItem('kobo-palette'))).toBe('cb-safe');
      await expect.poll(() => legendColors(w.page, 'acc')).not.toEqual(before);
      const after = await legendColors(w.page, 'acc');
      expect(new Set(after).size).toBe(SWEEP.length);
      for (const c of after) expect(contrast(c, '#ffffff')).toBeGreaterThanOrEqual(2.99);
      await screenshot(w.page, 'project-cb-safe-light');
      // The run page follows the same palette.
      await w.page.goto(`${served.viewer.url}/projects/sweep/s1`);
      await w.page.waitForSelector('[data-testid="page-run"]');
      expect(await w.page.evaluate(() => localStorage.getItem('kobo-palette'))).toBe('cb-safe');
      expect(w.errors).toEqual([]);
    });
  });

  it('migrates a v2 layout: visible = all but hidden, capped to 200 with a notice, then saved as v3', async () => {
    await withPage(served.browser, {}, async (w) => {
      const v2 = {
        tabs: [
          {
            name: 'Metrics',
            cards: [
              {
                id: 'card-1',
                config: {
                  type: 'line',
                  title: 'm0',
                  widthPercent: 33,
                  height: 400,
                  xMetric: 'step',
                  yMetrics: ['m0'],
                  smoothingMode: 'disabled',
                  smoothingValue: 0.9,
                  downsampleRate: -1,
                  showOriginal: true,
                  lineWidth: 1.5,
                  showMarkers: false,
                  xRange: { auto: true, min: null, max: null },
                  yRange: { auto: true, min: null, max: null },
                },
                defaultMetrics: ['m0'],
              },
              {
                id: 'card-2',
                config: {
                  type: 'media',
                  title: 'samples',
                  widthPercent: 33,
                  height: 400,
                  mediaName: 'samples',
                },
              },
            ],
          },
        ],
        activeTab: 'Metrics',
        nextCardId: 3,
        tabSettings: {
          Metrics: {
            xAxis: 'step',
            smoothing: 'disabled',
            smoothingValue: 0.9,
            histogramMode: 'flow',
            downsampleRate: -1,
          },
        },
        customRunColors: { b000: '#123456' },
        sidebarWidth: 320,
        hiddenRunIds: ['b001', 'b002'],
        removedMetrics: ['m4'],
      };
      await w.context.addInitScript((layout) => {
        // Seeded once, as if the original UI had saved it.
        if (sessionStorage.getItem('seeded')) return;
        sessionStorage.setItem('seeded', '1');
        localStorage.setItem('project-dashboard-layout-big', JSON.stringify(layout));
      }, v2);
      await w.page.goto(`${served.viewer.url}/projects/big`);
      await w.page.waitForSelector('[data-testid="layout-notice"]');
      expect(await w.page.textContent('[data-testid="layout-notice"]')).toContain(
        `showed ${BIG_RUNS - 2} runs; the 200 most recently updated are shown`,
      );
      expect(await w.page.textContent('[data-testid="comparing-count"]')).toContain('Comparing 200 runs');
      // Only line cards are kept, and the removed metric gets no default card.
      await w.page.waitForSelector('[data-testid="card-card-1"]');
      expect(await w.page.locator('[data-testid="card-grid"] [data-card-type="media"]').count()).toBe(0);
      expect(await cardByTitle(w.page, 'm4').count()).toBe(0);
      // Nothing is written until the user changes something; a change writes v3.
      const untouched = await projectLayout(w.page, 'big');
      expect(untouched?.schemaVersion).toBeUndefined();
      await w.page.click('[data-testid="hide-all"]');
      // The most recently updated run is at the top of the list.
      await w.page.click(`[data-testid="run-visibility-${bigId(BIG_RUNS - 1)}"]`);
      await expect.poll(async () => (await projectLayout(w.page, 'big'))?.schemaVersion).toBe(3);
      const saved = (await projectLayout(w.page, 'big')) ?? {};
      expect(saved.visibleRunIds).toEqual([bigId(BIG_RUNS - 1)]);
      // For the original UI, hiddenRunIds lists every other run (the project has ≤ 1,000 runs).
      expect((saved.hiddenRunIds as string[]).length).toBe(BIG_RUNS - 1);
      expect(saved.customRunColors).toEqual({ b000: '#123456' });
      expect(saved.sidebarWidth).toBe(320);
      const cards = (saved.tabs as Array<{ cards: Array<{ config: { type: string } }> }>)[0].cards;
      expect(cards.every((c) => c.config.type === 'line')).toBe(true);
      expect(w.errors).toEqual([]);
    });
  });

  it('a chart draws at most 1,000 series, requests only those, and says so', async () => {
    await withPage(served.browser, {}, async (w) => {
      const bodies: Array<{ run_ids: string[]; metrics: string[] }> = [];
      w.page.on('request', (r) => {
        if (r.url().includes('/runs/batch/scalars')) bodies.push(JSON.parse(r.postData() ?? '{}'));
      });
      await w.page.goto(`${served.viewer.url}/projects/big?runs=all-matching`);
      await w.page.waitForSelector('[data-testid="many-runs-warning"]');
      expect(await w.page.textContent('[data-testid="comparing-count"]')).toContain(
        `Comparing ${BIG_RUNS} runs`,
      );
      await w.page.click('[data-testid="add-chart-button"]');
      const picker = w.page.locator('[data-testid="add-chart-names"]');
      for (const m of BIG_METRICS)
        await picker.locator('label', { hasText: new RegExp(`^\\s*${m}\\s*$`) }).click();
      await w.page.click('[data-testid="add-chart-submit"]');
      const card = cardByTitle(w.page, BIG_METRICS.join(', '));
      await card.scrollIntoViewIfNeeded();
      await card.locator('[data-testid="series-cap-notice"]').waitFor();
      expect(await card.locator('[data-testid="series-cap-notice"]').textContent()).toMatch(
        /first 1,000 of 1,025 series/,
      );
      await expect
        .poll(() => card.locator('[data-testid^="chart-canvas-"]').getAttribute('data-series'), {
          timeout: 30_000,
        })
        .toBe('1000');
      // The card's requests name only the first 200 runs in list order.
      const cardBodies = bodies.filter((b) => b.metrics?.length === BIG_METRICS.length);
      const runs = new Set(cardBodies.flatMap((b) => b.run_ids));
      expect(runs.size).toBe(200);
      // Chunks of 50 runs, asked once (twice at most, should the plot width settle late): chunks that
      // arrive do not restart the load.
      expect(cardBodies.length).toBeLessThanOrEqual(8);
      await screenshot(w.page, 'project-series-cap-light');
      expect(w.errors).toEqual([]);
    });
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`at mobile width the run list is a drawer opened from the header (${theme})`, async () => {
      await withPage(served.browser, { theme, width: 390, height: 844 }, async (w) => {
        await w.page.goto(`${served.viewer.url}/projects/sweep?runs=all-matching`);
        await w.page.waitForSelector('[data-testid="comparing-count"]');
        await waitForChart(cardByTitle(w.page, 'acc'), 6 * 200);
        expect(await w.page.isVisible('[data-testid="run-sidebar"]')).toBe(false);
        // Cards take the full width in one column.
        const widths = await w.page.$$eval('[data-testid="card-grid"] > section', (els) =>
          els.map((e) => Math.round(e.getBoundingClientRect().width)),
        );
        const grid = await w.page.$eval('[data-testid="card-grid"]', (e) =>
          Math.round(e.getBoundingClientRect().width),
        );
        expect(widths.length).toBeGreaterThan(0);
        for (const wd of widths) expect(Math.abs(wd - grid)).toBeLessThanOrEqual(2);
        await screenshot(w.page, `mobile-project-${theme}`);

        await w.page.click('[data-testid="drawer-toggle"]');
        await w.page.waitForSelector('[data-testid="run-sidebar"]', { state: 'visible' });
        const box = await w.page.$eval('[data-testid="run-sidebar"]', (e) => {
          const r = e.getBoundingClientRect();
          return { left: r.left, right: r.right };
        });
        expect(box.left).toBe(0);
        expect(box.right).toBeLessThanOrEqual(390);
        await w.page.waitForSelector('[data-testid="run-list-item-s1"]', { state: 'visible' });
        await screenshot(w.page, `mobile-project-drawer-${theme}`);
        // The backdrop closes it.
        await w.page.mouse.click(380, 400);
        await w.page.waitForSelector('[data-testid="run-sidebar"]', { state: 'hidden' });
        expect(w.errors).toEqual([]);
      });
    });
  }
});
