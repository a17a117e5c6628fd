/**
 * Authentication of every /api request (docs/server.md#authentication), before any route: path
 * safety, then the principal — `local` under --no-auth (with its Host and Origin checks), else a bearer
 * token, else the session cookie (with the CSRF check of unsafe requests), else anonymous, whose unsafe
 * requests must be JSON from an allowed origin.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ALL_SCOPES, type Principal, type Scope } from '../access/principal.js';
import { LIMITS, limitAddress } from '../auth/rate-limit.js';
import { hmacBase64Url, safeEqual, sha256Hex } from '../auth/secrets.js';
import { principalFor, userByName } from '../db/accounts.js';
import { sessionUser, tokenUser } from '../db/credentials.js';
import {
  apiError,
  csrfFailed,
  insufficientScope,
  invalidName,
  invalidToken,
  notAuthenticated,
  rateLimited,
} from './api-error.js';
import type { ServerContext } from './context.js';
import { unsafePath } from './project-urls.js';

export const SESSION_COOKIE = 'kobo_session';
export const CSRF_COOKIE = 'XSRF-TOKEN';
const SESSION_MAX_AGE_S = 30 * 24 * 3600;
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

export function csrfToken(secret: string, sessionIdHash: string): string {
  return hmacBase64Url(secret, `kobo-csrf:${sessionIdHash}`);
}

export function isSecureRequest(ctx: ServerContext, req: FastifyRequest): boolean {
  return req.protocol === 'https' || ctx.config.baseUrl.startsWith('https://');
}

export function setSessionCookies(
  ctx: ServerContext,
  req: FastifyRequest,
  reply: FastifyReply,
  sessionId: string,
  idHash: string,
): void {
  const secure = isSecureRequest(ctx, req);
  reply.setCookie(SESSION_COOKIE, sessionId, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    maxAge: SESSION_MAX_AGE_S,
    secure,
  });
  setCsrfCookie(ctx, req, reply, idHash);
}

export function setCsrfCookie(
  ctx: ServerContext,
  req: FastifyRequest,
  reply: FastifyReply,
  idHash: string,
): void {
  reply.setCookie(CSRF_COOKIE, csrfToken(ctx.config.sessionSecret!, idHash), {
    path: '/',
    httpOnly: false,
    sameSite: 'strict',
    secure: isSecureRequest(ctx, req),
  });
}

export function clearSessionCookies(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
  reply.clearCookie(CSRF_COOKIE, { path: '/' });
}

function hostName(host: string | undefined): string {
  if (!host) return '';
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1).toLowerCase();
  const colon = host.lastIndexOf(':');
  return (colon > 0 ? host.slice(0, colon) : host).toLowerCase();
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** The request's own origin, as the browser would name it. */
function ownOrigin(req: FastifyRequest): string | null {
  return req.headers.host ? `${req.protocol}://${req.headers.host}` : null;
}

export function originAllowed(ctx: ServerContext, req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (typeof origin !== 'string') return true;
  return (
    origin === originOf(ctx.config.baseUrl) ||
    origin === ownOrigin(req) ||
    ctx.config.corsOrigins.includes(origin)
  );
}

function isJson(req: FastifyRequest): boolean {
  const type = req.headers['content-type'];
  return typeof type === 'string' && /^application\/json\s*(;|$)/i.test(type);
}

let localPrincipal: Promise<Principal> | null = null;

async function authenticateNoAuth(ctx: ServerContext, req: FastifyRequest): Promise<Principal> {
  if (!LOOPBACK_NAMES.has(hostName(req.headers.host))) {
    throw apiError(421, 'invalid_host', 'This development server answers only to localhost');
  }
  if (UNSAFE.has(req.method) && typeof req.headers.origin === 'string') {
    const h = hostName(new URL(req.headers.origin).host);
    if (!LOOPBACK_NAMES.has(h)) throw csrfFailed();
  }
  localPrincipal ??= (async () => {
    const user = await userByName(ctx.db, 'local');
    if (!user) throw new Error('the built-in local user is missing');
    return principalFor(ctx.db, user, 'local');
  })();
  return localPrincipal;
}

async function authenticateBearer(
  ctx: ServerContext,
  req: FastifyRequest,
  token: string,
): Promise<Principal> {
  const cacheKey = `t:${sha256Hex(token)}`;
  const cached = ctx.authCache.get(cacheKey);
  if (cached) return cached;
  const info = await tokenUser(ctx.db, token);
  if (!info) {
    const state = await ctx.limiter.hit(LIMITS.badTokenIp, limitAddress(req.ip));
    if (state.exceeded) throw rateLimited(state.retryAfterS);
    throw invalidToken();
  }
  const principal: Principal = {
    userId: info.userId,
    username: info.username,
    isAdmin: info.isAdmin,
    via: 'token',
    scopes: info.scopes,
    projectId: info.projectId,
    roles: info.roles,
    sessionIdHash: null,
    tokenId: info.id,
  };
  ctx.authCache.set(cacheKey, principal);
  return principal;
}

export async function authenticate(
  ctx: ServerContext,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  req.principal = null;
  if (ctx.config.noAuth) {
    req.principal = await authenticateNoAuth(ctx, req);
    return;
  }
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^bearer\s/i.test(auth)) {
    req.principal = await authenticateBearer(ctx, req, auth.replace(/^bearer\s+/i, '').trim());
    return;
  }
  const sessionId = req.cookies[SESSION_COOKIE];
  if (sessionId) {
    const cacheKey = `s:${sha256Hex(sessionId)}`;
    const cached = ctx.authCache.get(cacheKey);
    const s = cached
      ? {
          idHash: cached.sessionIdHash!,
          userId: cached.userId,
          username: cached.username,
          isAdmin: cached.isAdmin,
          roles: cached.roles,
        }
      : await sessionUser(ctx.db, sessionId, ctx.config.sessionIdleHours * 3_600_000);
    if (s) {
      const expected = csrfToken(ctx.config.sessionSecret!, s.idHash);
      if (req.cookies[CSRF_COOKIE] !== expected) setCsrfCookie(ctx, req, reply, s.idHash);
      if (UNSAFE.has(req.method)) {
        const header = req.headers['x-xsrf-token'] ?? req.headers['x-csrf-token'];
        if (typeof header !== 'string' || !safeEqual(header, expected) || !originAllowed(ctx, req)) {
          setCsrfCookie(ctx, req, reply, s.idHash);
          throw csrfFailed();
        }
      }
      req.principal = {
        userId: s.userId,
        username: s.username,
        isAdmin: s.isAdmin,
        via: 'session',
        scopes: ALL_SCOPES,
        projectId: null,
        roles: s.roles,
        sessionIdHash: s.idHash,
        tokenId: null,
      };
      if (!cached) ctx.authCache.set(cacheKey, req.principal);
      return;
    }
  }
  if (UNSAFE.has(req.method)) {
    if (!originAllowed(ctx, req)) throw csrfFailed();
    const hasBody = req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0';
    if (
      (hasBody ||
        req.headers['transfer-encoding'] !== undefined ||
        req.headers['content-type'] !== undefined) &&
      !isJson(req)
    ) {
      throw apiError(
        415,
        'unsupported_media_type',
        'Requests without a session or token must be application/json',
      );
    }
  }
}

/** Installs path safety and authentication for every /api request. */
export function authenticationHooks(app: FastifyInstance, ctx: ServerContext): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req, reply) => {
    const url = req.originalUrl ?? req.url;
    if (!url.startsWith('/api/') && url !== '/api') return;
    const bad = unsafePath(url);
    if (bad) throw invalidName(`Invalid path (${bad})`);
    await authenticate(ctx, req, reply);
    const p = req.principal as Principal | null;
    if (!p && ctx.config.noAnonymous && !OPEN_TO_ANONYMOUS.test(req.url.split('?')[0]))
      throw notAuthenticated();
    if (p?.via === 'token') {
      const need = tokenScopeFor(req.method, req.url);
      if (need && !p.scopes.has(need)) throw insufficientScope(need);
    }
  });
}

/** What anonymous callers may still reach under --no-anonymous: signing in and the system info. */
const OPEN_TO_ANONYMOUS =
  /^\/api\/(system\/info|auth\/(login|register|verify-email(\/resend)?|password-reset\/(request|confirm)))$/;

/**
 * The scope a token needs for a request, whatever the resource (a missing one is 403 before any lookup):
 * reads (GET, HEAD and the batch reads) need `read`, a run PATCH needs `write`; other routes check their own.
 */
export function tokenScopeFor(method: string, url: string): Scope | null {
  const path = url.split('?')[0];
  if (path === '/api/system/info' || path === '/api/auth/me') return null;
  if (method === 'GET' || method === 'HEAD') return 'read';
  if (method === 'POST' && /^\/api\/projects\/[^/]+\/runs\/batch\//.test(path)) return 'read';
  if (method === 'PATCH' && path.startsWith('/api/projects/')) return 'write';
  return null;
}
