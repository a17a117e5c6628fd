/**
 * Docs (docs/ui.md#docs-pages): code highlighted by highlight.js, diagram blocks drawn by mermaid with pan
 * and zoom, and the diagram code loaded only on a page that has a diagram.
 */
import { describe, expect, it } from 'vitest';
import { screenshot, withPage } from './helpers/browser';
import { serveForSuite } from './helpers/suite';

describe('docs pages', () => {
  const served = serveForSuite();

  it('highlights code, and loads no diagram code on a page without diagrams', async () => {
    await withPage(served.browser, {}, async (w) => {
      const scripts: string[] = [];
      w.page.on('request', (r) => {
        if (r.resourceType() === 'script') scripts.push(r.url());
      });
      await w.page.goto(`${served.viewer.url}/docs/getting-started`);
      await w.page.waitForSelector('[data-testid="page-doc"] article pre code');
      const tokens = await w.page.$$eval('[data-testid="page-doc"] pre code [class^="hljs-"]', (els) =>
        els.map((e) => e.className),
      );
      expect(tokens).toContain('hljs-keyword');
      expect(tokens).toContain('hljs-string');
      await w.page.waitForLoadState('networkidle');
      expect(scripts.some((u) => /\/assets\/(diagrams|mermaid)/.test(u))).toBe(false);
      await screenshot(w.page, 'docs-highlight-light');
      expect(w.errors).toEqual([]);
    });
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`draws diagram blocks with mermaid, with pan and zoom (${theme})`, async () => {
      await withPage(served.browser, { theme }, async (w) => {
        const scripts: string[] = [];
        w.page.on('request', (r) => {
          if (r.resourceType() === 'script') scripts.push(r.url());
        });
        await w.page.goto(`${served.viewer.url}/docs/architecture`);
        const diagram = w.page.locator('[data-testid="diagram"]');
        await diagram.locator('svg').waitFor({ timeout: 30_000 });
        expect(scripts.some((u) => /\/assets\/diagrams-/.test(u))).toBe(true);
        // The source is replaced by the drawing: its boxes carry the block's labels.
        const labels = await diagram.locator('svg').textContent();
        expect(labels).toContain('worker thread');
        expect(await w.page.isVisible('.diagram-source')).toBe(false);
        const stage = diagram.locator('.diagram-stage');
        // The zoom animates: read the scale once it has settled.
        const scaleOf = async () => {
          const read = () => stage.evaluate((el) => new DOMMatrixReadOnly(getComputedStyle(el).transform).a);
          let last = await read();
          for (;;) {
            await new Promise((r) => setTimeout(r, 150));
            const now = await read();
            if (now === last) return now;
            last = now;
          }
        };
        expect(await scaleOf()).toBe(1);
        await diagram.locator('button[aria-label="Zoom in"]').click();
        await expect.poll(scaleOf).toBeGreaterThan(1);
        // Ctrl + wheel zooms too; a plain wheel leaves the zoom alone (it scrolls the page).
        const zoomed = await scaleOf();
        const box = await stage.boundingBox();
        if (!box) throw new Error('no diagram');
        await w.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        await w.page.keyboard.down('Control');
        await w.page.mouse.wheel(0, -100);
        await w.page.keyboard.up('Control');
        await expect.poll(scaleOf).toBeGreaterThan(zoomed);
        const wheeled = await scaleOf();
        await w.page.mouse.wheel(0, 100);
        expect(await scaleOf()).toBe(wheeled);
        await w.page.evaluate(() => window.scrollTo(0, 0));
        // Drag pans.
        const panOf = () => stage.evaluate((el) => new DOMMatrixReadOnly(getComputedStyle(el).transform).e);
        const x0 = await panOf();
        const b = await stage.boundingBox();
        if (!b) throw new Error('no diagram');
        await w.page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
        await w.page.mouse.down();
        await w.page.mouse.move(b.x + b.width / 2 + 60, b.y + b.height / 2, { steps: 5 });
        await w.page.mouse.up();
        expect(await panOf()).not.toBe(x0);
        await diagram.locator('button[aria-label="Reset zoom"]').click();
        await expect.poll(scaleOf).toBe(1);
        await screenshot(w.page, `docs-diagram-${theme}`);
        expect(w.errors).toEqual([]);
      });
    });
  }
});
