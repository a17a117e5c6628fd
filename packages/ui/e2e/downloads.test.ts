/**
 * Downloads (docs/ui.md#downloads): a line card's "Download CSV (shown)" holds exactly the points the chart
 * holds, each the logged value; "Download CSV (full resolution)" holds every logged point; the run page's
 * "Download" menu gives a Parquet file of the run's scalars that reads back to the logged values; the
 * project page's menu downloads the visible runs. Screenshots of the menus in both themes.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshot, withPage } from './helpers/browser';
import { cardByTitle, waitForChart } from './helpers/chart';
import { TestRun } from './helpers/run-writer';
import { serveForSuite } from './helpers/suite';

const POINTS = 20_000;
/** Values with many significant digits, so that any rounding on the way would show. */
const loss = (step: number) => 2 / (1 + step / 97) + Math.sin(step) / 3;
const acc = (step: number) => step / (POINTS + 1);

async function downloadFrom(page: Page, click: () => Promise<void>) {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = await download.path();
  return { name: download.suggestedFilename(), bytes: readFileSync(path) };
}

async function cardMenuItem(card: Locator, item: string): Promise<void> {
  await card.hover();
  await card.locator('[data-testid="card-menu-button"]').click();
  await card.locator(`[data-testid="card-menu-${item}"]`).click();
}

function csvRows(text: string): { header: string[]; rows: string[][] } {
  const lines = text.trimEnd().split('\n');
  return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

describe('downloads', () => {
  const served = serveForSuite({
    fill: async (dir) => {
      const run = await TestRun.create(dir, { project: 'dl', runId: 'down01', name: 'down' });
      run.append(
        ['loss', 'acc'],
        POINTS,
        (m, s) => (m === 'loss' ? loss(s) : acc(s)),
        1,
        (s) => s,
      );
      run.finish();
      const other = await TestRun.create(dir, { project: 'dl', runId: 'down02', name: 'other' });
      other.append(
        ['loss'],
        10,
        (_m, s) => s * 0.5,
        1,
        (s) => s,
      );
      other.finish();
      const gone = await TestRun.create(dir, { project: 'dlgone', runId: 'gone01', name: 'gone' });
      gone.append(
        ['loss'],
        10,
        (_m, s) => s,
        1,
        (s) => s,
      );
      gone.finish();
    },
  });

  it('a chart’s CSV (shown) holds the points the chart holds; full resolution holds every point', async () => {
    await withPage(served.browser, {}, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/dl/down01`);
      const card = cardByTitle(w.page, 'loss');
      await waitForChart(card, 100);
      const held = Number(
        await card.locator('[data-testid^="chart-canvas-"]').first().getAttribute('data-points'),
      );
      expect(held).toBeGreaterThan(100);
      expect(held).toBeLessThan(POINTS);

      const shown = await downloadFrom(w.page, () => cardMenuItem(card, 'download-shown-csv'));
      expect(shown.name).toBe('loss (shown).csv');
      const { header, rows } = csvRows(shown.bytes.toString('utf8'));
      expect(header).toEqual(['series', 'global_step', 'value']);
      expect(rows.length).toBe(held);
      for (const [series, x, value] of rows) {
        expect(series).toBe('loss');
        expect(Number(value)).toBe(loss(Number(x)));
      }
      expect(rows[0][1]).toBe('0');
      expect(rows[rows.length - 1][1]).toBe(String(POINTS - 1));

      const full = await downloadFrom(w.page, () => cardMenuItem(card, 'download-full-csv'));
      expect(full.name).toBe('dl-down01.csv');
      const table = csvRows(full.bytes.toString('utf8'));
      expect(table.header).toEqual(['metric', 'step', 'global_step', 'timestamp', 'value']);
      expect(table.rows.length).toBe(POINTS);
      table.rows.forEach(([metric, step, , , value], i) => {
        expect(metric).toBe('loss');
        expect(Number(step)).toBe(i);
        expect(Number(value)).toBe(loss(i));
      });
      expect(w.errors).toEqual([]);
    });
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`the run page's Download menu gives a Parquet file of the run (${theme} theme)`, async () => {
      await withPage(served.browser, { theme }, async (w) => {
        await w.page.goto(`${served.viewer.url}/projects/dl/down01`);
        await waitForChart(cardByTitle(w.page, 'loss'), 100);
        const card = cardByTitle(w.page, 'acc');
        await card.hover();
        await card.locator('[data-testid="card-menu-button"]').click();
        await screenshot(w.page, `downloads-card-menu-${theme}`);
        await w.page.keyboard.press('Escape');

        await w.page.click('[data-testid="download-data-button"]');
        const menu = w.page.locator('[data-testid="download-data"]');
        await menu.waitFor();
        await screenshot(w.page, `downloads-run-menu-${theme}`);
        expect(await menu.locator('[data-testid="download-parquet"]').isChecked()).toBe(true);
        const file = await downloadFrom(w.page, () =>
          menu.locator('[data-testid="download-data-link"]').click(),
        );
        expect(file.name).toBe('dl-down01.parquet');
        expect(file.bytes.subarray(0, 4).toString()).toBe('PAR1');
        const buffer = file.bytes.buffer.slice(
          file.bytes.byteOffset,
          file.bytes.byteOffset + file.bytes.length,
        );
        const rows = (await parquetReadObjects({ file: buffer, compressors, utf8: true })) as Array<
          Record<string, unknown>
        >;
        expect(rows.length).toBe(2 * POINTS);
        for (const r of rows) {
          const f = r.metric === 'loss' ? loss : acc;
          expect(r.value).toBe(f(Number(r.step)));
        }
        expect(new Set(rows.map((r) => r.metric))).toEqual(new Set(['loss', 'acc']));
        expect(w.errors).toEqual([]);
      });
    });
  }

  it('the project page’s Download menu gives a CSV of the visible runs, wide when asked', async () => {
    await withPage(served.browser, { theme: 'dark' }, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/dl?runs=all-matching`);
      await waitForChart(cardByTitle(w.page, 'loss'), 10);
      await w.page.click('[data-testid="download-data-button"]');
      const menu = w.page.locator('[data-testid="download-data"]');
      await menu.locator('[data-testid="download-csv"]').check();
      await menu.locator('[data-testid="download-wide"]').check();
      await screenshot(w.page, 'downloads-project-menu-dark');
      const file = await downloadFrom(w.page, () =>
        menu.locator('[data-testid="download-data-link"]').click(),
      );
      expect(file.name).toBe('dl-2-runs-wide.csv');
      const { header, rows } = csvRows(file.bytes.toString('utf8'));
      expect(header).toEqual([
        'project',
        'run_id',
        'run_name',
        'step',
        'global_step',
        'timestamp',
        'acc',
        'loss',
      ]);
      const other = rows.filter((r) => r[1] === 'down02');
      expect(other.map((r) => [r[3], r[6], Number(r[7])])).toEqual(
        Array.from({ length: 10 }, (_, s) => [String(s), '', s * 0.5]),
      );
      expect(rows.filter((r) => r[1] === 'down01').length).toBe(POINTS);
    });
  });

  it('an export the server refuses is shown as its message, not saved as a file', async () => {
    await withPage(served.browser, {}, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/dlgone/gone01`);
      await waitForChart(cardByTitle(w.page, 'loss'), 5);
      // The run's folder goes away while its page is open.
      rmSync(join(served.dataDir, 'dlgone', 'gone01'), { recursive: true, force: true });
      let downloads = 0;
      w.page.on('download', () => downloads++);
      await w.page.click('[data-testid="download-data-button"]');
      const menu = w.page.locator('[data-testid="download-data"]');
      await menu.locator('[data-testid="download-data-link"]').click();
      const problem = menu.locator('[data-testid="download-data-error"]');
      await problem.waitFor();
      expect(await problem.textContent()).toMatch(/^The download failed: .+/);
      await screenshot(w.page, 'downloads-refused');

      await w.page.keyboard.press('Escape');
      const card = cardByTitle(w.page, 'loss');
      await cardMenuItem(card, 'download-full-csv');
      const onCard = card.locator('[data-testid="download-error"]');
      await onCard.waitFor();
      expect(await onCard.textContent()).toContain('The download failed');
      expect(downloads).toBe(0);
    });
  });
});
