/**
 * Chart behaviour on generated runs: smoothing and x-axis changes redraw, a zoom re-queries its
 * window, and a comparison gives every run one colour.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { canvasHash, inkedPixels, screenshot, withPage } from './helpers/browser';
import { TestRun } from './helpers/run-writer';
import { serveForSuite } from './helpers/suite';

const RUNS = ['alpha1', 'bravo2', 'charl3', 'delta4', 'echo55'];

async function firstChart(page: Page): Promise<string> {
  const sel = '[data-testid^="chart-canvas-"]';
  await page.waitForSelector(`${sel} canvas`);
  await page.waitForFunction(
    (s) => Number(document.querySelector(s)?.getAttribute('data-points') ?? 0) > 0,
    sel,
  );
  return sel;
}

async function applyTabSettings(page: Page, change: (p: Page) => Promise<void>): Promise<void> {
  await page.click('[data-testid="tab-settings-button"]');
  await page.waitForSelector('[data-testid="tab-settings"]');
  await change(page);
  await page.click('[data-testid="tab-settings-apply-all"]');
  await page.waitForSelector('[data-testid="tab-settings"]', { state: 'detached' });
}

describe('line charts on generated runs', () => {
  const served = serveForSuite({
    fill: async (dir) => {
      for (const [i, runId] of RUNS.entries()) {
        const run = await TestRun.create(dir, {
          project: 'sweep',
          runId,
          name: `run ${i + 1}`,
          config: { lr: 10 ** -(i + 2), depth: 4 + (i % 2) },
        });
        run.append(['loss', 'acc'], 3000, (m, s) => {
          if (m === 'loss' && s === 1500 + i) return Number.NaN;
          const base = m === 'loss' ? 2 * Math.exp(-s / (600 + 150 * i)) : 1 - Math.exp(-s / (800 + 100 * i));
          return base + 0.08 * Math.sin(s * 0.37 + i) * Math.cos(s * 0.011);
        });
        run.finish();
      }
    },
  });

  it('changing smoothing and the x axis redraws the chart', async () => {
    await withPage(served.browser, {}, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/sweep/alpha1`);
      const sel = await firstChart(w.page);
      expect(await inkedPixels(w.page, sel)).toBeGreaterThan(500);
      const before = await canvasHash(w.page, sel);

      await applyTabSettings(w.page, async (p) => {
        await p.selectOption('[data-testid="tab-settings-smoothing"]', 'ema');
        await p.fill('[data-testid="tab-settings-smoothing-value"]', '0.95');
      });
      await w.page.waitForFunction(
        ([s, h]) => {
          const c = document.querySelector(`${s} canvas`) as HTMLCanvasElement | null;
          if (!c) return false;
          const d = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
          if (!d) return false;
          let x = 2166136261;
          for (let i = 0; i < d.length; i += 4) {
            x ^= d[i] + d[i + 1] * 3 + d[i + 2] * 7;
            x = Math.imul(x, 16777619);
          }
          return `${c.width}x${c.height}:${x >>> 0}` !== h;
        },
        [sel, before] as const,
      );
      const smoothed = await canvasHash(w.page, sel);
      expect(smoothed).not.toBe(before);
      await screenshot(w.page, 'run-smoothing-light');

      await applyTabSettings(w.page, async (p) => {
        await p.selectOption('[data-testid="tab-settings-x-axis"]', 'relative_walltime');
      });
      await w.page.waitForTimeout(300);
      await w.page.waitForLoadState('networkidle');
      const relative = await canvasHash(w.page, sel);
      expect(relative).not.toBe(smoothed);
      // The relative-walltime axis is requested on the time axis (docs/api.md#downsampling).
      expect(w.requests.some((u) => u.includes('/scalars/') && u.includes('x=timestamp'))).toBe(true);
      expect(w.errors).toEqual([]);
    });
  });

  it('a zoom redraws at once and re-queries only its window', async () => {
    await withPage(served.browser, {}, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/sweep/bravo2`);
      const sel = await firstChart(w.page);
      await w.page.waitForLoadState('networkidle');
      const box = await w.page.$eval(`${sel} .u-over`, (el) => {
        const r = el.getBoundingClientRect();
        return { x: r.x, y: r.y, w: r.width, h: r.height };
      });
      const before = await canvasHash(w.page, sel);
      const count = w.requests.length;
      await w.page.mouse.move(box.x + box.w * 0.3, box.y + box.h / 2);
      await w.page.mouse.down();
      await w.page.mouse.move(box.x + box.w * 0.5, box.y + box.h / 2, { steps: 5 });
      await w.page.mouse.up();
      await w.page.waitForFunction(
        (n) =>
          performance.getEntriesByType('resource').filter((e) => e.name.includes('x_min=')).length > 0 ||
          n < 0,
        count,
      );
      const windowRequests = w.requests
        .slice(count)
        .filter((u) => u.includes('x_min=') && u.includes('x_max='));
      expect(windowRequests.length).toBeGreaterThan(0);
      expect(await canvasHash(w.page, sel)).not.toBe(before);
      expect(w.errors).toEqual([]);
    });
  });

  it('a comparison draws every run in its own colour, from one kbc batch request', async () => {
    for (const theme of ['light', 'dark'] as const) {
      await withPage(served.browser, { theme }, async (w) => {
        await w.page.goto(`${served.viewer.url}/projects/sweep?runs=all-matching`);
        await w.page.waitForSelector('[data-testid="comparing-count"]');
        await w.page.waitForFunction(
          () =>
            Number(
              document.querySelector('[data-testid^="chart-canvas-"]')?.getAttribute('data-series') ?? 0,
            ) >= 5,
        );
        await w.page.waitForLoadState('networkidle');
        expect(await w.page.textContent('[data-testid="comparing-count"]')).toContain('5 runs');
        const colours = await w.page.$$eval(
          '[data-testid^="card-"]:first-of-type [data-testid="legend-line"]',
          (els) => els.map((e) => e.getAttribute('data-color')),
        );
        expect(colours.length).toBe(RUNS.length);
        expect(new Set(colours).size).toBe(RUNS.length);
        expect(await inkedPixels(w.page, '[data-testid^="chart-canvas-"]')).toBeGreaterThan(1000);
        expect(w.requests.some((u) => u.includes('/runs/batch/scalars') && u.includes('format=kbc'))).toBe(
          true,
        );
        await screenshot(w.page, `project-compare-${theme}`);
        expect(w.errors).toEqual([]);
      });
    }
  });
});
