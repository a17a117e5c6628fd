/**
 * Live updates: a run started while the project page is open appears in its list, and a running
 * run's chart grows without a reload, fetching only its tail (`after_step`).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, screenshot } from './helpers/browser';
import { TestRun } from './helpers/run-writer';
import { emptyDataDir, startViewer, type Viewer } from './helpers/viewer';

describe('live updates', () => {
  let viewer: Viewer;
  let dataDir: string;
  let cleanup: () => void;
  let browser: Browser;
  const runs: TestRun[] = [];

  beforeAll(async () => {
    const data = emptyDataDir();
    dataDir = data.dir;
    cleanup = data.cleanup;
    const first = await TestRun.create(dataDir, { project: 'live', runId: 'first1', name: 'first run' });
    first.append(['loss'], 200, (_m, s) => 1 / (s + 1));
    first.finish();
    viewer = await startViewer(dataDir);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const r of runs) r.close();
    await browser?.close();
    await viewer?.stop();
    cleanup?.();
  });

  it('a run started while the page is open appears, and its chart grows from tails', async () => {
    const w = await openPage(browser);
    try {
      await w.page.goto(`${viewer.url}/projects/live`);
      await w.page.waitForSelector('[data-testid="run-list-item-first1"]');
      await w.page.waitForFunction(() =>
        document.querySelector('[data-testid="live-indicator"]')?.textContent?.includes('Live'),
      );

      const run = await TestRun.create(dataDir, { project: 'live', runId: 'second2', name: 'second run' });
      runs.push(run);
      run.append(['loss'], 100, (_m, s) => 2 / (s + 1));
      await w.page.waitForSelector('[data-testid="run-list-item-second2"]', { timeout: 20_000 });
      await screenshot(w.page, 'live-project-light');

      await w.page.goto(`${viewer.url}/projects/live/second2`);
      const sel = '[data-testid^="chart-canvas-"]';
      await w.page.waitForFunction(
        (s) => Number(document.querySelector(s)?.getAttribute('data-points') ?? 0) >= 100,
        sel,
      );
      const before = Number(await w.page.getAttribute(sel, 'data-points'));
      // Append only once the page's event stream is connected, so the change is reported to it.
      await w.page.waitForFunction(() =>
        document.querySelector('[data-testid="live-indicator"]')?.textContent?.includes('Live'),
      );
      await w.page.waitForTimeout(1500);
      const requestsBefore = w.requests.length;

      run.append(['loss'], 150, (_m, s) => 2 / (s + 1));
      await w.page.waitForFunction(
        ([s, n]) =>
          Number(document.querySelector(s as string)?.getAttribute('data-points') ?? 0) > (n as number),
        [sel, before] as const,
        { timeout: 20_000 },
      );
      const after = Number(await w.page.getAttribute(sel, 'data-points'));
      expect(after).toBe(250);
      const scalarRequests = w.requests.slice(requestsBefore).filter((u) => u.includes('/scalars/loss'));
      expect(scalarRequests.length).toBeGreaterThan(0);
      // Only tails: every scalar request after the first load carries after_step.
      expect(scalarRequests.every((u) => new URL(u).searchParams.has('after_step'))).toBe(true);
      await w.page.waitForFunction(() => performance.getEntriesByName('kobo:live-applied').length > 0);
      await screenshot(w.page, 'live-run-light');
      expect(w.errors).toEqual([]);
    } finally {
      await w.context.close();
    }
  });
});
