/**
 * Where nobody signs in, none of the signed-in UI appears (docs/ui.md#signed-in-pages): under `kobo open`
 * and under `kobo-serve --no-auth` the header has no user menu and no "Sign in" link, the login, account,
 * organisation and administration pages are "Page not found", and no account route is ever asked.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, withPage } from './helpers/browser';
import { startTeamServer, type TeamServer } from './helpers/team-server';
import { emptyDataDir, startViewer, type Viewer } from './helpers/viewer';

const SIGNED_IN_PATHS = [
  '/login',
  '/register?invite=abc',
  '/reset-password?token=abc',
  '/account',
  '/orgs',
  '/orgs/vision',
  '/admin',
];
const ACCOUNT_API = /\/api\/(auth|org|admin)\//;

async function expectNoSignedInUi(browser: Browser, url: string): Promise<void> {
  await withPage(browser, {}, async (w) => {
    const p = w.page;
    await p.goto(`${url}/`);
    await p.getByTestId('breadcrumb').waitFor();
    await p.waitForLoadState('networkidle');
    expect(await p.getByTestId('sign-in-link').count()).toBe(0);
    expect(await p.getByTestId('user-menu-button').count()).toBe(0);
    for (const path of SIGNED_IN_PATHS) {
      await p.goto(`${url}${path}`);
      await p.getByTestId('not-found').waitFor();
      expect(await p.getByTestId('page-login').count(), path).toBe(0);
      expect(await p.getByTestId('sign-in-link').count(), path).toBe(0);
    }
    expect(w.requests.filter((u) => ACCOUNT_API.test(u))).toEqual([]);
    expect(w.errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
  });
}

describe('no signed-in UI where nobody signs in', () => {
  let browser: Browser;
  let viewer: Viewer | null = null;
  let data: { dir: string; cleanup: () => void } | null = null;
  let server: TeamServer | null = null;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await viewer?.stop();
    data?.cleanup();
    await server?.stop();
  });

  it('under kobo open', async () => {
    data = emptyDataDir();
    viewer = await startViewer(data.dir);
    await expectNoSignedInUi(browser, viewer.url);
  });

  it('under kobo-serve --no-auth', async () => {
    server = await startTeamServer({ noAuth: true });
    const info = (await (await fetch(`${server.url}/api/system/info`)).json()) as { require_auth: boolean };
    expect(info.require_auth).toBe(false);
    await expectNoSignedInUi(browser, server.url);
  });
});
