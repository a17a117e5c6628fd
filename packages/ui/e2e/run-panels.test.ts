/**
 * The run page beyond line charts, on generated runs plus the Python fixtures: name and annotation
 * editing (docs/ui.md#run-header), table virtual scrolling (docs/ui.md#table-cards), the tensor viewer's
 * strided slices (docs/ui.md#tensor-cards), the log viewer's load-earlier, search and download
 * (docs/ui.md#log-viewer), and the KDE card's flow heatmap (docs/ui.md#kde-cards, docs/ui.md#flow-heatmap).
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { inkedPixels, screenshot, withPage } from './helpers/browser';
import { TestRun } from './helpers/run-writer';
import { serveForSuite } from './helpers/suite';

const TABLE_ROWS = 500;
const LOG_LINES = 2500;
const NEEDLES = [10, 1500, 2400];
const TENSOR_SHAPE = [1200, 700, 3];

function logText(): string {
  let out = '';
  for (let i = 0; i < LOG_LINES; i++) {
    const needle = NEEDLES.includes(i) ? ' needle' : '';
    out += i % 97 === 5 ? `[STDERR] warning ${i}\n` : `line ${String(i).padStart(4, '0')}${needle}\n`;
  }
  return out;
}

describe('run panels', () => {
  const running: TestRun[] = [];
  const served = serveForSuite({
    fixtures: true,
    fill: async (dir) => {
      const done = await TestRun.create(dir, { project: 'panels', runId: 'done01', name: 'finished run' });
      done.append(['loss'], 50, (_m, s) => 1 / (s + 1));
      done.table(
        'predictions',
        1,
        ['id', 'label', 'score'],
        ['number', 'text', 'number'],
        Array.from({ length: TABLE_ROWS }, (_, i) => [i, `label ${i}`, i / TABLE_ROWS]),
      );
      const [h, wd, c] = TENSOR_SHAPE;
      const values = new Float32Array(h * wd * c);
      for (let i = 0; i < h; i++)
        for (let j = 0; j < wd; j++)
          for (let k = 0; k < c; k++) values[(i * wd + j) * c + k] = k * 1e6 + i * 1000 + j;
      done.tensor('weights/grid', 1, TENSOR_SHAPE, values);
      done.log('output.log', logText());
      done.finish();
      const live = await TestRun.create(dir, { project: 'panels', runId: 'live01', name: 'running run' });
      live.append(['loss'], 10, (_m, s) => s);
      running.push(live);
    },
    setupTimeoutMs: 180_000,
  });

  afterAll(() => {
    for (const r of running) r.close();
  });

  it('renames a finished run and edits its annotation with PATCH; a running run refuses', async () => {
    await withPage(served.browser, {}, async (w) => {
      const patches: Array<{ url: string; body: unknown }> = [];
      w.page.on('request', (r) => {
        if (r.method() === 'PATCH') patches.push({ url: r.url(), body: JSON.parse(r.postData() ?? 'null') });
      });
      await w.page.goto(`${served.viewer.url}/projects/panels/done01`);
      const name = w.page.locator('[data-testid="run-header-name"]');
      await name.waitFor();
      await name.dblclick();
      const input = w.page.locator('[data-testid="run-header-name-input"]');
      // An empty name is refused before any request.
      await input.fill('   ');
      await input.press('Enter');
      expect(await w.page.textContent('.run-header [role="alert"]')).toBe('Run name cannot be empty');
      expect(patches).toEqual([]);
      await input.fill('Renamed run');
      await input.press('Enter');
      await w.page.waitForSelector('[data-testid="run-header-name"]:has-text("Renamed run")');
      expect(patches[0]).toEqual({
        url: `${served.viewer.url}/api/projects/panels/runs/done01`,
        body: { name: 'Renamed run' },
      });
      // Esc cancels without a request.
      await name.dblclick();
      await input.fill('Not saved');
      await input.press('Escape');
      expect(await name.textContent()).toContain('Renamed run');
      expect(patches.length).toBe(1);

      // The annotation: the saved value is the server's sanitized one.
      const annotation = w.page.locator('[data-testid="run-header-annotation"]');
      expect((await annotation.textContent())?.trim()).toBe('done01');
      await annotation.dblclick();
      const ann = w.page.locator('.run-header input[aria-label="Annotation"]');
      await ann.fill('My Note!');
      await ann.press('Enter');
      await w.page.waitForSelector('[data-testid="run-header-annotation"]:has-text("my_note(done01)")');
      expect(patches[1].body).toEqual({ annotation: 'My Note!' });
      await screenshot(w.page, 'run-header-edited-light');

      // Both edits are on disk: a reload shows them.
      await w.page.reload();
      await w.page.waitForSelector('[data-testid="run-header-name"]:has-text("Renamed run")');
      expect(await annotation.textContent()).toBe('my_note(done01)');

      // A running run: no editing, and the tag says why.
      await w.page.goto(`${served.viewer.url}/projects/panels/live01`);
      await name.waitFor();
      expect(await w.page.textContent('[data-testid="finish-to-rename"]')).toBe('Finish run to rename');
      await name.dblclick();
      await annotation.dblclick();
      expect(await w.page.locator('.run-header input').count()).toBe(0);
      expect(patches.length).toBe(2);
      expect(w.errors).toEqual([]);
    });
  });

  it('a table of more than 200 rows scrolls virtually', async () => {
    await withPage(served.browser, {}, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/panels/done01?tab=Metrics`);
      const card = w.page.locator('[data-card-type="table"]').first();
      await card.scrollIntoViewIfNeeded();
      const rows = card.locator('tbody tr:not([aria-hidden])');
      await rows.first().waitFor();
      const shown = await rows.count();
      expect(shown).toBeGreaterThan(5);
      expect(shown).toBeLessThan(60);
      expect(await rows.first().locator('td .text').first().textContent()).toBe('0');
      await card.locator('.scroller').evaluate((el) => {
        el.scrollTop = el.scrollHeight;
      });
      const ids = () =>
        rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('td .text')?.textContent?.trim() ?? ''));
      await expect.poll(ids).toContain('499');
      expect(await rows.count()).toBeLessThan(60);
      expect(await ids()).not.toContain('0');
      await screenshot(w.page, 'run-table-virtual-light');
      expect(w.errors).toEqual([]);
    });
  });

  it('the tensor viewer requests strided slices within 512 per axis, cached per slice', async () => {
    await withPage(served.browser, { theme: 'dark' }, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/panels/done01?tab=weights`);
      const card = w.page.locator('[data-card-type="tensor"]').first();
      const heat = card.locator('[data-testid^="tensor-heatmap-"]');
      await heat.waitFor();
      const tensorRequests = () =>
        w.requests.filter((u) => u.includes('/tensors/weights/grid') && u.includes('include_data=true'));
      await expect.poll(() => tensorRequests().length).toBe(1);
      const first = new URL(tensorRequests()[0]);
      // 1200 → stride 3 (400), 700 → stride 2 (350), axis 2 fixed at 0.
      expect(first.searchParams.get('slice')).toBe('::3,::2,0');
      expect(first.searchParams.get('max_elements')).toBe('262144');
      expect(first.searchParams.get('encoding')).toBe('json');
      expect([await heat.getAttribute('data-rows'), await heat.getAttribute('data-cols')]).toEqual([
        '400',
        '350',
      ]);
      // Hover reads original-tensor coordinates, with the stride accounted for.
      const box = await heat.boundingBox();
      if (!box) throw new Error('no heatmap');
      await w.page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.25);
      const tip = await card.locator('[data-testid="tensor-hover"]').textContent();
      const m = /^\[(\d+), (\d+)\] = (.+)$/.exec(tip ?? '');
      expect(m).not.toBeNull();
      const [r, c] = [Number(m?.[1]), Number(m?.[2])];
      expect(r % 3).toBe(0);
      expect(c % 2).toBe(0);
      expect(Number((m?.[3] ?? '').replace(/,/g, ''))).toBeCloseTo(r * 1000 + c, 0);

      // Another index of the hidden axis is a new slice; going back is served from the cache.
      const slider = card.locator('[data-testid="tensor-index-2"]');
      await slider.fill('2');
      await slider.dispatchEvent('change');
      await expect.poll(() => tensorRequests().length).toBe(2);
      expect(new URL(tensorRequests()[1]).searchParams.get('slice')).toBe('::3,::2,2');
      await slider.fill('0');
      await slider.dispatchEvent('change');
      await w.page.waitForTimeout(500);
      expect(tensorRequests().length).toBe(2);
      expect(
        await inkedPixels(w.page, `[data-testid="${await heat.getAttribute('data-testid')}"]`),
      ).toBeGreaterThan(100);
      await screenshot(w.page, 'run-tensor-dark');
      expect(w.errors).toEqual([]);
    });
  });

  it('the log viewer loads earlier lines on scroll, searches them, and downloads the whole file', async () => {
    await withPage(served.browser, {}, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/panels/done01?panel=logs`);
      const content = w.page.locator('[data-testid="log-viewer-content"]');
      await content.locator('.line').first().waitFor();
      expect(await content.getAttribute('data-lines')).toBe('1000');
      for (const expected of ['2000', String(LOG_LINES)]) {
        await content.evaluate((el) => {
          el.scrollTop = 0;
          el.dispatchEvent(new Event('scroll'));
        });
        await expect.poll(() => content.getAttribute('data-lines')).toBe(expected);
      }
      expect(w.requests.filter((u) => u.includes('/logs/output.log') && u.includes('before=')).length).toBe(
        2,
      );
      expect(await content.locator('.line.stderr').count()).toBeGreaterThan(0);

      // Ctrl+F while the viewer is focused; Enter and Shift+Enter step through the matches.
      await content.click();
      await w.page.keyboard.press('Control+f');
      const search = w.page.locator('[data-testid="log-search"]');
      await expect.poll(() => search.evaluate((el) => el === document.activeElement)).toBe(true);
      await search.fill('needle');
      const count = w.page.locator('[data-testid="log-search-count"]');
      expect(await count.textContent()).toBe(`1/${NEEDLES.length}`);
      await search.press('Enter');
      expect(await count.textContent()).toBe(`2/${NEEDLES.length}`);
      await content.locator('mark', { hasText: 'needle' }).first().waitFor();
      await search.press('Shift+Enter');
      expect(await count.textContent()).toBe(`1/${NEEDLES.length}`);
      await screenshot(w.page, 'run-logs-search-light');

      const [download] = await Promise.all([
        w.page.waitForEvent('download'),
        w.page.click('[data-testid="log-download"]'),
      ]);
      expect(download.suggestedFilename()).toBe('output.log');
      expect(readFileSync(await download.path(), 'utf8')).toBe(logText());
      expect(w.requests.some((u) => u.includes('/logs/output.log') && u.includes('format=text'))).toBe(true);
      expect(w.errors).toEqual([]);
    });
  });

  it('the KDE card heatmap is the flow heatmap of docs/ui.md#flow-heatmap, with its controls', async () => {
    await withPage(served.browser, { theme: 'dark' }, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/vision/u6pw?tab=params`);
      const card = w.page.locator('[data-card-type="kde"]').first();
      await card.locator('[data-testid^="kde-overlay-"] canvas').waitFor();
      await card.locator('.segmented button', { hasText: 'heatmap' }).click();
      const heat = card.locator('[data-testid^="kde-heatmap-"]');
      await heat.locator('canvas').waitFor();
      const surfaces = () => w.requests.filter((u) => u.includes('/surface?'));
      await expect.poll(() => surfaces().length).toBeGreaterThan(0);
      const q = new URL(surfaces()[surfaces().length - 1]).searchParams;
      // Sized to the plot (which follows the size within 25 %), normalized on the client.
      const view = await card.locator('.view').evaluate((el) => el.getBoundingClientRect());
      const near = (v: number, want: number) => Math.abs(v - want) / want <= 0.25;
      expect(q.get('normalize')).toBe('none');
      expect(near(Number(q.get('bins')), Math.max(16, Math.min(256, Math.floor(view.height / 2))))).toBe(
        true,
      );
      expect(near(Number(q.get('target_rows')), Math.floor(view.width))).toBe(true);
      expect(q.get('axis')).toBe('step');
      expect(q.get('downsample')).toBe('-1');
      await w.page.waitForTimeout(200);
      const sel = `[data-testid="${await heat.getAttribute('data-testid')}"]`;
      expect(await inkedPixels(w.page, sel)).toBeGreaterThan(500);

      // Normalization and colour scale redraw without a request; the axis asks the server again.
      const n = surfaces().length;
      await card.locator('[data-testid="flow-normalize"]').selectOption('global');
      await card.locator('[data-testid="flow-colorscale"]').selectOption('Magma');
      await w.page.waitForTimeout(300);
      expect(surfaces().length).toBe(n);
      await card.locator('[data-testid="flow-axis"]').selectOption('global_step');
      await expect.poll(() => surfaces().length).toBe(n + 1);
      expect(new URL(surfaces()[n]).searchParams.get('axis')).toBe('global_step');
      await expect
        .poll(() => w.page.evaluate(() => localStorage.getItem('run-layout-vision-u6pw') ?? ''))
        .toContain('"colorscale":"Magma"');
      await screenshot(w.page, 'run-kde-heatmap-dark');
      expect(w.errors).toEqual([]);
    });
  });
});
