/**
 * The web UI on the team server while a run is uploaded: a run page that is open when new rows arrive
 * extends its chart without a reload, a metric uploaded for the first time brings its card, and a run
 * uploaded while the project page is open appears in its list — as under `kobo open`. Chromium through
 * playwright-core, SQLite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDbUrl } from '../src/config/resolve.js';
import { ADMIN, Client, startTestServer, type TestServer } from './helpers/server.js';
import { makeToken, postLog, runMetadata } from './helpers/uploads.js';

const CHROMIUM = process.env.KOBO_CHROMIUM ?? '/usr/bin/chromium';

/** The chart card titled `title` (as the UI's own browser tests find it). */
function cardByTitle(page: Page, title: string): Locator {
  return page.locator('section[data-testid^="card-"]', {
    has: page.locator('h3.title', { hasText: new RegExp(`^\\s*${title}\\s*$`) }),
  });
}

/** Waits until the card's chart holds at least `points` points (its data-points attribute). */
async function waitForChart(card: Locator, points: number): Promise<void> {
  const plot = card.locator('[data-testid^="chart-canvas-"]').first();
  await plot.waitFor({ timeout: 30_000 });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const held = Number((await plot.getAttribute('data-points')) ?? 0);
    if (held >= points) return;
    if (Date.now() > deadline) throw new Error(`the chart holds ${held} points, expected ${points}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const rows = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ step: from + i, value: 1 / (from + i + 1) }));

describe('the web UI follows uploads live', () => {
  let dbDir = '';
  let t: TestServer;
  let admin: Client;
  let token = '';
  let browser: Browser;
  beforeAll(async () => {
    dbDir = mkdtempSync(join(tmpdir(), 'kobo-ui-live-'));
    t = await startTestServer(parseDbUrl(`sqlite:///${join(dbDir, 'kobo.db')}`), {
      flags: { 'ingest-rate': '1000' },
    });
    admin = new Client(t.url());
    await admin.login(ADMIN.username, ADMIN.password);
    token = await makeToken(admin);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    rmSync(dbDir, { recursive: true, force: true });
  });

  async function signedInPage() {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => {
      if (r.url().includes('/api/')) requests.push(r.url());
    });
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`${r.request().method()} ${r.url()} ${r.status()}`);
    });
    await context.addCookies([...admin.cookies].map(([name, value]) => ({ name, value, url: t.url() })));
    return { page, context, errors, requests };
  }

  it('extends an open run page and shows new metrics and runs', async () => {
    const up = (runId: string, body: object) => postLog(t.url(), token, 'boss%2Flive', runId, body);
    expect((await up('run1', { scalars: { loss: rows(0, 49) }, metadata: runMetadata('run1') })).status).toBe(
      200,
    );
    const w = await signedInPage();
    try {
      await w.page.goto(`${t.url()}/projects/boss%2Flive/run1`);
      const loss = cardByTitle(w.page, 'loss');
      await waitForChart(loss, 50);
      await w.page
        .locator('[data-testid="live-indicator"]', { hasText: 'Live' })
        .waitFor({ timeout: 20_000 });
      const loads = w.requests.length;
      expect((await up('run1', { scalars: { loss: rows(50, 149) } })).status).toBe(200);
      await waitForChart(loss, 150);
      // Grown from the event stream, without reloading the page.
      expect(w.requests.slice(loads).some((u) => u.includes('after_step'))).toBe(true);
      expect((await up('run1', { scalars: { loss: rows(150, 159), acc: rows(150, 159) } })).status).toBe(200);
      await waitForChart(cardByTitle(w.page, 'acc'), 10);
      await waitForChart(loss, 160);

      await w.page.goto(`${t.url()}/projects/boss%2Flive`);
      await w.page.getByText('run run1').first().waitFor({ timeout: 20_000 });
      expect(
        (await up('run2', { scalars: { loss: rows(0, 9) }, metadata: runMetadata('run2') })).status,
      ).toBe(200);
      await w.page.getByText('run run2').first().waitFor({ timeout: 20_000 });
      // The UI sends the CSRF header with its batch reads (docs/server.md#csrf): nothing may fail.
      expect(w.errors, w.errors.join('\n')).toEqual([]);
    } finally {
      await w.context.close();
    }
  });
});
