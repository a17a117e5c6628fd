/**
 * Every page on the Python fixture runs, in light and dark: it loads with no console errors, and a
 * screenshot of it is saved under test-output/screenshots/ (named page-theme).
 */
import { describe, expect, it } from 'vitest';
import { inkedPixels, screenshot, withPage } from './helpers/browser';
import { serveForSuite } from './helpers/suite';

const PAGES: Array<[name: string, path: string, ready: string]> = [
  ['dashboard', '/', '[data-testid="project-card-vision"]'],
  ['projects', '/projects', '[data-testid="project-card-nlp"]'],
  ['project-vision', '/projects/vision', '[data-testid="run-list-item-lka9"]'],
  ['project-nlp', '/projects/nlp', '[data-testid="run-list-item-qggl"]'],
  ['run-line', '/projects/vision/lka9', '[data-testid^="chart-canvas-"] canvas'],
  ['run-media', '/projects/vision/u6pw?tab=Metrics', '[data-testid="media-image"]'],
  ['run-histograms', '/projects/vision/u6pw?tab=activations', '[data-testid^="histogram-bars-"] canvas'],
  ['run-gradients', '/projects/vision/u6pw?tab=gradients', '[data-testid^="histogram-flow-"] canvas'],
  ['run-params', '/projects/vision/u6pw?tab=params', '[data-testid^="kde-overlay-"] canvas'],
  ['run-config', '/projects/nlp/qggl?panel=config', '[data-testid="config-tree"]'],
  ['run-logs', '/projects/nlp/qggl?panel=logs', '[data-testid="log-viewer-content"] .line'],
  ['run-legacy', '/projects/default/20251105', '[data-testid="run-header-name"]'],
  ['compare', '/compare/vision?runs=lka9,u6pw', '[data-testid="config-diff"]'],
  ['docs', '/docs', '[data-testid="doc-card-api"]'],
  ['doc-getting-started', '/docs/getting-started', '[data-testid="page-doc"] article'],
  ['not-found', '/no/such/page/here', '[data-testid="not-found"]'],
  ['run-not-found', '/projects/vision/zzzz', '[data-testid="not-found"]'],
];

/** Lets lazy charts and images settle before a screenshot. */
async function settle(page: import('playwright-core').Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(400);
}

describe('pages on the fixture runs', () => {
  const served = serveForSuite({
    fixtures: true,
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`every page loads with no console errors (${theme})`, async () => {
      await withPage(served.browser, { theme }, async (w) => {
        const perPage: Record<string, string[]> = {};
        for (const [name, path, ready] of PAGES) {
          w.errors.length = 0;
          await w.page.goto(served.viewer.url + path);
          await w.page.waitForSelector(ready, { timeout: 20_000 });
          await settle(w.page);
          const dark = await w.page.evaluate(() => document.documentElement.classList.contains('dark'));
          expect(dark, `${name} theme`).toBe(theme === 'dark');
          await screenshot(w.page, `${name}-${theme}`);
          // The unknown-run page is built on the API's 404, which the browser reports on the console.
          const errors =
            name === 'run-not-found' ? w.errors.filter((e) => !e.includes('404')) : [...w.errors];
          if (errors.length) perPage[name] = errors;
        }
        expect(perPage).toEqual({});
      });
    });
  }

  for (const theme of ['light', 'dark'] as const) {
    it(`mobile width (390 px): one column of full-width cards, nothing wider than the screen (${theme})`, async () => {
      await withPage(served.browser, { theme, width: 390, height: 844 }, async (w) => {
        for (const [name, path, ready] of [
          ['dashboard', '/', '[data-testid="project-card-vision"]'],
          ['run', '/projects/vision/lka9', '[data-testid^="chart-canvas-"] canvas'],
          ['run-media', '/projects/vision/u6pw?tab=Metrics', '[data-testid="card-grid"] section'],
          ['project', '/projects/vision', '[data-testid="comparing-count"]'],
        ] as const) {
          await w.page.goto(served.viewer.url + path);
          await w.page.waitForSelector(ready, { timeout: 20_000 });
          await settle(w.page);
          const overflow = await w.page.evaluate(() => document.documentElement.scrollWidth);
          expect(overflow, `${name} scroll width`).toBeLessThanOrEqual(390);
          const grid = await w.page.$('[data-testid="card-grid"]');
          if (grid) {
            const gw = await grid.evaluate((e) => e.getBoundingClientRect().width);
            const widths = await grid.$$eval(':scope > section', (els) =>
              els.map((e) => e.getBoundingClientRect().width),
            );
            for (const cw of widths) expect(Math.abs(cw - gw)).toBeLessThanOrEqual(2);
          }
          await screenshot(w.page, `mobile-${name}-${theme}`);
        }
        expect(w.errors).toEqual([]);
      });
    });
  }

  it('the line chart of a run draws its data on the canvas', async () => {
    await withPage(served.browser, {}, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/vision/lka9`);
      await w.page.waitForSelector('[data-testid^="chart-canvas-"] canvas');
      await w.page.waitForFunction(() => performance.getEntriesByName('kobo:first-chart').length > 0);
      expect(await inkedPixels(w.page, '[data-testid^="chart-canvas-"]')).toBeGreaterThan(500);
      // The request was sized to the plot: points given, far below the 40,962 rows of the series.
      const scalarRequests = w.requests.filter((u) => u.includes('/scalars/train/loss'));
      expect(scalarRequests.length).toBeGreaterThan(0);
      const points = Number(new URL(scalarRequests[0]).searchParams.get('points'));
      expect(points).toBeGreaterThanOrEqual(256);
      expect(points).toBeLessThanOrEqual(8000);
      expect(w.errors).toEqual([]);
    });
  });
});

describe('first-run empty state', () => {
  const empty = serveForSuite();

  it('shows how to log a first run when no run exists', async () => {
    for (const theme of ['light', 'dark'] as const) {
      await withPage(empty.browser, { theme }, async (w) => {
        await w.page.goto(`${empty.viewer.url}/`);
        await w.page.waitForSelector('[data-testid="empty-state"]');
        const snippet = await w.page.textContent('[data-testid="first-run-snippet"]');
        expect(snippet).toContain("import { Board } from 'kohakuboard'");
        expect(await w.page.textContent('[data-testid="data-dir"]')).toContain(empty.dataDir);
        await screenshot(w.page, `empty-state-${theme}`);
        expect(w.errors).toEqual([]);
      });
    }
  });
});
