/**
 * The signed-in pages on the team server (docs/ui.md#signed-in-pages), in Chromium against `kobo-serve`
 * with a throwaway SQLite database: the first admin registers with the link the server prints, anonymous
 * visitors are sent to the login page and back, API tokens are shown once and stop working when revoked,
 * invites make accounts, organisations get members, a project's owner makes it public, and site admins
 * alone see the administration. The tests run in order and build on each other's accounts.
 */
import type { Browser, Cookie, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type WatchedPage, withPage } from './helpers/browser';
import { ApiSession, startTeamServer, type TeamServer } from './helpers/team-server';

const ADMIN = { username: 'boss', password: 'correct horse battery staple' };
const ALICE = { username: 'alice', password: 'down the rabbit hole 42' };

/** Console errors other than the browser's notes on 4xx answers, which these pages show as messages. */
function pageErrors(w: WatchedPage): string[] {
  return w.errors.filter((e) => !/status of 4\d\d/.test(e));
}

async function register(page: Page, username: string, password: string): Promise<void> {
  await page.getByTestId('register-username').fill(username);
  await page.getByTestId('register-password').fill(password);
  await page.getByTestId('register-repeat').fill(password);
  await page.getByTestId('register-submit').click();
}

async function signInForm(page: Page, username: string, password: string): Promise<void> {
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

const pathOf = (page: Page) => new URL(page.url()).pathname;

describe('signed-in pages on the team server', () => {
  let server: TeamServer;
  let browser: Browser;
  let adminCookies: Cookie[] = [];
  let aliceCookies: Cookie[] = [];

  beforeAll(async () => {
    server = await startTeamServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** A fresh page, signed in with the cookies given (none: anonymous). */
  function page<T>(cookies: Cookie[], fn: (w: WatchedPage) => Promise<T>): Promise<T> {
    return withPage(browser, {}, async (w) => {
      if (cookies.length) await w.context.addCookies(cookies);
      return fn(w);
    });
  }

  it('sends anonymous visitors to the login page, and the first admin registers with the printed link', async () => {
    expect(server.bootstrapInvite).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    await page([], async (w) => {
      const p = w.page;
      await p.goto(`${server.url}/`);
      await p.getByTestId('sign-in-link').waitFor();
      expect(await p.getByTestId('user-menu-button').count()).toBe(0);

      await p.goto(`${server.url}/account`);
      await p.getByTestId('page-login').waitFor();
      expect(pathOf(p)).toBe('/login');
      expect(new URL(p.url()).searchParams.get('redirect')).toBe('/account');

      // Registration is by invite (the default): without one the page says so and offers no form.
      await p.goto(`${server.url}/register`);
      await p.getByTestId('invite-needed').waitFor();
      expect(await p.getByTestId('register-submit').count()).toBe(0);

      await p.goto(`${server.url}/register?invite=${server.bootstrapInvite}`);
      await register(p, ADMIN.username, ADMIN.password);
      await p.getByTestId('user-menu-name').filter({ hasText: ADMIN.username }).waitFor();
      expect(pathOf(p)).toBe('/');
      await p.getByTestId('user-menu-button').click();
      await p.getByTestId('menu-admin').waitFor();
      expect(await p.getByTestId('sign-in-link').count()).toBe(0);
      adminCookies = await w.context.cookies();
      expect(adminCookies.map((c) => c.name)).toContain('kobo_session');
      expect(pageErrors(w)).toEqual([]);
    });
  });

  it("shows the server's refusal of a used invite", async () => {
    await page([], async (w) => {
      await w.page.goto(`${server.url}/register?invite=${server.bootstrapInvite}`);
      await register(w.page, 'mallory', 'sneaky sneaky 123');
      const error = w.page.getByTestId('form-error');
      await error.waitFor();
      expect(await error.textContent()).toContain('invalid, used or expired');
      expect(await w.page.getByTestId('user-menu-button').count()).toBe(0);
    });
  });

  it('says when the password is wrong, and after signing in returns to the page asked for', async () => {
    await page([], async (w) => {
      const p = w.page;
      await p.goto(`${server.url}/orgs`);
      await p.getByTestId('page-login').waitFor();
      await signInForm(p, ADMIN.username, 'not the password');
      const error = p.getByTestId('form-error');
      await error.waitFor();
      expect(await error.textContent()).toContain('Wrong username or password');
      expect(pathOf(p)).toBe('/login');

      await signInForm(p, ADMIN.username, ADMIN.password);
      await p.getByTestId('page-orgs').waitFor();
      expect(pathOf(p)).toBe('/orgs');
      expect(pageErrors(w)).toEqual([]);
    });
  });

  it('creates an API token that is shown once with a copy button, lists it by prefix and revokes it', async () => {
    await page(adminCookies, async (w) => {
      const p = w.page;
      await w.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
      await p.goto(`${server.url}/account`);
      await p.getByTestId('account-who').filter({ hasText: ADMIN.username }).waitFor();
      await p.getByTestId('tokens-empty').waitFor();

      await p.getByTestId('token-new').click();
      await p.getByTestId('token-name').fill('training cluster');
      await p.getByTestId('token-create').click();
      const shown = p.getByTestId('new-token-value');
      await shown.waitFor();
      const token = await shown.inputValue();
      expect(token).toMatch(/^kobo_[0-9A-Za-z]{43}$/);
      await p.getByTestId('new-token').getByRole('button', { name: 'Copy api token' }).click();
      expect(await p.evaluate(() => navigator.clipboard.readText())).toBe(token);

      // The token works as a bearer token.
      const asToken = new ApiSession(server.url, token);
      const me = await asToken.request('GET', '/api/auth/me');
      expect(me.status).toBe(200);
      expect((me.json as { username: string }).username).toBe(ADMIN.username);

      await p.getByTestId('token-done').click();
      const row = p.locator('[data-testid^="token-row-"]', { hasText: 'training cluster' });
      await row.waitFor();
      expect(await row.getByTestId('token-prefix').textContent()).toBe(`kobo_${token.slice(5, 11)}…`);
      // Shown once: neither the list nor a reload has it again.
      expect(await p.content()).not.toContain(token);
      await p.reload();
      await row.waitFor();
      expect(await p.content()).not.toContain(token);

      await row.getByRole('button', { name: 'Revoke' }).click();
      await p.getByTestId('confirm-button').click();
      await p.getByTestId('tokens-empty').waitFor();
      expect((await asToken.request('GET', '/api/auth/me')).status).toBe(401);
      expect(pageErrors(w)).toEqual([]);
    });
  });

  it('lets the admin invite a user; the new user has no administration', async () => {
    let link = '';
    await page(adminCookies, async (w) => {
      const p = w.page;
      await p.goto(`${server.url}/admin`);
      await p.getByTestId(`admin-user-${ADMIN.username}`).waitFor();
      await p.getByTestId('admin-tab-invites').click();
      await p.getByTestId('invite-create').click();
      const shown = p.getByTestId('new-invite-value');
      await shown.waitFor();
      link = await shown.inputValue();
      expect(link.startsWith(`${server.url}/register?invite=`)).toBe(true);
      const rows = p.locator('[data-testid^="invite-row-"]');
      await rows.first().waitFor();
      expect(await rows.count()).toBe(1);
      expect(await rows.first().textContent()).toContain('open');
      expect(pageErrors(w)).toEqual([]);
    });

    await page([], async (w) => {
      const p = w.page;
      await p.goto(link);
      await register(p, ALICE.username, ALICE.password);
      await p.getByTestId('user-menu-name').filter({ hasText: ALICE.username }).waitFor();
      aliceCookies = await w.context.cookies();
      await p.getByTestId('user-menu-button').click();
      await p.getByTestId('menu-account').waitFor();
      expect(await p.getByTestId('menu-admin').count()).toBe(0);

      await p.goto(`${server.url}/admin`);
      await p.getByTestId('admin-only').waitFor();
      expect(await p.getByTestId('admin-users-table').count()).toBe(0);
      expect(w.requests.some((u) => u.includes('/api/admin/'))).toBe(false);
      // And the server agrees.
      const alice = new ApiSession(server.url);
      await alice.login(ALICE.username, ALICE.password);
      expect((await alice.request('GET', '/api/admin/users')).status).toBe(403);
    });

    await page(adminCookies, async (w) => {
      const p = w.page;
      await p.goto(`${server.url}/admin`);
      const row = p.getByTestId(`admin-user-${ALICE.username}`);
      await row.waitFor();
      expect(await row.getByTestId('user-status').textContent()).toContain('active');
      await p.goto(`${server.url}/admin?tab=invites`);
      const invite = p.locator('[data-testid^="invite-row-"]').first();
      await invite.waitFor();
      expect(await invite.textContent()).toContain('used');
    });
  });

  it('creates an organisation, adds a member, changes the role; the member sees it read-only', async () => {
    await page(adminCookies, async (w) => {
      const p = w.page;
      await p.goto(`${server.url}/orgs`);
      await p.getByTestId('orgs-empty').waitFor();
      await p.getByTestId('org-name').fill('vision');
      await p.getByTestId('org-description').fill('Vision team');
      await p.getByTestId('org-create').click();
      await p.getByTestId('page-org').waitFor();
      expect(pathOf(p)).toBe('/orgs/vision');
      expect(await p.getByTestId('org-my-role').textContent()).toBe('owner');

      // A user who does not exist: the server's answer is shown.
      await p.getByTestId('member-username').fill('nobody');
      await p.getByTestId('member-add').click();
      const error = p.getByTestId('form-error');
      await error.waitFor();
      expect(await error.textContent()).toContain('User not found');

      await p.getByTestId('member-username').fill(ALICE.username);
      await p.getByTestId('member-new-role').selectOption('member');
      await p.getByTestId('member-add').click();
      const role = p.getByTestId(`member-role-${ALICE.username}`);
      await role.waitFor();
      expect(await role.inputValue()).toBe('member');
      expect(await error.count()).toBe(0);

      const saved = p.waitForResponse((r) => r.url().endsWith(`/members/${ALICE.username}`));
      await role.selectOption('viewer');
      expect((await saved).status()).toBe(200);
      await p.reload();
      await p.getByTestId(`member-role-${ALICE.username}`).waitFor();
      expect(await p.getByTestId(`member-role-${ALICE.username}`).inputValue()).toBe('viewer');
      expect(pageErrors(w)).toEqual([]);
    });

    await page(aliceCookies, async (w) => {
      const p = w.page;
      await p.goto(`${server.url}/orgs`);
      const row = p.getByTestId('org-row-vision');
      await row.waitFor();
      expect(await row.textContent()).toContain('viewer');
      await row.getByRole('link', { name: 'vision' }).click();
      const bossRole = p.getByTestId(`member-role-${ADMIN.username}`);
      await bossRole.waitFor();
      // A viewer changes nothing: roles are plain labels and there is no form to add members.
      expect(await bossRole.evaluate((e) => e.tagName)).toBe('SPAN');
      expect(await p.getByTestId('member-add').count()).toBe(0);
      expect(await p.getByTestId('org-my-role').textContent()).toBe('viewer');
    });
  });

  it("lets a project's owner make it public, after which anonymous visitors can read it", async () => {
    const boss = new ApiSession(server.url);
    await boss.login(ADMIN.username, ADMIN.password);
    const made = await boss.request('POST', '/api/auth/tokens', { name: 'uploads' });
    expect(made.status).toBe(200);
    const uploader = new ApiSession(server.url, (made.json as { token: string }).token);
    const upload = await uploader.request('POST', '/api/projects/boss%2Fmnist/runs/abc123/log', {
      metadata: { name: 'first run', created_at: '2026-01-02T03:04:05.000000+00:00', status: 'running' },
      scalars: { loss: [0, 1, 2, 3, 4].map((step) => ({ step, value: 1 / (step + 1) })) },
    });
    expect(upload.status).toBe(200);
    const anonymous = new ApiSession(server.url);
    expect((await anonymous.request('GET', '/api/projects/boss%2Fmnist')).status).toBe(404);

    await page(adminCookies, async (w) => {
      const p = w.page;
      await p.goto(`${server.url}/projects/boss%2Fmnist`);
      const button = p.getByTestId('project-visibility');
      await button.waitFor();
      expect(await button.getAttribute('data-visibility')).toBe('private');
      expect(await button.evaluate((e) => e.tagName)).toBe('BUTTON');
      await button.click();
      await p.getByTestId('visibility-public').check();
      await p.getByTestId('project-settings-save').click();
      await p.locator('[data-testid="project-visibility"][data-visibility="public"]').waitFor();
      expect(await p.getByTestId('project-settings').count()).toBe(0);
      expect(pageErrors(w)).toEqual([]);
    });

    const read = await anonymous.request('GET', '/api/projects/boss%2Fmnist');
    expect(read.status).toBe(200);
    expect((read.json as { visibility: string }).visibility).toBe('public');

    // Anonymous visitors see the project and its visibility, with nothing to change.
    await page([], async (w) => {
      const p = w.page;
      await p.goto(`${server.url}/projects/boss%2Fmnist`);
      const tag = p.locator('[data-testid="project-visibility"][data-visibility="public"]');
      await tag.waitFor();
      expect(await tag.evaluate((e) => e.tagName)).toBe('SPAN');
      await p.getByTestId('sign-in-link').waitFor();
    });
  });

  it('notices a session ended elsewhere, sends the user to sign in and back to the page', async () => {
    await page(aliceCookies, async (w) => {
      const p = w.page;
      await p.goto(`${server.url}/orgs`);
      await p.getByTestId('org-row-vision').waitFor();
      // Alice signs out everywhere from another client: this page's session is gone.
      const elsewhere = new ApiSession(server.url);
      await elsewhere.login(ALICE.username, ALICE.password);
      expect((await elsewhere.request('POST', '/api/auth/logout-all', {})).status).toBe(200);

      await p.getByTestId('org-name').fill('robotics');
      await p.getByTestId('org-create').click();
      await p.getByTestId('session-ended').waitFor();
      expect(pathOf(p)).toBe('/login');
      expect(new URL(p.url()).searchParams.get('redirect')).toBe('/orgs');
      expect(await p.getByTestId('user-menu-button').count()).toBe(0);

      await signInForm(p, ALICE.username, ALICE.password);
      await p.getByTestId('org-row-vision').waitFor();
      expect(pathOf(p)).toBe('/orgs');
      // Nothing was created by the refused request.
      expect(await p.getByTestId('org-row-robotics').count()).toBe(0);
      expect(pageErrors(w)).toEqual([]);
    });
  });

  it('lets the admin deactivate a user, who then cannot sign in, and reactivate them', async () => {
    await page(adminCookies, async (w) => {
      const p = w.page;
      await p.goto(`${server.url}/admin`);
      const row = p.getByTestId(`admin-user-${ALICE.username}`);
      await row.waitFor();
      await p.getByTestId(`deactivate-${ALICE.username}`).click();
      await p.getByTestId('confirm-button').click();
      await row.getByTestId('user-status').filter({ hasText: 'deactivated' }).waitFor();
      const refused = await new ApiSession(server.url).request('POST', '/api/auth/login', ALICE);
      expect(refused.status).toBe(403);

      await p.getByTestId(`activate-${ALICE.username}`).click();
      await row
        .getByTestId('user-status')
        .filter({ hasText: /^\s*active\s*$/ })
        .waitFor();
      await new ApiSession(server.url).login(ALICE.username, ALICE.password);
      // The admin cannot take away their own rights here.
      expect(await p.getByTestId(`deactivate-${ADMIN.username}`).count()).toBe(0);
      expect(pageErrors(w)).toEqual([]);
    });
  });

  it('gives a user a one-time password-reset link from the administration', async () => {
    let link = '';
    await page(adminCookies, async (w) => {
      await w.page.goto(`${server.url}/admin`);
      await w.page.getByTestId(`reset-link-${ALICE.username}`).click();
      const shown = w.page.getByTestId('reset-link-value');
      await shown.waitFor();
      link = await shown.inputValue();
      expect(link.startsWith(`${server.url}/reset-password?token=`)).toBe(true);
    });
    const fresh = 'through the looking glass 7';
    await page([], async (w) => {
      const p = w.page;
      await p.goto(link);
      await p.getByTestId('reset-password').fill(fresh);
      await p.getByTestId('reset-repeat').fill(fresh);
      await p.getByTestId('reset-submit').click();
      await p.getByTestId('reset-done').waitFor();
      // The link works once.
      await p.goto(link);
      await p.getByTestId('reset-password').fill('yet another password 8');
      await p.getByTestId('reset-repeat').fill('yet another password 8');
      await p.getByTestId('reset-submit').click();
      const error = p.getByTestId('form-error');
      await error.waitFor();
      expect(await error.textContent()).toContain('invalid, used or expired');
    });
    expect((await new ApiSession(server.url).request('POST', '/api/auth/login', ALICE)).status).toBe(401);
    await new ApiSession(server.url).login(ALICE.username, fresh);
  });

  it('signs out: the header offers "Sign in" and the account page asks for it', async () => {
    await page(adminCookies, async (w) => {
      const p = w.page;
      await p.goto(`${server.url}/orgs`);
      await p.getByTestId('user-menu-button').click();
      await p.getByTestId('sign-out').click();
      await p.getByTestId('sign-in-link').waitFor();
      expect(await p.getByTestId('user-menu-button').count()).toBe(0);
      await p.goto(`${server.url}/account`);
      await p.getByTestId('page-login').waitFor();
      // The old session cookie is dead on the server too.
      const old = adminCookies.find((c) => c.name === 'kobo_session');
      const res = await fetch(`${server.url}/api/auth/me`, {
        headers: { cookie: `kobo_session=${old?.value ?? ''}` },
      });
      expect(res.status).toBe(401);
    });
  });
});

describe('registration open to everyone', () => {
  let server: TeamServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startTeamServer({ extraArgs: ['--registration', 'open'] });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('links the login page to registration, which needs no invite, and shows a taken name', async () => {
    await withPage(browser, {}, async (w) => {
      const p = w.page;
      await p.goto(`${server.url}/login`);
      await p.getByRole('link', { name: 'Create one' }).click();
      await p.getByTestId('page-register').waitFor();
      await register(p, 'dana', 'a fine long secret');
      await p.getByTestId('user-menu-name').filter({ hasText: 'dana' }).waitFor();
      // A plain account: no administration.
      await p.getByTestId('user-menu-button').click();
      await p.getByTestId('menu-orgs').waitFor();
      expect(await p.getByTestId('menu-admin').count()).toBe(0);
    });
    await withPage(browser, {}, async (w) => {
      await w.page.goto(`${server.url}/register`);
      // Look-alike names collide (docs/server.md#authentication).
      await register(w.page, 'dana_', 'another long secret');
      const error = w.page.getByTestId('form-error');
      await error.waitFor();
      expect(await error.textContent()).toContain('That name is taken');
    });
  });
});
