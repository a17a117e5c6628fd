/**
 * The set-up most browser-test files share: a data directory (empty, a copy of the Python fixtures, or
 * made by the test), `kobo open` on it, and one browser, started before the file's tests and closed
 * after them.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchBrowser } from './browser';
import { copyFixtures, emptyDataDir, startViewer, type Viewer } from './viewer';

export interface ServedData {
  readonly viewer: Viewer;
  readonly browser: Browser;
  /** The folder the viewer watches; tests may write more runs into it. */
  readonly dataDir: string;
}

export interface ServeOptions {
  /** Start from a writable copy of the fixture runs instead of an empty folder. */
  fixtures?: boolean;
  /** A folder made elsewhere (with its clean-up), instead of the two above. */
  data?: () => Promise<{ dir: string; cleanup: () => void }>;
  /** Writes runs into the folder before the viewer starts. */
  fill?: (dataDir: string) => Promise<void> | void;
  /** For set-ups that write many runs. */
  setupTimeoutMs?: number;
}

export function serveForSuite(options: ServeOptions = {}): ServedData {
  let viewer: Viewer | null = null;
  let browser: Browser | null = null;
  let data: { dir: string; cleanup: () => void } | null = null;

  beforeAll(async () => {
    data = options.data ? await options.data() : options.fixtures ? copyFixtures() : emptyDataDir();
    await options.fill?.(data.dir);
    viewer = await startViewer(data.dir);
    browser = await launchBrowser();
  }, options.setupTimeoutMs ?? 120_000);

  afterAll(async () => {
    await browser?.close();
    await viewer?.stop();
    data?.cleanup();
  }, options.setupTimeoutMs ?? 10_000);

  const started = <T>(value: T | null, what: string): T => {
    if (value === null) throw new Error(`the suite's ${what} is not started`);
    return value;
  };
  return {
    get viewer() {
      return started(viewer, 'viewer');
    },
    get browser() {
      return started(browser, 'browser');
    },
    get dataDir() {
      return started(data, 'data directory').dir;
    },
  };
}
