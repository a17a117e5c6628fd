/**
 * The signed-in pages in light and dark (docs/ui.md#signed-in-pages): each loads without console errors
 * and a screenshot of it is saved under test-output/screenshots/ (named signed-in-<page>-<theme>). The
 * accounts, token, invite, organisation and project are made through the server's API first.
 */
import type { Browser, Cookie } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, withPage } from './helpers/browser';
import { ApiSession, startTeamServer, type TeamServer } from './helpers/team-server';

const ADMIN = { username: 'boss', password: 'correct horse battery staple' };

async function ok(r: Promise<{ status: number; json: unknown }>): Promise<unknown> {
  const { status, json } = await r;
  if (status >= 300) throw new Error(`${status} ${JSON.stringify(json)}`);
  return json;
}

describe('signed-in pages, light and dark', () => {
  let server: TeamServer;
  let browser: Browser;
  let cookies: Cookie[] = [];

  beforeAll(async () => {
    server = await startTeamServer();
    browser = await launchBrowser();
    const boss = new ApiSession(server.url);
    await ok(boss.request('POST', '/api/auth/register', { ...ADMIN, invite: server.bootstrapInvite }));
    await boss.login(ADMIN.username, ADMIN.password);
    const made = (await ok(boss.request('POST', '/api/auth/tokens', { name: 'training cluster' }))) as {
      token: string;
    };
    await ok(boss.request('POST', '/api/auth/tokens', { name: 'read-only dashboards', scopes: ['read'] }));
    const invite = (await ok(boss.request('POST', '/api/admin/invites', {}))) as { url: string };
    const token = new URL(invite.url).searchParams.get('invite');
    await ok(
      new ApiSession(server.url).request('POST', '/api/auth/register', {
        username: 'alice',
        password: 'down the rabbit hole 42',
        email: 'alice@example.com',
        invite: token,
      }),
    );
    await ok(boss.request('POST', '/api/admin/invites', { is_admin: true, email: 'carol@example.com' }));
    await ok(boss.request('POST', '/api/org/create', { name: 'vision', description: 'Vision team' }));
    await ok(boss.request('POST', '/api/org/vision/members', { username: 'alice', role: 'member' }));
    await ok(
      new ApiSession(server.url, made.token).request('POST', '/api/projects/vision%2Fmnist/runs/abc123/log', {
        metadata: { name: 'first run', created_at: '2026-01-02T03:04:05.000000+00:00', status: 'running' },
        scalars: { loss: [0, 1, 2, 3].map((step) => ({ step, value: 1 / (step + 1) })) },
      }),
    );
    // The browser gets a session of its own.
    await withPage(browser, {}, async (w) => {
      await w.page.goto(`${server.url}/login`);
      await w.page.getByTestId('login-username').fill(ADMIN.username);
      await w.page.getByTestId('login-password').fill(ADMIN.password);
      await w.page.getByTestId('login-submit').click();
      await w.page.getByTestId('user-menu-button').waitFor();
      cookies = await w.context.cookies();
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const PAGES: Array<[name: string, path: string, ready: string, signedIn: boolean]> = [
    ['login', '/login', 'page-login', false],
    ['register', '/register?invite=x', 'page-register', false],
    ['account', '/account', 'tokens-table', true],
    ['admin-users', '/admin', 'admin-users-table', true],
    ['admin-invites', '/admin?tab=invites', 'invites-table', true],
    ['orgs', '/orgs', 'orgs-table', true],
    ['org', '/orgs/vision', 'members-table', true],
    ['project', '/projects/vision%2Fmnist', 'project-visibility', true],
  ];

  for (const theme of ['light', 'dark'] as const) {
    for (const [name, path, ready, signedIn] of PAGES) {
      it(`${name} (${theme})`, async () => {
        await withPage(browser, { theme }, async (w) => {
          if (signedIn) await w.context.addCookies(cookies);
          await w.page.goto(`${server.url}${path}`);
          await w.page.getByTestId(ready).waitFor();
          await w.page.waitForLoadState('networkidle');
          await screenshot(w.page, `signed-in-${name}-${theme}`);
          expect(w.errors).toEqual([]);
        });
      });
    }
    it(`new token dialog and user menu (${theme})`, async () => {
      await withPage(browser, { theme }, async (w) => {
        await w.context.addCookies(cookies);
        const p = w.page;
        await p.goto(`${server.url}/account`);
        await p.getByTestId('token-new').click();
        await p.getByTestId('token-name').fill('laptop');
        await screenshot(p, `signed-in-token-form-${theme}`);
        await p.getByTestId('token-create').click();
        await p.getByTestId('new-token-value').waitFor();
        await screenshot(p, `signed-in-token-created-${theme}`);
        await p.getByTestId('token-done').click();
        await p.getByTestId('user-menu-button').click();
        await p.getByTestId('user-menu').waitFor();
        await screenshot(p, `signed-in-user-menu-${theme}`);
        expect(w.errors).toEqual([]);
      });
    });
  }
});
