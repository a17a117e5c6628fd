/**
 * What a new user reads in their first hour, on a run written by the example training script and on a
 * few runs written here: every stepped card (media, table, histogram, tensor, KDE), the config facts and
 * the image captions show the step of the charts' x axis (global step), with the internal step in the
 * tooltip; Shift-sync works on that step; the KDE legend is in step order and its ridgeline has round
 * ticks; the last x tick label stays inside the card; the header shows a bare run id without an
 * annotation; logs mark stderr once, say when a log is empty, and strip ANSI codes as the server does;
 * the empty state says how to install the client today and fits its code; a crashed Python run is shown
 * with the status the API gives it. Screenshots: test-output/screenshots/first-hour-*.png.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshot, withPage } from './helpers/browser';
import { cardByTitle, hoverPlot, waitForChart, waitForTooltip } from './helpers/chart';
import { type ExampleRun, writeExampleRun } from './helpers/example-run';
import { TestRun } from './helpers/run-writer';
import { serveForSuite } from './helpers/suite';

const EPOCHS = 4;
/** 2,400 training images in batches of 32. */
const STEPS_PER_EPOCH = 75;
const LAST_GLOBAL = EPOCHS * STEPS_PER_EPOCH;

/** A log with stderr lines and ANSI sequences of every kind the server strips (and one it keeps). */
const OUTPUT_LOG = [
  'plain line',
  '[STDERR] \u001b[31mwarning: lr too high\u001b[0m',
  '\u001b[38:5:196mcolon colours\u001b[m and \u001b[?25lprivate modes\u001b[2K',
  'kept: \u001b(B charset',
  '[STDERR] second warning',
].join('\n');

let example: ExampleRun | null = null;
const served = serveForSuite({
  data: async () => {
    example = await writeExampleRun({ epochs: EPOCHS, seed: 5 });
    return { dir: example.dataDir, cleanup: example.cleanup };
  },
  fill: async (dir) => {
    // No annotation, an ANSI-coloured output.log and an empty writer log.
    const plain = await TestRun.create(dir, { project: 'plain', runId: 'bare01', name: 'bare run' });
    plain.append(['loss'], 20, (_m, s) => 1 / (s + 1));
    plain.log('output.log', `${OUTPUT_LOG}\n`);
    plain.log('writer.log', '');
    plain.finish();
    // x from 0 to 5,000, so that the last tick label ("5,000") sits on the plot's right edge.
    const long = await TestRun.create(dir, { project: 'plain', runId: 'long01', name: 'long run' });
    long.append(
      ['loss'],
      5001,
      (_m, s) => Math.exp(-s / 1500),
      10,
      (s) => s,
    );
    long.finish();
    // An empty output.log.
    const quiet = await TestRun.create(dir, { project: 'plain', runId: 'quiet1', name: 'quiet run' });
    quiet.append(['loss'], 5, (_m, s) => s);
    quiet.log('output.log', '');
    quiet.finish();
  },
  setupTimeoutMs: 300_000,
});

function runUrl(query: string): string {
  if (!example) throw new Error('the example run was not written');
  return `${served.viewer.url}/projects/${example.project}/${example.runId}${query}`;
}

async function api<T>(path: string): Promise<T> {
  if (!example) throw new Error('the example run was not written');
  const res = await fetch(
    `${served.viewer.url}/api/projects/${example.project}/runs/${example.runId}${path}`,
  );
  return (await res.json()) as T;
}

interface Stepped {
  step: number;
  global_step: number | null;
}

/** The last entry of a stepped API list. */
function lastOf<T>(list: T[]): T {
  const e = list[list.length - 1];
  if (!e) throw new Error('no entries');
  return e;
}

/** The slider of a card: the step it shows and its tooltip. */
async function sliderOf(card: Locator): Promise<{ text: string; title: string }> {
  const value = card.locator('[data-testid="step-slider-value"]').first();
  await value.waitFor();
  await expect.poll(() => value.textContent()).not.toContain('—');
  return {
    text: (await value.textContent())?.trim() ?? '',
    title: (await value.getAttribute('title')) ?? '',
  };
}

/**
 * Places the chart's cursor exactly on its point at x = `target` (the keyboard cursor snaps to points)
 * and returns the tooltip's x text.
 */
async function cursorOnPoint(
  page: Page,
  card: Locator,
  target: number,
  min: number,
  max: number,
): Promise<string> {
  await card.scrollIntoViewIfNeeded();
  await hoverPlot(page, card, (target - min) / (max - min));
  await card.locator('[data-testid^="chart-canvas-"]').focus();
  await page.keyboard.press('ArrowRight');
  for (let i = 0; i < 12; i++) {
    const t = await waitForTooltip(card);
    const x = Number(t.x.replace(/,/g, ''));
    if (x === target) return t.x;
    await page.keyboard.press(x < target ? 'ArrowRight' : 'ArrowLeft');
    await waitForTooltip(card, (n) => n.x !== t.x);
  }
  throw new Error(`the cursor did not reach x = ${target}`);
}

describe('steps a new user reads', () => {
  it('every stepped card shows the x-axis step of the same point (global step), the internal step in its tooltip', async () => {
    const media = lastOf((await api<{ data: Stepped[] }>('/media/val%2Fsamples')).data);
    const table = lastOf((await api<{ data: Stepped[] }>('/tables/val%2Fpredictions')).data);
    const kde = lastOf(
      (await api<{ entries: Stepped[] }>('/kernel_density/val%2Fconfidence?points=8')).entries,
    );
    const hist = lastOf((await api<{ data: Stepped[] }>('/histograms/weights%2Ffc1')).data);
    const tensor = lastOf((await api<{ entries: Stepped[] }>('/tensors/eval%2Fconfusion')).entries);
    // The two steps differ in this run, so showing the wrong one would be seen.
    for (const e of [media, table, kde, hist, tensor]) expect(e.step).not.toBe(e.global_step);
    const fmt = (n: number | null) => (n ?? Number.NaN).toLocaleString('en-US');

    for (const theme of ['light', 'dark'] as const) {
      await withPage(served.browser, { theme }, async (w) => {
        // The validation metrics, images, table and density are logged together at the end of each epoch.
        await w.page.goto(runUrl('?tab=val'));
        const acc = cardByTitle(w.page, 'val/acc');
        await waitForChart(acc, EPOCHS);
        const chartX = await cursorOnPoint(w.page, acc, LAST_GLOBAL, STEPS_PER_EPOCH, LAST_GLOBAL);
        expect(chartX).toBe(fmt(LAST_GLOBAL));
        for (const [title, entry] of [
          ['val/samples', media],
          ['val/predictions', table],
          ['val/confidence', kde],
        ] as const) {
          const slider = await sliderOf(cardByTitle(w.page, title));
          expect(slider.text, title).toBe(`Global step: ${chartX}`);
          expect(entry.global_step).toBe(LAST_GLOBAL);
          expect(slider.title, title).toBe(`Global step: ${chartX} (step ${fmt(entry.step)})`);
        }
        await screenshot(w.page, `first-hour-val-${theme}`);

        // The KDE legend reads oldest to newest, the selected step last.
        const legend = (
          await cardByTitle(w.page, 'val/confidence').locator('.legend-item').allTextContents()
        ).map((l) => l.trim());
        // One curve per evaluation (the selected one and every earlier one here), in step order.
        expect(legend).toEqual(
          Array.from({ length: EPOCHS }, (_, i) => `global step ${fmt((i + 1) * STEPS_PER_EPOCH)}`),
        );

        // The image grid: each cell's step on its own line, then the caption.
        const samples = cardByTitle(w.page, 'val/samples');
        await samples.locator('[data-testid="media-grid-toggle"]').click();
        const cell = samples.locator('[data-testid="media-grid"] figure').first();
        await cell.waitFor();
        expect((await cell.locator('[data-testid="media-cell-step"]').textContent())?.trim()).toBe(
          `global step ${chartX}`,
        );
        const [stepBox, captionBox] = await Promise.all([
          cell.locator('[data-testid="media-cell-step"]').boundingBox(),
          cell.locator('.cap').boundingBox(),
        ]);
        expect(captionBox && stepBox && captionBox.y >= stepBox.y + stepBox.height - 1).toBe(true);
        // The cell-size slider says what it is.
        expect(await samples.getByLabel('Cell size').count()).toBe(1);
        expect(await samples.locator('label.size').textContent()).toContain('Size');
        await screenshot(w.page, `first-hour-grid-${theme}`);
        await samples.locator('button:has-text("Single")').click();

        // A histogram logged with the training metrics: its slider's step is a point of train/loss.
        await w.page.goto(runUrl('?tab=weights'));
        const histSlider = await sliderOf(cardByTitle(w.page, 'weights/fc1'));
        expect(histSlider.text).toBe(`Global step: ${fmt(hist.global_step)}`);
        await w.page.goto(runUrl('?tab=train'));
        const loss = cardByTitle(w.page, 'train/loss');
        await waitForChart(loss, LAST_GLOBAL);
        expect(await cursorOnPoint(w.page, loss, hist.global_step ?? -1, 1, LAST_GLOBAL)).toBe(
          fmt(hist.global_step),
        );

        // The confusion matrix, logged after the last evaluation.
        await w.page.goto(runUrl('?tab=eval'));
        const tensorSlider = await sliderOf(cardByTitle(w.page, 'eval/confusion'));
        expect(tensorSlider.text).toBe(`Global step: ${fmt(tensor.global_step)}`);
        expect(tensor.global_step).toBe(LAST_GLOBAL);

        // The config facts: the last global step, the internal one in the tooltip.
        await w.page.goto(runUrl('?panel=config'));
        const fact = w.page.locator('[data-testid="config-fact-last_global_step"]');
        await fact.waitFor();
        expect((await fact.textContent())?.trim()).toBe(fmt(LAST_GLOBAL));
        expect(await fact.getAttribute('title')).toMatch(/^step [\d,]+$/);
        await screenshot(w.page, `first-hour-config-${theme}`);
        expect(w.errors).toEqual([]);
      });
    }
  });

  it('Shift moves every slider to its entry nearest the same global step', async () => {
    await withPage(served.browser, {}, async (w) => {
      await w.page.goto(runUrl('?tab=val'));
      const table = cardByTitle(w.page, 'val/predictions');
      const kde = cardByTitle(w.page, 'val/confidence');
      await sliderOf(table);
      await sliderOf(kde);
      const input = table.locator('[data-testid="step-slider"]');
      await input.focus();
      await w.page.keyboard.down('Shift');
      await w.page.keyboard.press('Home');
      await w.page.keyboard.up('Shift');
      const first = `Global step: ${STEPS_PER_EPOCH}`;
      await expect.poll(async () => (await sliderOf(table)).text).toBe(first);
      await expect.poll(async () => (await sliderOf(kde)).text).toBe(first);
      await expect.poll(async () => (await sliderOf(cardByTitle(w.page, 'val/samples'))).text).toBe(first);
      expect(w.errors).toEqual([]);
    });
  });

  it('the KDE ridgeline has round ticks within the shared grid', async () => {
    const grid = (await api<{ grid: number[] }>('/kernel_density/val%2Fconfidence?points=256')).grid;
    for (const theme of ['light', 'dark'] as const) {
      await withPage(served.browser, { theme }, async (w) => {
        await w.page.goto(runUrl('?tab=val'));
        const card = cardByTitle(w.page, 'val/confidence');
        await card.scrollIntoViewIfNeeded();
        await card.locator('button:has-text("ridgeline")').click();
        const canvas = card.locator('[data-testid^="kde-ridgeline-"]');
        await expect.poll(async () => (await canvas.getAttribute('data-x-ticks')) ?? '').not.toBe('');
        const ticks = ((await canvas.getAttribute('data-x-ticks')) ?? '').split('|').map(Number);
        expect(ticks.length).toBeGreaterThanOrEqual(2);
        for (const t of ticks) {
          // 1, 2 or 5 × 10^k apart and written with at most two decimals here (the grid spans ~0.3–1).
          expect(Number(t.toFixed(2))).toBe(t);
          expect(t).toBeGreaterThanOrEqual(grid[0]);
          expect(t).toBeLessThanOrEqual(grid[grid.length - 1]);
        }
        const gaps = new Set(ticks.slice(1).map((t, i) => Number((t - ticks[i]).toFixed(6))));
        expect(gaps.size).toBe(1);
        expect(await card.locator('.info').textContent()).toMatch(/\d+ samples from [\d.]+ to [\d.]+/);
        await screenshot(w.page, `first-hour-ridgeline-${theme}`);
        expect(w.errors).toEqual([]);
      });
    }
  });

  it('the last x tick label of a chart stays inside the card', async () => {
    for (const theme of ['light', 'dark'] as const) {
      await withPage(served.browser, { theme }, async (w) => {
        await w.page.goto(`${served.viewer.url}/projects/plain/long01`);
        const card = cardByTitle(w.page, 'loss');
        await waitForChart(card, 100);
        const canvas = card.locator('[data-testid^="chart-canvas-"] canvas').first();
        const ink = await canvas.evaluate((c: HTMLCanvasElement) => {
          const ctx = c.getContext('2d');
          if (!ctx) return { edge: -1, label: -1 };
          // The x axis band: tick labels and the title under the plot.
          const band = ctx.getImageData(0, c.height - 46, c.width, 46).data;
          const bg = [band[0], band[1], band[2]];
          const inked = (x0: number, x1: number) => {
            let n = 0;
            for (let y = 0; y < 46; y++)
              for (let x = x0; x < x1; x++) {
                const i = (y * c.width + x) * 4;
                if (
                  Math.abs(band[i] - bg[0]) + Math.abs(band[i + 1] - bg[1]) + Math.abs(band[i + 2] - bg[2]) >
                  60
                )
                  n++;
              }
            return n;
          };
          return { edge: inked(c.width - 2, c.width), label: inked(c.width - 40, c.width - 2) };
        });
        // "5,000" is drawn near the right edge, and nothing of it touches the edge.
        expect(ink.label).toBeGreaterThan(10);
        expect(ink.edge).toBe(0);
        await screenshot(w.page, `first-hour-last-tick-${theme}`);
        expect(w.errors).toEqual([]);
      });
    }
  });
});

describe('header and logs', () => {
  it('the header shows the bare run id without an annotation, and annotation(run_id) with one', async () => {
    for (const theme of ['light', 'dark'] as const) {
      await withPage(served.browser, { theme }, async (w) => {
        await w.page.goto(`${served.viewer.url}/projects/plain/bare01`);
        const ann = w.page.locator('[data-testid="run-header-annotation"]');
        await ann.waitFor();
        expect((await ann.textContent())?.trim()).toBe('bare01');
        expect(await ann.getAttribute('title')).toBe('Double-click to add an annotation');
        await screenshot(w.page, `first-hour-header-${theme}`);
        await w.page.goto(runUrl(''));
        await ann.waitFor();
        expect((await ann.textContent())?.trim()).toBe(`mlp-96(${example?.runId})`);
        expect(w.errors).toEqual([]);
      });
    }
  });

  it('logs mark stderr lines with a badge only, strip ANSI codes as the server does, and say when empty', async () => {
    const stripped = await (
      await fetch(`${served.viewer.url}/api/projects/plain/runs/bare01/logs/output.log?strip_ansi=true`)
    ).json();
    const serverLines = (stripped.content as string).replace(/\n$/, '').split('\n');
    for (const theme of ['light', 'dark'] as const) {
      await withPage(served.browser, { theme }, async (w) => {
        await w.page.goto(`${served.viewer.url}/projects/plain/bare01?panel=logs`);
        const content = w.page.locator('[data-testid="log-viewer-content"]');
        await content.locator('.line').first().waitFor();
        const lines = await content.locator('.line').evaluateAll((els) =>
          els.map((e) => ({
            text: Array.from(e.childNodes)
              .filter((n) => !(n instanceof HTMLElement && n.classList.contains('tag')))
              .map((n) => n.textContent)
              .join(''),
            badge: e.querySelector('.tag')?.textContent ?? null,
          })),
        );
        // Each line reads as the server's strip_ansi=true answer, without the [STDERR] prefix...
        expect(lines.map((l) => l.text)).toEqual(serverLines.map((l) => l.replace(/^\[STDERR\] /, '')));
        // ...and stderr lines carry the badge, once.
        expect(lines.map((l) => l.badge)).toEqual(
          serverLines.map((l) => (l.startsWith('[STDERR] ') ? 'stderr' : null)),
        );
        expect(await content.textContent()).not.toContain('[STDERR]');
        await screenshot(w.page, `first-hour-logs-${theme}`);
        // The raw prefix on request.
        await w.page.getByLabel('Show [STDERR] prefix').check();
        await expect.poll(() => content.textContent()).toContain('[STDERR] second warning');

        // An empty log says so, in its box.
        await w.page.selectOption('[data-testid="log-file-select"]', 'writer.log');
        await expect
          .poll(() => w.page.locator('[data-testid="log-empty"]').textContent())
          .toContain('No output yet');
        await w.page.goto(`${served.viewer.url}/projects/plain/quiet1?panel=logs`);
        const empty = w.page.locator('[data-testid="log-empty"]');
        await empty.waitFor();
        expect((await empty.textContent())?.trim()).toBe('No output yet.');
        expect(await content.locator('[data-testid="log-empty"]').count()).toBe(1);
        await screenshot(w.page, `first-hour-empty-log-${theme}`);
        expect(w.errors).toEqual([]);
      });
    }
  });
});

describe('the first-run empty state', () => {
  const empty = serveForSuite();

  it('says how to install the client from a clone today, marks the registry install as future, and fits its code', async () => {
    for (const theme of ['light', 'dark'] as const) {
      for (const path of ['/', '/projects/default']) {
        await withPage(empty.browser, { theme }, async (w) => {
          await w.page.goto(`${empty.viewer.url}${path}`);
          await w.page.waitForSelector('[data-testid="empty-state"]');
          expect(await w.page.textContent('[data-testid="install-from-clone"]')).toBe(
            'npm install <clone>/packages/kohakuboard',
          );
          expect(await w.page.textContent('[data-testid="install-from-tarballs"]')).toMatch(
            /^npm install \.\/kohakuboard-series-[\d.]+\.tgz \.\/kohakuboard-[\d.]+\.tgz$/,
          );
          expect(await w.page.textContent('[data-testid="install-note"]')).toContain(
            'not on the npm registry yet',
          );
          const future = w.page.locator('.code-line.future');
          expect(await future.locator('code').textContent()).toBe('npm install kohakuboard');
          expect(await future.textContent()).toContain('not published yet');
          // The example is whole: nothing runs past its box, and its last line is there.
          const pre = w.page.locator('[data-testid="first-run-snippet"]');
          const box = await pre.evaluate((e) => ({ scroll: e.scrollWidth, client: e.clientWidth }));
          expect(box.scroll).toBeLessThanOrEqual(box.client);
          const code = (await pre.textContent()) ?? '';
          expect(code).toContain('});');
          expect(code.trim().endsWith('await board.finish();')).toBe(true);
          // Every code line fits too.
          const wide = await w.page.$$eval(
            '.code-line code',
            (els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).length,
          );
          expect(wide).toBe(0);
          await screenshot(w.page, `first-hour-empty-state${path === '/' ? '' : '-project'}-${theme}`);
          expect(w.errors).toEqual([]);
        });
      }
    }
  });
});

describe('run status on the Python fixture runs', () => {
  const fixtures = serveForSuite({ fixtures: true });

  it('a run that crashed long ago is listed with the status the API gives it, not as running', async () => {
    const list = await (
      await fetch(`${fixtures.viewer.url}/api/projects/nlp/runs?fields=run_id,status`)
    ).json();
    const apiStatus = (list.runs as Array<{ run_id: string; status: string }>).find(
      (r) => r.run_id === 'n5iy',
    )?.status;
    expect(apiStatus).toBe('stale');
    for (const theme of ['light', 'dark'] as const) {
      await withPage(fixtures.browser, { theme }, async (w) => {
        await w.page.goto(`${fixtures.viewer.url}/projects/nlp`);
        const row = w.page.locator('[data-testid="run-list-item-n5iy"]');
        await row.waitFor();
        expect(await row.locator(`[data-testid="status-${apiStatus}"]`).count()).toBe(1);
        expect(await row.locator('[data-testid="status-running"]').count()).toBe(0);
        // The pulsing dot belongs to running runs only.
        expect(await row.locator('.pulse').count()).toBe(0);
        expect(
          await w.page.locator('[data-testid="run-list-item-qggl"] [data-testid="status-finished"]').count(),
        ).toBe(1);
        await screenshot(w.page, `first-hour-status-${theme}`);
        await w.page.goto(`${fixtures.viewer.url}/projects/nlp/n5iy`);
        await w.page.locator('.run-header [data-testid="status-stale"]').waitFor();
        expect(await w.page.locator('.run-header .pulse').count()).toBe(0);
        expect(w.errors).toEqual([]);
      });
    }
  });
});
