/**
 * A run of 10,000 metrics (docs/ui.md#virtualization): the run page mounts only the cards near the screen, requests
 * the series of those alone, narrows the list with the chart finder, and loads more cards as the page
 * scrolls. Screenshots: test-output/screenshots/many-metrics-*.png.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshot, type WatchedPage, withPage } from './helpers/browser';
import { cardByTitle, waitForChart } from './helpers/chart';
import { serveForSuite } from './helpers/suite';
import { type WideRun, writeWideRun } from './helpers/wide-run';

const COUNT = 10_000;
const name = (i: number) => `layers/m${String(i).padStart(5, '0')}`;

let wide: WideRun | null = null;
const served = serveForSuite({
  fill: async (dir) => {
    wide = await writeWideRun(dir, { project: 'wide', runId: 'w10k', count: COUNT, name, steps: 30 });
  },
  setupTimeoutMs: 240_000,
});

/** The metrics whose series were requested (`GET …/scalars/{metric}`), each once. */
function scalarMetrics(w: WatchedPage): Set<string> {
  const out = new Set<string>();
  for (const url of w.requests) {
    const m = /\/runs\/w10k\/scalars\/([^?]+)/.exec(url);
    if (m) out.add(decodeURIComponent(m[1]));
  }
  return out;
}

async function gridCounts(page: Page): Promise<{ cards: number; mounted: number }> {
  const grid = page.locator('[data-testid="card-grid"]');
  return {
    cards: Number(await grid.getAttribute('data-cards')),
    mounted: await grid.locator(':scope > section').count(),
  };
}

/** Titles of the cards mounted in the grid, in order. */
async function mountedTitles(page: Page): Promise<string[]> {
  return page.$$eval('[data-testid="card-grid"] > section h3.title', (els) =>
    els.map((e) => e.textContent?.trim() ?? ''),
  );
}

async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(500);
}

describe('a run of 10,000 metrics', () => {
  it('mounts and fetches only the cards near the screen, finds charts by name, and loads more on scroll', async () => {
    if (!wide) throw new Error('the run was not written');
    const run = wide;
    for (const theme of ['light', 'dark'] as const) {
      await withPage(served.browser, { theme }, async (w) => {
        await w.page.goto(`${served.viewer.url}/projects/wide/w10k`);
        const first = cardByTitle(w.page, name(0));
        await waitForChart(first, run.steps);
        await settle(w.page);

        // Every card is in the list; only those of the rows near the screen are in the page.
        const loaded = await gridCounts(w.page);
        expect(loaded.cards).toBe(COUNT);
        expect(loaded.mounted).toBeGreaterThanOrEqual(3);
        expect(loaded.mounted).toBeLessThanOrEqual(60);
        // No series is requested for a card that is not mounted.
        const requested = scalarMetrics(w);
        const mounted = new Set(await mountedTitles(w.page));
        expect(requested.size).toBeGreaterThan(0);
        expect(requested.size).toBeLessThanOrEqual(loaded.mounted);
        for (const m of requested) expect(mounted.has(m), `${m} was requested`).toBe(true);
        expect(await w.page.locator('[data-testid="page-run"]').count()).toBe(1);
        await screenshot(w.page, `many-metrics-top-${theme}`);

        // The finder narrows the tab to the matching charts, which draw their (copied) data.
        await w.page.fill('[data-testid="card-finder"]', 'm0999');
        await w.page.waitForFunction(
          () => document.querySelector('[data-testid="card-grid"]')?.getAttribute('data-cards') === '10',
        );
        expect(await w.page.textContent('[data-testid="card-finder-count"]')).toContain(
          '10 of 10,000 charts',
        );
        const found = await mountedTitles(w.page);
        expect(found).toEqual(Array.from({ length: 10 }, (_, k) => name(9990 + k)));
        const last = cardByTitle(w.page, name(9999));
        await last.scrollIntoViewIfNeeded();
        await waitForChart(last, run.steps);
        await screenshot(w.page, `many-metrics-search-${theme}`);

        // Cleared, the list is whole again; scrolling far down mounts and fetches other cards, and
        // the number mounted stays bounded.
        await w.page.fill('[data-testid="card-finder"]', '');
        await w.page.waitForFunction(
          () => document.querySelector('[data-testid="card-grid"]')?.getAttribute('data-cards') === '10000',
        );
        await w.page.evaluate(() => window.scrollTo(0, 0));
        await settle(w.page);
        const before = scalarMetrics(w).size;
        await w.page.evaluate(() => window.scrollBy(0, 20 * 412));
        await w.page.waitForFunction(() =>
          [...document.querySelectorAll('[data-testid="card-grid"] > section h3.title')].some(
            (h) => Number(h.textContent?.replace(/\D/g, '')) >= 60,
          ),
        );
        await settle(w.page);
        const after = scalarMetrics(w);
        expect(after.size).toBeGreaterThan(before);
        const scrolled = await gridCounts(w.page);
        expect(scrolled.mounted).toBeLessThanOrEqual(60);
        const titles = await mountedTitles(w.page);
        expect(titles).not.toContain(name(0));
        const deep = cardByTitle(w.page, titles[Math.floor(titles.length / 2)]);
        await waitForChart(deep, run.steps);
        await screenshot(w.page, `many-metrics-scrolled-${theme}`);
        // Still no request for a card that was never near the screen.
        expect(after.has(name(5000))).toBe(false);
        expect(after.size).toBeLessThan(200);
        expect(w.errors).toEqual([]);
      });
    }
  });
});
