/**
 * Live updates (docs/ui.md#live-updates): a run that a real `Board` logs while the project page and the run
 * page are open appears in the list; its charts grow without a reload, fetching only tails (`after_step`,
 * U4); a metric without a namespace brings the "Metrics" tab; a page whose stream connects after data was
 * written catches up; without the event stream the UI polls; and opt-in announcements report new points.
 */
import type { Page, Route } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { openPage, screenshot, withPage } from './helpers/browser';
import { cardByTitle, waitForChart } from './helpers/chart';
import { TestRun } from './helpers/run-writer';
import { type SteadyBoard, startSteadyBoard } from './helpers/steady-board';
import { serveForSuite } from './helpers/suite';

const LIVE = '[data-testid="live-indicator"]';

async function waitForLive(page: Page, text = 'Live'): Promise<void> {
  await page.waitForFunction(
    ([sel, t]) => document.querySelector(sel as string)?.textContent?.includes(t as string) ?? false,
    [LIVE, text] as const,
    { timeout: 20_000 },
  );
}

async function pointsOf(page: Page, title: string): Promise<number> {
  return Number(
    await cardByTitle(page, title).locator('[data-testid^="chart-canvas-"]').getAttribute('data-points'),
  );
}

async function waitForPoints(page: Page, title: string, n: number): Promise<void> {
  const sel = await cardByTitle(page, title)
    .locator('[data-testid^="chart-canvas-"]')
    .getAttribute('data-testid');
  await page.waitForFunction(
    ([s, want]) =>
      Number(document.querySelector(`[data-testid="${s}"]`)?.getAttribute('data-points') ?? 0) >=
      (want as number),
    [sel, n] as const,
    { timeout: 30_000 },
  );
}

/** The /api/system/info answer without the events feature: the UI must fall back to polling. */
async function withoutEventStream(page: Page): Promise<void> {
  await page.route('**/api/system/info', async (route: Route) => {
    const res = await route.fetch();
    const info = (await res.json()) as { features?: string[] };
    info.features = (info.features ?? []).filter((f) => f !== 'events');
    await route.fulfill({ response: res, json: info });
  });
}

describe('live updates', () => {
  const runs: TestRun[] = [];
  const served = serveForSuite({
    fill: async (dir) => {
      const first = await TestRun.create(dir, { project: 'live', runId: 'first1', name: 'first run' });
      first.append(['loss'], 200, (_m, s) => 1 / (s + 1));
      first.finish();
    },
  });

  /** Polls the server until the run's index entry reflects `steps` steps (and `status`, if given). */
  async function serverSees(runId: string, steps: number, status?: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await fetch(`${served.viewer.url}/api/projects/live/runs/${runId}/status`);
      const st = (await res.json()) as { metrics_count: number; status: string };
      if (st.metrics_count >= steps && (!status || st.status === status)) return;
      if (Date.now() > deadline)
        throw new Error(`the server did not see ${runId} grow: ${JSON.stringify(st)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  afterAll(() => {
    for (const r of runs) r.close();
  });

  it('a run that a real Board logs while the pages are open appears, and its charts grow from tails only', async () => {
    const project = await openPage(served.browser);
    const runPage = await openPage(served.browser);
    let board: SteadyBoard | null = null;
    try {
      await project.page.goto(`${served.viewer.url}/projects/live`);
      await project.page.waitForSelector('[data-testid="run-list-item-first1"]');
      await waitForLive(project.page);

      board = await startSteadyBoard(served.dataDir, 'live', 'board01');
      // The project page lists the new run without a reload, shows it (Show new runs) and charts it.
      await project.page.waitForSelector('[data-testid="run-list-item-board01"]', { timeout: 20_000 });
      await project.page.click('[data-testid="tab-train"]', { timeout: 20_000 });
      const projectChart = cardByTitle(project.page, 'train/loss');
      await waitForChart(projectChart, 1);
      const shownOnProject = await pointsOf(project.page, 'train/loss');
      await waitForPoints(project.page, 'train/loss', shownOnProject + 20);
      await screenshot(project.page, 'live-project-light');

      await runPage.page.goto(`${served.viewer.url}/projects/live/board01?tab=train`);
      await waitForChart(cardByTitle(runPage.page, 'train/loss'), 1);
      await waitForLive(runPage.page);
      // Let the catch-up that follows the stream's hello settle, then watch the traffic.
      await runPage.page.waitForTimeout(1500);
      const requestsBefore = runPage.requests.length;
      const tailRequests = () =>
        runPage.requests.slice(requestsBefore).filter((u) => u.includes('/scalars/train/loss'));
      // Keep watching until the chart has grown through at least two live fetches (one fetch may bring
      // several seconds of points when events are coalesced).
      const deadline = Date.now() + 30_000;
      while (tailRequests().length < 2 && Date.now() < deadline) {
        const before = await pointsOf(runPage.page, 'train/loss');
        await waitForPoints(runPage.page, 'train/loss', before + 20);
      }
      const scalarRequests = tailRequests();
      expect(scalarRequests.length).toBeGreaterThan(1);
      // Only tails: every scalar request after the first load carries after_step.
      expect(scalarRequests.every((u) => new URL(u).searchParams.has('after_step'))).toBe(true);
      await runPage.page.waitForFunction(() => performance.getEntriesByName('kobo:live-applied').length > 0);

      // The run logged only namespaced metrics, so there is no "Metrics" tab until one without a
      // namespace arrives.
      expect(await runPage.page.locator('[data-testid="tab-Metrics"]').count()).toBe(0);
      board.logTopLevel();
      await runPage.page.waitForSelector('[data-testid="tab-Metrics"]', { timeout: 20_000 });

      await board.finish();
      await runPage.page.waitForSelector('.run-header [data-testid="status-finished"]', { timeout: 20_000 });
      await screenshot(runPage.page, 'live-run-light');
      expect(project.errors).toEqual([]);
      expect(runPage.errors).toEqual([]);
    } finally {
      board?.kill();
      await project.context.close();
      await runPage.context.close();
    }
  });

  it('a page whose event stream connects after data was written catches up on hello', async () => {
    const run = await TestRun.create(served.dataDir, { project: 'live', runId: 'gap01', name: 'gap run' });
    runs.push(run);
    run.append(['loss'], 100, (_m, s) => 1 / (s + 1));
    await withPage(served.browser, {}, async (w) => {
      // Hold the event stream back until the new data is on disk and indexed.
      let release: () => void = () => {};
      const held = new Promise<void>((r) => {
        release = r;
      });
      await w.page.route('**/api/events**', async (route) => {
        await held;
        await route.continue();
      });
      await w.page.goto(`${served.viewer.url}/projects/live/gap01`);
      const card = cardByTitle(w.page, 'loss');
      await waitForChart(card, 100);
      expect(await pointsOf(w.page, 'loss')).toBe(100);
      expect(await w.page.locator('.run-header [data-testid="status-running"]').count()).toBe(1);

      run.append(['loss'], 150, (_m, s) => 1 / (s + 1));
      run.finish();
      await serverSees('gap01', 250, 'finished');
      const before = w.requests.length;
      release();
      await waitForLive(w.page);
      await waitForPoints(w.page, 'loss', 250);
      expect(await pointsOf(w.page, 'loss')).toBe(250);
      const scalar = w.requests.slice(before).filter((u) => u.includes('/scalars/loss'));
      expect(scalar.length).toBeGreaterThan(0);
      expect(scalar.every((u) => new URL(u).searchParams.has('after_step'))).toBe(true);
      // The header caught up too: the run finished while the stream was away.
      await w.page.waitForSelector('.run-header [data-testid="status-finished"]');
      expect(w.errors).toEqual([]);
    });
  });

  it("U4: 100 points appended to one metric fetch only that metric's after_step tail; announced when enabled", async () => {
    const metrics = ['m0', 'm1', 'm2', 'm3', 'm4'];
    const run = await TestRun.create(served.dataDir, { project: 'live', runId: 'u4run', name: 'u4 run' });
    runs.push(run);
    // 1,000 points per metric: below the request size, so point counts are exact.
    run.append(metrics, 1000, (m, s) => Math.sin(s / 50 + metrics.indexOf(m)));
    await withPage(served.browser, {}, async (w) => {
      await w.page.goto(`${served.viewer.url}/projects/live/u4run`);
      for (const m of metrics) await waitForChart(cardByTitle(w.page, m), 1000);
      await waitForLive(w.page);
      // Screen-reader announcements are opt-in (docs/ui.md#accessibility).
      await w.page.click('[data-testid="display-settings-button"]');
      await w.page.check('[data-testid="announce-toggle"]');
      await w.page.keyboard.press('Escape');
      expect(await w.page.evaluate(() => localStorage.getItem('kobo-announce'))).toBe('true');
      // Let the catch-up that follows the stream's hello settle.
      await w.page.waitForTimeout(1500);
      await w.page.waitForLoadState('networkidle');
      const before = w.requests.length;
      const m2 = await pointsOf(w.page, 'm2');

      run.append(['m2'], 100, (_m, s) => Math.sin(s / 50 + 2));
      await waitForPoints(w.page, 'm2', m2 + 100);
      await w.page.waitForTimeout(1500);
      const scalar = w.requests.slice(before).filter((u) => u.includes('/scalars/'));
      expect(scalar.length).toBeGreaterThan(0);
      for (const u of scalar) {
        const url = new URL(u);
        expect(url.pathname.endsWith('/scalars/m2')).toBe(true);
        expect(url.searchParams.get('after_step')).not.toBeNull();
      }
      await w.page.waitForFunction(() =>
        document.querySelector('[data-testid="live-announcer"]')?.textContent?.includes('new points'),
      );
      expect(await w.page.textContent('[data-testid="live-announcer"]')).toBe('100 new points');
      expect(w.errors).toEqual([]);
    });
  });

  it('without the event stream, the run page polls its status and the project page its list', async () => {
    const run = await TestRun.create(served.dataDir, {
      project: 'live',
      runId: 'poll01',
      name: 'polled run',
    });
    runs.push(run);
    run.append(['loss'], 100, (_m, s) => 1 / (s + 1));
    await withPage(served.browser, {}, async (w) => {
      await withoutEventStream(w.page);
      await w.page.goto(`${served.viewer.url}/projects/live/poll01`);
      await waitForChart(cardByTitle(w.page, 'loss'), 100);
      await waitForLive(w.page, 'Polling');
      const before = w.requests.length;
      run.append(['loss'], 50, (_m, s) => 1 / (s + 1));
      // The status poll runs every 10 s; a grown metrics_count fetches the tail.
      await waitForPoints(w.page, 'loss', 150);
      const since = w.requests.slice(before);
      expect(since.some((u) => u.endsWith('/runs/poll01/status'))).toBe(true);
      expect(since.some((u) => u.includes('/api/events'))).toBe(false);
      const scalar = since.filter((u) => u.includes('/scalars/loss'));
      expect(scalar.length).toBeGreaterThan(0);
      expect(scalar.every((u) => new URL(u).searchParams.has('after_step'))).toBe(true);

      await w.page.goto(`${served.viewer.url}/projects/live`);
      await w.page.waitForSelector('[data-testid="run-list-item-poll01"]');
      await waitForLive(w.page, 'Polling');
      const added = await TestRun.create(served.dataDir, {
        project: 'live',
        runId: 'poll02',
        name: 'polled new run',
      });
      runs.push(added);
      added.append(['loss'], 10, (_m, s) => s);
      // The runs list is polled every 5 s.
      await w.page.waitForSelector('[data-testid="run-list-item-poll02"]', { timeout: 30_000 });
      expect(w.requests.some((u) => u.includes('/api/events'))).toBe(false);
      await screenshot(w.page, 'live-polling-light');
      expect(w.errors).toEqual([]);
    });
  });
});
