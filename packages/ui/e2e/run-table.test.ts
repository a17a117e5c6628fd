/**
 * The project page's run table and parameters view on 1,000 generated runs (docs/ui.md#run-table,
 * docs/ui.md#parameters-view): a metric column from the picker sorts the runs by their last value and a
 * filter expression narrows them, with the values the runs logged; brushing the metric's parallel axis
 * narrows the run list to the runs above the brushed value.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshot, withPage } from './helpers/browser';
import { TestRun } from './helpers/run-writer';
import { serveForSuite } from './helpers/suite';

const RUNS = 1000;
const STEPS = 4;
const runId = (i: number) => `r${String(i).padStart(4, '0')}`;
/** Distinct final accuracies in (0, 1): a permutation of the runs. */
const finalAcc = (i: number) => ((i * 7919) % RUNS) / RUNS + 0.0005;
const accAt = (i: number, s: number) => finalAcc(i) * ((s + 1) / STEPS);
const byAccDesc = Array.from({ length: RUNS }, (_, i) => i).sort((a, b) => finalAcc(b) - finalAcc(a));

/** The rows the table renders, in list order, with the text of a column. */
async function tableRows(page: Page, col: string): Promise<Array<{ id: string; value: string }>> {
  const rows = await page.locator('[data-testid^="table-row-"]').evaluateAll(
    (els, c) =>
      els.map((e) => ({
        id: (e.getAttribute('data-testid') ?? '').slice('table-row-'.length),
        top: Number.parseFloat((e as HTMLElement).style.top),
        value: e.querySelector(`[data-col="${c}"]`)?.textContent?.trim() ?? '',
      })),
    col,
  );
  return rows.sort((a, b) => a.top - b.top).map(({ id, value }) => ({ id, value }));
}

async function countText(page: Page): Promise<[number, number]> {
  const text = (await page.locator('[data-testid="table-count"]').first().textContent()) ?? '';
  const m = /(\d+) of (\d+) runs/.exec(text);
  if (!m) throw new Error(`unexpected count text: ${text}`);
  return [Number(m[1]), Number(m[2])];
}

async function waitForCount(page: Page, want: (shown: number, total: number) => boolean): Promise<number> {
  for (let i = 0; i < 600; i++) {
    const [shown, total] = await countText(page);
    if (want(shown, total)) return shown;
    await page.waitForTimeout(100);
  }
  throw new Error(`count never matched: ${await countText(page)}`);
}

async function addAccColumn(page: Page): Promise<void> {
  await page.click('[data-testid="table-columns-button"]');
  await page.check('[data-testid="table-col-last:val/acc"]');
  await page.keyboard.press('Escape');
  await page.locator('[data-testid="sort-last:val/acc"]').first().waitFor();
}

describe('run table', () => {
  const served = serveForSuite({
    fill: async (dir) => {
      for (let i = 0; i < RUNS; i++) {
        const run = await TestRun.create(dir, {
          project: 'sweep',
          runId: runId(i),
          name: `trial ${i}`,
          config: { lr: 10 ** -(1 + (i % 4)), depth: 2 + (i % 5), opt: i % 2 ? 'sgd' : 'adam' },
        });
        run.append(['val/acc', 'loss'], STEPS, (m, s) => (m === 'loss' ? 1 - accAt(i, s) : accAt(i, s)));
        run.finish();
      }
    },
    setupTimeoutMs: 600_000,
  });

  it('sorts 1,000 runs by a metric’s last value and filters them with an expression', async () => {
    await withPage(served.browser, {}, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/sweep?view=table`);
      await w.page.waitForSelector('[data-testid="run-table"]');
      expect(await waitForCount(w.page, (s, t) => t === RUNS && s === RUNS)).toBe(RUNS);
      await addAccColumn(w.page);
      await w.page.click('[data-testid="sort-last:val/acc"]');
      await w.page.waitForSelector('[aria-sort="descending"]');
      // The summaries arrive with the column: wait until the first cell holds a value.
      await w.page.waitForFunction(() => {
        const cell = document.querySelector('[data-testid^="table-row-"] [data-col="last:val/acc"]');
        return cell !== null && cell.textContent?.trim() !== '—';
      });
      const top = await tableRows(w.page, 'last:val/acc');
      expect(top.length).toBeGreaterThan(10);
      expect(top.length).toBeLessThan(100);
      expect(top.slice(0, 10).map((r) => r.id)).toEqual(byAccDesc.slice(0, 10).map(runId));
      expect(Number(top[0].value)).toBeCloseTo(finalAcc(byAccDesc[0]), 4);

      // Scrolled to the end, the smallest value is last.
      await w.page.locator('[data-testid="run-table"] [role="table"]').evaluate((el) => {
        el.scrollTop = el.scrollHeight;
      });
      await w.page.waitForSelector(`[data-testid="table-row-${runId(byAccDesc[RUNS - 1])}"]`);
      const bottom = await tableRows(w.page, 'last:val/acc');
      expect(bottom[bottom.length - 1].id).toBe(runId(byAccDesc[RUNS - 1]));

      // Ascending: a second click.
      await w.page.click('[data-testid="sort-last:val/acc"]');
      await w.page.waitForSelector('[aria-sort="ascending"]');
      expect((await tableRows(w.page, 'last:val/acc'))[0].id).toBe(runId(byAccDesc[RUNS - 1]));

      await w.page.fill('[data-testid="table-filter"]', 'val/acc > 0.9 and opt = sgd');
      const expected = byAccDesc.filter((i) => finalAcc(i) > 0.9 && i % 2 === 1);
      expect(await waitForCount(w.page, (s) => s === expected.length)).toBe(expected.length);
      const filtered = await tableRows(w.page, 'last:val/acc');
      // Only the rows in view are rendered: they are the first ones, smallest value first.
      expect(filtered.length).toBeGreaterThan(10);
      expect(filtered.map((r) => r.id)).toEqual([...expected].reverse().slice(0, filtered.length).map(runId));
      expect(filtered.every((r) => Number(r.value) > 0.9)).toBe(true);

      await w.page.fill('[data-testid="table-filter"]', 'val/acc >');
      await w.page.waitForSelector('[data-testid="table-filter-error"]');
      expect(w.errors).toEqual([]);
    });
  }, 180_000);

  it('narrows the run list to the runs inside a brushed parallel-coordinates axis', async () => {
    for (const theme of ['light', 'dark'] as const) {
      await withPage(served.browser, { theme }, async (w) => {
        await w.page.goto(`${served.viewer.url}/projects/sweep?view=params`);
        await w.page.waitForSelector('[data-testid="params-view"]');
        await w.page.selectOption('[data-testid="params-metric"]', 'val/acc');
        await w.page.waitForFunction(
          () =>
            /^1000 runs/.test(
              document.querySelector('[data-testid="params-count"]')?.textContent?.trim() ?? '',
            ),
          null,
          { timeout: 90_000 },
        );
        await w.page.waitForSelector('[data-testid="params-parallel"] canvas');
        await addAccColumn(w.page);
        expect(await waitForCount(w.page, (s) => s === RUNS)).toBe(RUNS);

        // Axes: lr, depth (the numeric keys), then the metric, spread between the plot's margins.
        const plot = w.page.locator('[data-testid="params-parallel"]');
        await plot.evaluate((el) => el.scrollIntoView({ block: 'center' }));
        const box = await plot.boundingBox();
        if (!box) throw new Error('no parallel plot');
        const axisX = box.x + box.width - 110;
        const top = box.y + 36;
        const bottom = box.y + box.height - 26;
        // From just above the axis's end (inside its brush area), so that the largest values are inside.
        await w.page.mouse.move(axisX, top - 8);
        await w.page.mouse.down();
        await w.page.mouse.move(axisX, (top + bottom) / 2, { steps: 8 });
        await w.page.mouse.up();
        await w.page.waitForSelector('[data-testid="params-brushed"]');
        await waitForCount(w.page, (s) => s < RUNS);
        // The brush applies while dragging: wait until the count holds still.
        let shown = (await countText(w.page))[0];
        for (let i = 0; i < 20; i++) {
          await w.page.waitForTimeout(200);
          const now = (await countText(w.page))[0];
          if (now === shown) break;
          shown = now;
        }
        expect(shown).toBeGreaterThan(0);
        // A redraw (here a theme switch and back; new data of a live run does the same) keeps the brush and
        // the selection.
        await w.page.click('[data-testid="theme-toggle"]');
        await w.page.click('[data-testid="theme-toggle"]');
        await w.page.waitForSelector('[data-testid="params-brushed"]');
        expect((await countText(w.page))[0]).toBe(shown);
        // The brushed runs are exactly the ones with the highest values: the top of the axis.
        await w.page.click('[data-testid="sort-last:val/acc"]');
        await w.page.waitForSelector('[aria-sort="descending"]');
        const first = await tableRows(w.page, 'last:val/acc');
        expect(first[0].id).toBe(runId(byAccDesc[0]));
        await w.page.click('[data-testid="sort-last:val/acc"]');
        await w.page.waitForSelector('[aria-sort="ascending"]');
        expect((await tableRows(w.page, 'last:val/acc'))[0].id).toBe(runId(byAccDesc[shown - 1]));
        await screenshot(w.page, `params-view-${theme}`);
        await w.page.click('[data-testid="project-view-table"]');
        await w.page.waitForSelector('[data-testid="run-table"]');
        await screenshot(w.page, `run-table-${theme}`);
        expect(w.errors).toEqual([]);
      });
    }
  }, 240_000);
});
