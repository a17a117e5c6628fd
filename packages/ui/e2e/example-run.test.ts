/**
 * Every page of a run written by the example training script (examples/src/train-shapes.ts) and served by
 * `kobo open`, in light and dark: no console errors; the line charts draw; the weights and grads
 * histograms draw in all three modes; the sample images, the predictions table's images, the confidence
 * densities, the confusion matrix and the weight matrix show; the config and output.log are there.
 * Screenshots: test-output/screenshots/example-*.png.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { inkedPixels, screenshot, type WatchedPage, withPage } from './helpers/browser';
import { cardByTitle, waitForChart } from './helpers/chart';
import { type ExampleRun, writeExampleRun } from './helpers/example-run';
import { serveForSuite } from './helpers/suite';

const EPOCHS = 2;
/** 2,400 training images in batches of 32. */
const STEPS_PER_EPOCH = 75;

let example: ExampleRun | null = null;
const served = serveForSuite({
  data: async () => {
    example = await writeExampleRun({ epochs: EPOCHS, seed: 5 });
    return { dir: example.dataDir, cleanup: example.cleanup };
  },
  setupTimeoutMs: 240_000,
});

function runUrl(query: string): string {
  if (!example) throw new Error('the example run was not written');
  return `${served.viewer.url}/projects/${example.project}/${example.runId}${query}`;
}

/** Lets lazy charts and images settle before a screenshot. */
async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(300);
}

async function testidOf(locator: Locator): Promise<string> {
  const id = await locator.getAttribute('data-testid');
  if (!id) throw new Error('no data-testid');
  return id;
}

/** Waits until the element has drawn at least `min` pixels, and returns how many. */
async function waitForInk(page: Page, locator: Locator, min: number): Promise<number> {
  await locator.waitFor();
  const selector = `[data-testid="${await testidOf(locator)}"]`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ink = await inkedPixels(page, selector);
    if (ink >= min || Date.now() > deadline) return ink;
    await page.waitForTimeout(100);
  }
}

async function imagesDecoded(locator: Locator): Promise<number> {
  return locator.evaluateAll(
    (imgs) =>
      imgs.filter((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0).length,
  );
}

async function lineChartsDraw(page: Page, titles: string[], points: number): Promise<void> {
  for (const title of titles) {
    const card = cardByTitle(page, title);
    await card.scrollIntoViewIfNeeded();
    await waitForChart(card, points);
    expect(
      await waitForInk(page, card.locator('[data-testid^="chart-canvas-"]'), 300),
      title,
    ).toBeGreaterThan(300);
  }
}

/** Per-step bars, flow heatmap and 3-D surface of one histogram card. */
async function histogramModesDraw(
  w: WatchedPage,
  title: string,
  shot: (mode: string) => string,
): Promise<void> {
  const card = cardByTitle(w.page, title);
  await card.scrollIntoViewIfNeeded();
  expect(
    await waitForInk(w.page, card.locator('[data-testid^="histogram-bars-"]'), 200),
    `${title} bars`,
  ).toBeGreaterThan(200);
  await card.locator('[data-testid="hist-mode-flow"]').click();
  expect(
    await waitForInk(w.page, card.locator('[data-testid^="histogram-flow-"]'), 1000),
    `${title} flow`,
  ).toBeGreaterThan(1000);
  await screenshot(w.page, shot('flow'));
  await card.locator('[data-testid="hist-mode-surface"]').click();
  expect(
    await waitForInk(w.page, card.locator('[data-testid^="histogram-surface-"]'), 1000),
    `${title} surface`,
  ).toBeGreaterThan(1000);
  await screenshot(w.page, shot('surface'));
  await card.locator('[data-testid="hist-mode-single"]').click();
  await card.locator('[data-testid^="histogram-bars-"] canvas').waitFor();
}

async function heatmapOf(page: Page, title: string): Promise<Locator> {
  const card = cardByTitle(page, title);
  await card.scrollIntoViewIfNeeded();
  const heat = card.locator('[data-testid^="tensor-heatmap-"]');
  await heat.waitFor();
  expect(await waitForInk(page, heat, 500), `${title} heatmap`).toBeGreaterThan(500);
  return heat;
}

async function attr(locator: Locator, name: string): Promise<string> {
  return (await locator.getAttribute(name)) ?? '';
}

describe('a run written by the example training script', () => {
  for (const theme of ['light', 'dark'] as const) {
    it(`every page shows its data with no console errors (${theme})`, async () => {
      await withPage(served.browser, { theme }, async (w) => {
        const errors: Record<string, string[]> = {};
        const visit = async (name: string, url: string, check: () => Promise<void>) => {
          w.errors.length = 0;
          await w.page.goto(url);
          await check();
          await settle(w.page);
          await screenshot(w.page, `example-${name}-${theme}`);
          if (w.errors.length) errors[name] = [...w.errors];
        };

        await visit('train', runUrl('?tab=train'), () =>
          lineChartsDraw(w.page, ['train/acc', 'train/loss', 'train/lr'], EPOCHS * STEPS_PER_EPOCH),
        );

        await visit('val', runUrl('?tab=val'), async () => {
          await lineChartsDraw(w.page, ['val/acc', 'val/loss'], EPOCHS);
          // The sample images: one media card (table cells get none of their own).
          expect(await w.page.locator('[data-card-type="media"]').count()).toBe(1);
          const samples = cardByTitle(w.page, 'val/samples');
          await samples.locator('[data-testid="media-image"]').waitFor();
          await expect.poll(() => imagesDecoded(samples.locator('[data-testid="media-image"]'))).toBe(1);
          // The predictions table shows its embedded images.
          const table = cardByTitle(w.page, 'val/predictions');
          await table.scrollIntoViewIfNeeded();
          await expect.poll(() => table.textContent()).toContain('12 of 12 rows');
          await expect
            .poll(() => imagesDecoded(table.locator('[data-testid="table-image"]')))
            .toBeGreaterThanOrEqual(3);
          // The confidence densities of both epochs.
          const kde = cardByTitle(w.page, 'val/confidence');
          await kde.scrollIntoViewIfNeeded();
          expect(await waitForInk(w.page, kde.locator('[data-testid^="kde-overlay-"]'), 300)).toBeGreaterThan(
            300,
          );
          await expect.poll(() => kde.locator('[data-testid="legend-line"]').count()).toBe(EPOCHS);
        });

        await visit('val-table', runUrl('?tab=val'), async () => {
          const table = cardByTitle(w.page, 'val/predictions');
          await table.scrollIntoViewIfNeeded();
          await expect
            .poll(() => imagesDecoded(table.locator('[data-testid="table-image"]')))
            .toBeGreaterThanOrEqual(3);
        });

        for (const tab of ['weights', 'grads'] as const) {
          await visit(tab, runUrl(`?tab=${tab}`), async () => {
            for (const layer of ['fc1', 'fc2'])
              await histogramModesDraw(
                w,
                `${tab}/${layer}`,
                (mode) => `example-${tab}-${layer}-${mode}-${theme}`,
              );
          });
        }

        await visit('eval', runUrl('?tab=eval'), async () => {
          const heat = await heatmapOf(w.page, 'eval/confusion');
          expect([await attr(heat, 'data-rows'), await attr(heat, 'data-cols')]).toEqual(['4', '4']);
          // The class names of the metadata label the columns.
          expect(await attr(heat, 'data-col-ticks')).toBe('disc|square|triangle|cross');
          const card = cardByTitle(w.page, 'eval/confusion');
          expect(await card.locator('[data-testid="color-bar-bottom"]').textContent()).toBe('0');
        });

        await visit('params', runUrl('?tab=params'), async () => {
          const heat = await heatmapOf(w.page, 'params/fc1/weight');
          expect([await attr(heat, 'data-rows'), await attr(heat, 'data-cols')]).toEqual(['400', '96']);
          const card = cardByTitle(w.page, 'params/fc1/weight');
          const top = Number(await card.locator('[data-testid="color-bar-top"]').textContent());
          const bottom = Number(await card.locator('[data-testid="color-bar-bottom"]').textContent());
          expect(top).toBeGreaterThan(0);
          expect(bottom).toBe(-top);
        });

        await visit('config', runUrl('?panel=config'), async () => {
          const tree = w.page.locator('[data-testid="config-tree"]');
          await tree.waitFor();
          const text = (await tree.textContent()) ?? '';
          for (const piece of ['hidden', '96', 'peakLr', '0.05', 'epochs', 'seed'])
            expect(text, piece).toContain(piece);
        });

        await visit('logs', runUrl('?panel=logs'), async () => {
          const log = w.page.locator('[data-testid="log-viewer-content"]');
          await log.locator('.line').first().waitFor();
          for (let e = 1; e <= EPOCHS; e++)
            await expect.poll(() => log.textContent()).toMatch(new RegExp(`epoch ${e}: val loss \\d`));
          // The viewer fills the window below the headers without making the page scroll.
          expect(
            await w.page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight),
          ).toBeLessThanOrEqual(0);
        });

        await visit('project', `${served.viewer.url}/projects/shapes`, async () => {
          await w.page.locator(`[data-testid="run-list-item-${example?.runId}"]`).waitFor();
          await lineChartsDraw(w.page, ['train/loss'], EPOCHS * STEPS_PER_EPOCH);
        });

        expect(errors).toEqual({});
      });
    });
  }

  it('has no empty "Metrics" tab and no media card per table cell; Add Chart lists the cells in natural order', async () => {
    await withPage(served.browser, {}, async (w) => {
      await w.page.goto(runUrl(''));
      await w.page.locator('[data-testid="tab-train"]').waitFor();
      // The run logs only namespaced names, so the tabs start with "train".
      const tabs = await w.page
        .locator('[data-testid="chart-tabs"] [role="tab"]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
      // The board's system metrics (on by default) add a last "system" tab once a sample is stored.
      const own = tabs.filter((t) => t !== 'tab-system');
      expect(own).toEqual(['tab-train', 'tab-val', 'tab-grads', 'tab-weights', 'tab-eval', 'tab-params']);
      if (tabs.length > own.length) expect(tabs.at(-1)).toBe('tab-system');
      expect(await w.page.locator('[data-testid="tab-val"] .count').textContent()).toBe('5');

      await w.page.click('[data-testid="add-chart-button"]');
      await w.page.selectOption('[data-testid="add-chart-type"]', 'media');
      const names = await w.page
        .locator('[data-testid="add-chart-names"] label span')
        .evaluateAll((els) => els.map((e) => e.textContent?.trim() ?? ''));
      const cells = Array.from({ length: 12 }, (_, r) => `val/predictions_r${r}_c0`);
      expect(names).toEqual([...cells, 'val/samples']);
      expect(w.errors).toEqual([]);
    });
  });

  it('the tensor heatmap fills its plot area, with an aspect 1:1 toggle', async () => {
    await withPage(served.browser, {}, async (w) => {
      await w.page.goto(runUrl('?tab=params'));
      const heat = await heatmapOf(w.page, 'params/fc1/weight');
      const plotWidth = await heat.evaluate((el) => el.getBoundingClientRect().width);
      const cellW = Number(await attr(heat, 'data-cell-width'));
      const cellH = Number(await attr(heat, 'data-cell-height'));
      // Stretched: 96 columns span most of the plot, though the cells are far from square.
      expect(cellW * 96).toBeGreaterThan(plotWidth * 0.6);
      expect(cellW / cellH).toBeGreaterThan(2);
      // Row and column ticks in tensor indices.
      const rowTicks = (await attr(heat, 'data-row-ticks')).split('|');
      const colTicks = (await attr(heat, 'data-col-ticks')).split('|');
      expect(rowTicks[0]).toBe('0');
      expect(rowTicks.length).toBeGreaterThanOrEqual(4);
      expect(colTicks[0]).toBe('0');
      expect(colTicks.length).toBeGreaterThanOrEqual(3);

      const card = cardByTitle(w.page, 'params/fc1/weight');
      await card.locator('[data-testid="tensor-square-cells"]').check();
      await expect.poll(async () => Number(await attr(heat, 'data-cell-width'))).toBeLessThan(cellW);
      expect(await attr(heat, 'data-cell-width')).toBe(await attr(heat, 'data-cell-height'));
      await screenshot(w.page, 'example-params-square-light');
      expect(w.errors).toEqual([]);
    });
  });
});
