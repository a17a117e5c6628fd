/** Debian's chromium driven by playwright-core; pages record console errors for the tests to assert on. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium-flags.mjs';
import { SCREENSHOT_DIR } from './paths';

export function launchBrowser(): Promise<Browser> {
  // Media cards play audio and video without a click in tests.
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_FLAGS, '--autoplay-policy=no-user-gesture-required'],
  });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
  /** URLs of every /api request made. */
  requests: string[];
}

export async function openPage(
  browser: Browser,
  opts: { theme?: 'light' | 'dark'; width?: number; height?: number } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1440, height: opts.height ?? 900 },
    deviceScaleFactor: 1,
    colorScheme: opts.theme ?? 'light',
  });
  if (opts.theme) {
    await context.addInitScript((t) => {
      try {
        localStorage.setItem('theme', t);
      } catch {
        // storage may be unavailable on about:blank
      }
    }, opts.theme);
  }
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
  return { page, context, errors, requests };
}

/** Runs `fn` on a fresh page and closes its context afterwards, whatever happens. */
export async function withPage<T>(
  browser: Browser,
  opts: Parameters<typeof openPage>[1],
  fn: (w: WatchedPage) => Promise<T>,
): Promise<T> {
  const w = await openPage(browser, opts);
  try {
    return await fn(w);
  } finally {
    await w.context.close();
  }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: false });
}

/** How many pixels of a canvas differ from its most common colour: > 0 means something was drawn. */
export async function inkedPixels(page: Page, selector: string): Promise<number> {
  return page.$$eval(selector, (nodes) => {
    let total = 0;
    for (const node of nodes) {
      const canvases =
        node instanceof HTMLCanvasElement ? [node] : Array.from(node.querySelectorAll('canvas'));
      for (const c of canvases) {
        const ctx = c.getContext('2d');
        if (!ctx || c.width === 0 || c.height === 0) continue;
        const data = ctx.getImageData(0, 0, c.width, c.height).data;
        const counts = new Map<number, number>();
        for (let i = 0; i < data.length; i += 16) {
          const key = (data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3];
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        let max = 0;
        let sum = 0;
        for (const v of counts.values()) {
          sum += v;
          if (v > max) max = v;
        }
        total += sum - max;
      }
    }
    return total;
  });
}

/** How many canvas pixels under `selector` are within `tolerance` of the colour `rgb`. */
export async function pixelsOfColor(
  page: Page,
  selector: string,
  rgb: [number, number, number],
  tolerance = 24,
): Promise<number> {
  return page.$$eval(
    selector,
    (nodes, [target, tol]) => {
      let n = 0;
      for (const node of nodes) {
        const canvases =
          node instanceof HTMLCanvasElement ? [node] : Array.from(node.querySelectorAll('canvas'));
        for (const c of canvases) {
          const ctx = c.getContext('2d');
          if (!ctx || c.width === 0 || c.height === 0) continue;
          const d = ctx.getImageData(0, 0, c.width, c.height).data;
          for (let i = 0; i < d.length; i += 4) {
            if (
              Math.abs(d[i] - target[0]) <= tol &&
              Math.abs(d[i + 1] - target[1]) <= tol &&
              Math.abs(d[i + 2] - target[2]) <= tol
            )
              n++;
          }
        }
      }
      return n;
    },
    [rgb, tolerance] as const,
  );
}

/** A cheap fingerprint of a canvas' pixels, to tell whether it was redrawn differently. */
export async function canvasHash(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (node) => {
    const c = node instanceof HTMLCanvasElement ? node : node.querySelector('canvas');
    if (!c) return '';
    const ctx = c.getContext('2d');
    if (!ctx) return '';
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261;
    for (let i = 0; i < data.length; i += 4) {
      h ^= data[i] + data[i + 1] * 3 + data[i + 2] * 7;
      h = Math.imul(h, 16777619);
    }
    return `${c.width}x${c.height}:${h >>> 0}`;
  });
}
