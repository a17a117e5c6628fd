/**
 * Line-chart interaction on generated runs: the crosshair and unified tooltip (docs/ui.md#chart-interaction),
 * hover sync keyed by tab and x-axis name (docs/ui.md#hover-sync), the keyboard cursor (docs/ui.md#keyboard),
 * the log-scale badge (docs/ui.md#scales), dash patterns (docs/ui.md#accessibility), the "Data" table, and
 * Export PNG / Copy image (docs/ui.md#export-png).
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { canvasHash, pixelsOfColor, screenshot, withPage } from './helpers/browser';
import { cardByTitle, fraction, hoverPlot, readTooltip, waitForChart, waitForTooltip } from './helpers/chart';
import { TestRun } from './helpers/run-writer';
import { serveForSuite } from './helpers/suite';

const MANY_RUNS = 12;

/** Opens a card's settings, lets `change` edit them, and saves. */
/** The odd01 run's charts once drawn: "weird" (NaN, ±Inf) and "neg", 20 points each on global steps. */
async function oddCharts(page: Page, url: string): Promise<{ weird: Locator; neg: Locator }> {
  await page.goto(`${url}/projects/charts/odd01`);
  const weird = cardByTitle(page, 'weird');
  const neg = cardByTitle(page, 'neg');
  await waitForChart(weird, 20);
  await waitForChart(neg, 20);
  return { weird, neg };
}

async function editCard(page: Page, card: Locator, change: (p: Page) => Promise<void>): Promise<void> {
  await card.hover();
  await card.locator('button[aria-label="Card settings"]').click();
  await page.waitForSelector('[data-testid="card-settings"]');
  await change(page);
  await page.click('[data-testid="card-settings-save"]');
  await page.waitForSelector('[data-testid="card-settings"]', { state: 'detached' });
}

/** Adds a line card of `metrics` with the Add Chart dialog and returns it, scrolled into view. */
async function addLineCard(page: Page, metrics: string[]): Promise<Locator> {
  await page.click('[data-testid="add-chart-button"]');
  const picker = page.locator('[data-testid="add-chart-names"]');
  for (const m of metrics) await picker.locator('label', { hasText: new RegExp(`^\\s*${m}\\s*$`) }).click();
  await page.click('[data-testid="add-chart-submit"]');
  const card = cardByTitle(page, metrics.join(', '));
  await card.scrollIntoViewIfNeeded();
  return card;
}

async function openCardMenu(card: Locator, item: string): Promise<void> {
  await card.hover();
  await card.locator('[data-testid="card-menu-button"]').click();
  await card.locator(`[data-testid="card-menu-${item}"]`).click();
}

describe('line chart interaction', () => {
  const served = serveForSuite({
    fill: async (dir) => {
      // tips01: "short" has steps 0–99, "long" 0–999 (global step = step / 4).
      const tips = await TestRun.create(dir, { project: 'charts', runId: 'tips01', name: 'tips' });
      tips.append(['short', 'long'], 100, (m, s) => (m === 'short' ? 10 + s * 0.01 : 5 + Math.sin(s / 30)));
      tips.append(['long'], 900, (_m, s) => 5 + Math.sin(s / 30));
      tips.finish();
      // odd01: 20 steps with global step = step; "weird" holds NaN, +Inf and −Inf; "neg" crosses zero.
      const odd = await TestRun.create(dir, { project: 'charts', runId: 'odd01', name: 'odd' });
      odd.append(
        ['weird', 'neg'],
        20,
        (m, s) => {
          if (m === 'neg') return s - 5;
          if (s === 10) return Number.NaN;
          if (s === 12) return Number.POSITIVE_INFINITY;
          if (s === 14) return Number.NEGATIVE_INFINITY;
          return 1 + s / 10;
        },
        50,
        (s) => s,
      );
      odd.finish();
      // lone01: "once" has a single point, as an eval metric after one epoch.
      const lone = await TestRun.create(dir, { project: 'charts', runId: 'lone01', name: 'lone' });
      lone.append(['once'], 1, () => 0.5);
      lone.finish();
      // many: 12 runs whose "loss" is ordered by run number.
      for (let r = 0; r < MANY_RUNS; r++) {
        const run = await TestRun.create(dir, {
          project: 'many',
          runId: `r${String(r).padStart(2, '0')}`,
          name: `run ${r}`,
        });
        run.append(
          ['loss'],
          50,
          (_m, s) => r + s * 0.001,
          50,
          (s) => s,
        );
        run.finish();
      }
    },
  });

  it('tooltip: nearest point per series, "—" beyond 2 % of the span, smoothed (original), crosshair', async () => {
    await withPage(served.browser, {}, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/charts/tips01`);
      await waitForChart(cardByTitle(w.page, 'long'));
      // A card with both metrics: "short" ends at global step 24, "long" runs to 249.
      const card = await addLineCard(w.page, ['long', 'short']);
      await waitForChart(card, 1100);

      await hoverPlot(w.page, card, fraction(200, 0, 249));
      const far = await waitForTooltip(card, (t) => t.rows.length === 2);
      expect(Number(far.x.replace(/,/g, ''))).toBeGreaterThan(190);
      expect(far.rows.map((r) => r.label)).toEqual(['long', 'short']);
      expect(far.rows[1].value).toBe('\u2014');
      expect(far.rows[0].value).toMatch(/^\d/);
      // The crosshair: a vertical and a horizontal spike line.
      const cross = await card.evaluate((el) =>
        ['.u-cursor-x', '.u-cursor-y'].map((s) => {
          const line = el.querySelector(s) as HTMLElement | null;
          return line ? getComputedStyle(line).display !== 'none' && line.style.transform !== '' : false;
        }),
      );
      expect(cross).toEqual([true, true]);

      await hoverPlot(w.page, card, fraction(10, 0, 249));
      const near = await waitForTooltip(card, (t) => t.rows.every((r) => r.value !== '\u2014'));
      // Sorted by value: "short" (≈ 10.4) above "long" (≈ 5–6).
      expect(near.rows.map((r) => r.label)).toEqual(['short', 'long']);

      await editCard(w.page, card, async (p) => {
        await p.selectOption('[data-testid="card-settings-smoothing"]', 'ema');
        await p.fill('[data-testid="card-settings-smoothing-value"]', '0.9');
      });
      await w.page.mouse.move(0, 0);
      await hoverPlot(w.page, card, fraction(150, 0, 249));
      const smoothed = await waitForTooltip(
        card,
        (t) => t.rows.length === 2 && t.rows[0].value.includes('('),
      );
      expect(smoothed.rows[0].value).toMatch(/^[-\d.e]+ \([-\d.e]+\)$/);
      await screenshot(w.page, 'chart-tooltip-smoothed-light');
      expect(w.errors).toEqual([]);
    });
  });

  it('tooltip: non-finite points read NaN, +Inf and −Inf', async () => {
    await withPage(served.browser, { theme: 'dark' }, async (w) => {
      const { weird: card } = await oddCharts(w.page, served.viewer.url);
      const seen: string[] = [];
      for (const step of [10, 12, 14, 3]) {
        await hoverPlot(w.page, card, fraction(step, 0, 19));
        const t = await waitForTooltip(card, (tt) => tt.x === String(step));
        seen.push(t.rows[0].value);
      }
      expect(seen).toEqual(['NaN', '+Inf', '\u2212Inf', '1.3']);
      await screenshot(w.page, 'chart-tooltip-nonfinite-dark');
      expect(w.errors).toEqual([]);
    });
  });

  it('project page tooltip: up to 10 series sorted by value, then "+N more"', async () => {
    await withPage(served.browser, {}, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/many?runs=all-matching`);
      const card = cardByTitle(w.page, 'loss');
      await waitForChart(card, MANY_RUNS * 50);
      await hoverPlot(w.page, card, fraction(25, 0, 49));
      const t = await waitForTooltip(card, (tt) => tt.rows.length > 0);
      expect(t.rows.length).toBe(10);
      expect(t.more).toBe(`+${MANY_RUNS - 10} more`);
      const values = t.rows.map((r) => Number(r.value));
      expect(values).toEqual([...values].sort((a, b) => b - a));
      // Run 11 has the largest loss and run 2 the tenth largest; runs 0 and 1 are the "+2 more".
      expect(t.rows[0].label).toContain('run 11');
      expect(t.rows[9].label).toContain('run 2');
      await screenshot(w.page, 'project-tooltip-more-light');
      expect(w.errors).toEqual([]);
    });
  });

  it('hover sync follows tab and x-axis name, can be turned off, and is remembered', async () => {
    await withPage(served.browser, {}, async (w) => {
      const { weird, neg } = await oddCharts(w.page, served.viewer.url);

      await hoverPlot(w.page, weird, fraction(7, 0, 19));
      const synced = await waitForTooltip(neg, (t) => t.x === '7');
      expect(synced.rows[0].value).toBe('2');
      // Leaving the chart releases the other one.
      await w.page.mouse.move(2, 2);
      await w.page.waitForFunction(
        (sel) => !document.querySelector(`${sel} [data-testid="chart-tooltip"]`),
        `[data-testid="${await neg.getAttribute('data-testid')}"]`,
      );

      // Same values, another x-axis name: no longer in the same sync group.
      await editCard(w.page, neg, async (p) => {
        await p.selectOption('[data-testid="card-settings-x"]', 'step');
      });
      await waitForChart(neg, 20);
      await hoverPlot(w.page, weird, fraction(7, 0, 19));
      await waitForTooltip(weird, (t) => t.x === '7');
      await w.page.waitForTimeout(300);
      expect(await readTooltip(neg)).toBeNull();
      await editCard(w.page, neg, async (p) => {
        await p.selectOption('[data-testid="card-settings-x"]', 'global_step');
      });
      await waitForChart(neg, 20);

      // One global switch, persisted as kobo-hover-sync.
      await w.page.click('[data-testid="hover-sync-toggle"]');
      expect(await w.page.evaluate(() => localStorage.getItem('kobo-hover-sync'))).toBe('false');
      await hoverPlot(w.page, weird, fraction(5, 0, 19));
      await waitForTooltip(weird, (t) => t.x === '5');
      await w.page.waitForTimeout(300);
      expect(await readTooltip(neg)).toBeNull();
      await w.page.reload();
      await w.page.waitForSelector('[data-testid="hover-sync-toggle"][aria-pressed="false"]');
      await w.page.click('[data-testid="hover-sync-toggle"]');
      expect(await w.page.evaluate(() => localStorage.getItem('kobo-hover-sync'))).toBe('true');
      expect(w.errors).toEqual([]);
    });
  });

  it('a series of a single point is drawn as a marker, which a line alone would not show', async () => {
    await withPage(served.browser, {}, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/charts/lone01`);
      const card = cardByTitle(w.page, 'once');
      await waitForChart(card, 1);
      const plot = `[data-testid="${await card.locator('[data-testid^="chart-canvas-"]').getAttribute('data-testid')}"]`;
      // The first palette colour, #3b82f6.
      await expect.poll(() => pixelsOfColor(w.page, plot, [59, 130, 246])).toBeGreaterThan(10);
      expect(w.errors).toEqual([]);
    });
  });

  it('keyboard: ←/→ move the cursor by one point; the tooltip and hover sync follow', async () => {
    await withPage(served.browser, {}, async (w) => {
      const { weird, neg } = await oddCharts(w.page, served.viewer.url);
      await weird.locator('[data-testid^="chart-canvas-"]').focus();
      await w.page.keyboard.press('ArrowRight');
      const start = Number((await waitForTooltip(weird)).x);
      const xs: number[] = [];
      for (const key of ['ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowLeft']) {
        await w.page.keyboard.press(key);
        const expected = String(start + xs.length + 1 - (key === 'ArrowLeft' ? 2 : 0));
        xs.push(Number((await waitForTooltip(weird, (t) => t.x === expected)).x));
      }
      expect(xs).toEqual([start + 1, start + 2, start + 3, start + 2]);
      // The synced chart shows the same point.
      const other = await waitForTooltip(neg, (t) => t.x === String(start + 2));
      expect(other.rows[0].value).toBe(String(start + 2 - 5));
      await screenshot(w.page, 'chart-keyboard-cursor-light');
      expect(w.errors).toEqual([]);
    });
  });

  it('log y scale hides points ≤ 0 with a badge; dash patterns are drawn and shown in the legend', async () => {
    await withPage(served.browser, {}, async (w) => {
      const { neg } = await oddCharts(w.page, served.viewer.url);
      expect(await neg.locator('.hidden-badge').count()).toBe(0);
      await editCard(w.page, neg, async (p) => {
        await p.selectOption('[data-testid="card-settings-y-scale"]', 'log');
      });
      // Values -5 … 0 (six points) cannot be drawn on a log axis.
      await expect.poll(() => neg.locator('.hidden-badge').textContent()).toBe('6 points ≤ 0 hidden');
      await screenshot(w.page, 'chart-log-badge-light');

      await w.page.goto(`${served.viewer.url}/projects/charts/tips01`);
      await waitForChart(cardByTitle(w.page, 'long'));
      const card = await addLineCard(w.page, ['long', 'short']);
      await waitForChart(card, 1100);
      const sel = `[data-testid="${await card.getAttribute('data-testid')}"] [data-testid^="chart-canvas-"]`;
      const solid = await canvasHash(w.page, sel);
      expect(
        await card
          .locator('[data-testid="legend-line"]')
          .evaluateAll((l) => l.map((e) => e.getAttribute('data-dash'))),
      ).toEqual(['', '']);
      await editCard(w.page, card, async (p) => {
        await p.check('text=Distinguish series by dash pattern');
      });
      await expect
        .poll(() =>
          card
            .locator('[data-testid="legend-line"]')
            .evaluateAll((l) => l.map((e) => e.getAttribute('data-dash'))),
        )
        .toEqual(['', '8,4']);
      expect(
        await card.locator('[data-testid="legend-line"] line').nth(1).getAttribute('stroke-dasharray'),
      ).toBeTruthy();
      await expect.poll(() => canvasHash(w.page, sel)).not.toBe(solid);
      // Saved in the card config (saves are debounced).
      await expect
        .poll(() => w.page.evaluate(() => localStorage.getItem('run-layout-charts-tips01')))
        .toContain('"dashPatterns":true');
      await screenshot(w.page, 'chart-dash-patterns-light');
      expect(w.errors).toEqual([]);
    });
  });

  it('the "Data" toggle shows the loaded points as a table', async () => {
    await withPage(served.browser, {}, async (w) => {
      const { weird: card } = await oddCharts(w.page, served.viewer.url);
      await openCardMenu(card, 'toggle-data');
      const table = card.locator('[data-testid="card-data-table"]');
      await table.waitFor();
      expect(await card.locator('[data-testid^="chart-canvas-"]').count()).toBe(0);
      const rows = await table
        .locator('tbody tr')
        .evaluateAll((trs) =>
          trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent?.trim())),
        );
      expect(rows.length).toBe(20);
      expect(rows[10]).toEqual(['10', 'NaN']);
      expect(rows[12]).toEqual(['12', '+Inf']);
      expect(rows[14]).toEqual(['14', '\u2212Inf']);
      expect(rows[3]).toEqual(['3', '1.3']);
      await screenshot(w.page, 'chart-data-table-light');
      await openCardMenu(card, 'toggle-data');
      await card.locator('[data-testid^="chart-canvas-"] canvas').first().waitFor();
      expect(w.errors).toEqual([]);
    });
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`Export PNG re-renders at 1200 CSS px and DPR 2 in the ${theme} theme; Copy image copies it`, async () => {
      await withPage(served.browser, { theme }, async (w) => {
        await w.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
          origin: served.viewer.url,
        });
        const { weird: card } = await oddCharts(w.page, served.viewer.url);
        await card.hover();
        const [download] = await Promise.all([
          w.page.waitForEvent('download'),
          card.locator('button[aria-label="Export PNG"]').click(),
        ]);
        expect(download.suggestedFilename()).toBe('weird.png');
        const path = await download.path();
        const { readFileSync } = await import('node:fs');
        const png = readFileSync(path);
        // IHDR: width and height, big-endian, at bytes 16 and 20.
        const width = png.readUInt32BE(16);
        const height = png.readUInt32BE(20);
        expect(width).toBe(2400);
        expect(height).toBeGreaterThan(600);
        // Drawn on the current theme's chart background.
        const probe = await w.page.evaluate(async (b64) => {
          const img = await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
          const c = document.createElement('canvas');
          c.width = img.width;
          c.height = img.height;
          const ctx = c.getContext('2d');
          if (!ctx) return null;
          ctx.drawImage(img, 0, 0);
          const px = ctx.getImageData(4, 4, 1, 1).data;
          // The canvas normalizes any CSS colour to #rrggbb.
          ctx.fillStyle = getComputedStyle(document.documentElement).getPropertyValue('--chart-bg').trim();
          return { corner: Array.from(px.slice(0, 3)), bg: String(ctx.fillStyle) };
        }, png.toString('base64'));
        expect(probe).not.toBeNull();
        const bg = probe?.bg ?? '';
        const hex = `#${(probe?.corner ?? []).map((v) => v.toString(16).padStart(2, '0')).join('')}`;
        expect(hex.toLowerCase()).toBe(bg.toLowerCase());

        await card.hover();
        await card.locator('[data-testid="card-menu-button"]').click();
        await card.locator('[data-testid="card-menu-copy-image"]').click();
        const status = await card.locator('[data-testid="copy-status"]').textContent();
        expect(status).toBe('Image copied');
        const copied = await w.page.evaluate(async () => {
          const items = await navigator.clipboard.read();
          const item = items[0];
          if (!item?.types.includes('image/png')) return null;
          const bitmap = await createImageBitmap(await item.getType('image/png'));
          return { width: bitmap.width, height: bitmap.height };
        });
        expect(copied).toEqual({ width, height });
        expect(w.errors).toEqual([]);
      });
    });
  }
});
