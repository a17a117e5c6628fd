/**
 * Media, table and histogram cards on the Python fixture run u6pw: the grid shows images, the audio
 * and video elements load, the table shows its embedded images, and every histogram view draws.
 */
import { describe, expect, it } from 'vitest';
import { inkedPixels, screenshot, withPage } from './helpers/browser';
import { cardByTitle } from './helpers/chart';
import { serveForSuite } from './helpers/suite';

describe('media, table and histogram cards', () => {
  const served = serveForSuite({
    fixtures: true,
  });

  it('media: a grid of images, and audio and video elements that load', async () => {
    await withPage(served.browser, {}, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/vision/u6pw?tab=Metrics`);
      await w.page.waitForSelector('[data-testid="media-image"]');
      // Audio: the element loads its metadata from the Range-capable media route.
      const audio = '[data-testid="media-audio"]';
      await w.page.waitForSelector(audio);
      await w.page.waitForFunction((s) => {
        const el = document.querySelector(s) as HTMLMediaElement | null;
        return !!el && (el.readyState >= 1 || el.error !== null);
      }, audio);
      const a = await w.page.$eval(audio, (el) => ({
        ready: (el as HTMLMediaElement).readyState,
        error: (el as HTMLMediaElement).error,
      }));
      expect(a.error).toBeNull();
      expect(a.ready).toBeGreaterThanOrEqual(1);
      // Video: a player with controls whose source answers byte-range requests, as seeking needs.
      // (The fixture's video bytes are a stub container, so no browser can decode its frames.)
      const video = '[data-testid="media-video"]';
      await w.page.waitForSelector(video);
      const v = await w.page.$eval(video, async (el) => {
        const media = el as HTMLVideoElement;
        const res = await fetch(media.currentSrc || media.src, { headers: { Range: 'bytes=0-15' } });
        return {
          controls: media.controls,
          preload: media.preload,
          status: res.status,
          type: res.headers.get('content-type'),
        };
      });
      expect(v).toEqual({ controls: true, preload: 'metadata', status: 206, type: 'video/mp4' });
      // Switch the image card to the grid: its cells are images that decoded.
      const card = cardByTitle(w.page, 'sample');
      await card.locator('[data-testid="media-grid-toggle"]').click();
      await card.locator('[data-testid="media-grid"] img').first().waitFor();
      await w.page.waitForFunction(() =>
        Array.from(document.querySelectorAll('[data-testid="media-grid"] img')).some(
          (i) => (i as HTMLImageElement).naturalWidth > 0,
        ),
      );
      const decoded = await w.page.$$eval(
        '[data-testid="media-grid"] img',
        (imgs) =>
          imgs.filter((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0)
            .length,
      );
      expect(decoded).toBeGreaterThan(0);
      // The lightbox opens on a cell and closes with Esc.
      await card.locator('[data-testid="media-grid"] button').first().click();
      await w.page.waitForSelector('[data-testid="lightbox"] img');
      await screenshot(w.page, 'lightbox-light');
      await w.page.keyboard.press('Escape');
      await w.page.waitForSelector('[data-testid="lightbox"]', { state: 'detached' });
      await screenshot(w.page, 'run-media-grid-light');
      expect(w.errors).toEqual([]);
    });
  });

  it('table: embedded images are shown', async () => {
    await withPage(served.browser, {}, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/vision/u6pw?tab=Metrics`);
      const table = w.page.locator('[data-card-type="table"]').first();
      await table.scrollIntoViewIfNeeded();
      await w.page.waitForSelector('[data-testid="table-image"]');
      await w.page.waitForFunction(() =>
        Array.from(document.querySelectorAll('[data-testid="table-image"]')).some(
          (i) => (i as HTMLImageElement).naturalWidth > 0,
        ),
      );
      const src = await w.page.getAttribute('[data-testid="table-image"]', 'src');
      expect(src).toMatch(/\/media\/(files|by-id)\//);
      expect(w.requests.some((u) => u.includes('/tables/') && u.includes('resolve_media=true'))).toBe(true);
      await screenshot(w.page, 'run-table-light');
      expect(w.errors).toEqual([]);
    });
  });

  it('histogram: per-step bars, flow heatmap and 3-D surface all draw', async () => {
    await withPage(served.browser, { theme: 'dark' }, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/vision/u6pw?tab=activations`);
      const card = w.page.locator('[data-card-type="histogram"]').first();
      await card.locator('[data-testid^="histogram-bars-"] canvas').waitFor();
      await w.page.waitForTimeout(200);
      expect(await inkedPixels(w.page, '[data-testid^="histogram-bars-"]')).toBeGreaterThan(200);

      await card.locator('[data-testid="hist-mode-flow"]').click();
      await card.locator('[data-testid^="histogram-flow-"] canvas').waitFor();
      await w.page.waitForLoadState('networkidle');
      await w.page.waitForTimeout(200);
      expect(await inkedPixels(w.page, '[data-testid^="histogram-flow-"]')).toBeGreaterThan(1000);
      expect(w.requests.some((u) => u.includes('/surface?') && u.includes('target_rows='))).toBe(true);

      await card.locator('[data-testid="hist-mode-surface"]').click();
      await card.locator('[data-testid^="histogram-surface-"] canvas').waitFor();
      await w.page.waitForLoadState('networkidle');
      await w.page.waitForTimeout(300);
      expect(await inkedPixels(w.page, '[data-testid^="histogram-surface-"]')).toBeGreaterThan(1000);
      await screenshot(w.page, 'run-histogram-modes-dark');
      expect(w.errors).toEqual([]);
    });
  });
});
