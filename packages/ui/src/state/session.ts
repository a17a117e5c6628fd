/**
 * The signed-in user under the team server (docs/ui.md#signed-in-pages). The mode comes from
 * `/api/system/info`: `kobo open` (mode `local`) has no accounts and shows none of this; `kobo-serve`
 * (mode `remote`) has them unless it runs with `--no-auth`, where everyone is the built-in `local` admin.
 *
 * A session can end while a page is open (it expired, was ended elsewhere, or the account was
 * deactivated): requests then run as anonymous, so the first "sign in" or "not found" answer is checked
 * against `/api/auth/me`, and an ended session sends the user to the login page, keeping where they were.
 */
import { computed, reactive } from 'vue';
import type { RouteLocationNormalized, RouteLocationRaw, Router } from 'vue-router';
import { CSRF_COOKIE, dropCsrfCookie, readCookie } from '../api/csrf';
import { ApiError } from '../api/errors';
import { onApiError } from '../api/http';
import { getMe, login, logout } from '../api/server-endpoints';
import type { ServerSystemInfo, SessionUser } from '../api/server-types';
import { loadSystemInfo, system } from './system';

declare module 'vue-router' {
  interface RouteMeta {
    /** Exists only where people sign in (the team server without `--no-auth`): else "Page not found". */
    server?: boolean;
    /** Needs a signed-in user: anonymous visitors are sent to the login page. */
    signedIn?: boolean;
    /** The login and registration pages: only where accounts exist, open to anonymous visitors. */
    guest?: boolean;
    /** Readable without signing in even under `--no-anonymous` (static documentation). */
    open?: boolean;
  }
}

export const session = reactive({
  user: null as SessionUser | null,
  /** The server stopped accepting this browser's session; the login page says so. */
  ended: false,
});

const info = computed(() => system.info as ServerSystemInfo | null);

/**
 * People sign in: `kobo-serve` says `require_auth: true`. `kobo open` (mode `local`) and `kobo-serve
 * --no-auth` show none of the signed-in pages, the user menu or the project settings.
 */
export const accountsEnabled = computed(
  () => info.value?.mode === 'remote' && info.value.require_auth === true && info.value.no_auth !== true,
);

/** Anonymous visitors may read public projects. */
export const anonymousRead = computed(() => info.value?.anonymous_read !== false);

export const registrationMode = computed(() => info.value?.registration ?? 'invite');

let router: Router | null = null;
let checking: Promise<void> | null = null;

/** A path inside this app to return to after signing in; anything else is the dashboard. */
export function safeRedirect(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) return '/';
  if (value.includes('\\')) return '/';
  if (/^\/(login|register|reset-password)(\/|\?|$)/.test(value)) return '/';
  return value;
}

export function loginLocation(redirect: string, ended = false): RouteLocationRaw {
  const query: Record<string, string> = {};
  const target = safeRedirect(redirect);
  if (target !== '/') query.redirect = target;
  if (ended) query.expired = '1';
  return { name: 'login', query };
}

function sessionEnded(): void {
  session.user = null;
  session.ended = true;
  dropCsrfCookie();
  const here = router?.currentRoute.value;
  if (!router || !here || here.meta.guest) return;
  void router.replace(loginLocation(here.fullPath, true));
}

/** Asks the server whether the session still holds; ends it here when it does not. */
function confirmSession(): Promise<void> {
  checking ??= getMe()
    .then((me) => {
      session.user = { username: me.username, is_admin: me.is_admin };
    })
    .catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 401) sessionEnded();
    })
    .finally(() => {
      checking = null;
    });
  return checking;
}

const MAYBE_ENDED = new Set(['not_authenticated', 'project_not_found', 'run_not_found']);

onApiError((err) => {
  if (!session.user || !accountsEnabled.value || checking) return;
  if ((err.status === 401 || err.status === 404) && MAYBE_ENDED.has(err.code)) void confirmSession();
});

let started: Promise<void> | null = null;

/** Reads the user from the system info once; a CSRF cookie without a session there is an ended session. */
function start(): Promise<void> {
  started ??= loadSystemInfo().then(() => {
    if (!system.info) {
      started = null;
      return;
    }
    session.user = info.value?.user ?? null;
    if (accountsEnabled.value && !session.user && readCookie(CSRF_COOKIE) !== null) {
      session.ended = true;
      dropCsrfCookie();
    }
  });
  return started;
}

function notFound(to: RouteLocationNormalized): RouteLocationRaw {
  return {
    name: 'not-found',
    params: { pathMatch: to.path.slice(1).split('/') },
    query: to.query,
    hash: to.hash,
  };
}

/** Route guard: pages of the team server, pages that need a user, and `--no-anonymous`. */
export function installSessionGuard(r: Router): void {
  router = r;
  r.beforeEach(async (to) => {
    await start();
    if ((to.meta.server || to.meta.guest) && !accountsEnabled.value) return notFound(to);
    if (!accountsEnabled.value || session.user || to.meta.guest || to.meta.open) return true;
    if (to.meta.signedIn || session.ended || !anonymousRead.value)
      return loginLocation(to.fullPath, session.ended);
    return true;
  });
}

export async function signIn(username: string, password: string): Promise<void> {
  await login(username, password);
  const me = await getMe();
  session.user = { username: me.username, is_admin: me.is_admin };
  session.ended = false;
}

/** Signs out and reloads the app, so that nothing read while signed in stays in memory. */
export async function signOut(): Promise<void> {
  try {
    await logout();
  } catch (err) {
    // An already ended session signs out all the same.
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    // The server cleared no cookie then: a CSRF cookie left behind would read as an ended session.
    dropCsrfCookie();
  }
  session.user = null;
  window.location.assign(anonymousRead.value ? '/' : '/login');
}
