/**
 * Accounts (docs/server.md#authentication): register, login, logout, password changes and resets, the
 * current user and the CSRF token, at the Python server's paths and with its response shapes.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { checkEmail, checkPassword, checkUsername } from '../../auth/names.js';
import { hashPassword, needsRehash, verifyPassword } from '../../auth/passwords.js';
import { LIMITS, limitAddress } from '../../auth/rate-limit.js';
import { audit, createUser, NameTakenError, userById, userByLogin } from '../../db/accounts.js';
import {
  consumeOneTimeToken,
  createSession,
  endSession,
  endSessions,
  peekOneTimeToken,
} from '../../db/credentials.js';
import type { OneTimePurpose } from '../../db/schema.js';
import { ensureDroppedOwnerSetting } from '../../serve/bootstrap.js';
import { apiError, rateLimited } from '../api-error.js';
import { clearSessionCookies, csrfToken, setSessionCookies } from '../authenticate.js';
import type { ServerContext } from '../context.js';
import { bodyOf, iso, optStr, requireSession, requireUser, str } from '../guards.js';

const invalidCredentials = () => apiError(401, 'invalid_credentials', 'Invalid username or password');

export function nameTaken(err: unknown): never {
  if (err instanceof NameTakenError) {
    throw err.field === 'email'
      ? apiError(409, 'email_taken', 'That email is already registered')
      : apiError(409, 'name_taken', 'That name is taken');
  }
  throw err;
}

function userAgent(req: FastifyRequest): string | null {
  const ua = req.headers['user-agent'];
  return typeof ua === 'string' ? ua : null;
}

export function authRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const { db } = ctx;

  app.post('/api/auth/register', async (req) => {
    const b = bodyOf(req);
    const ip = limitAddress(req.ip);
    const limit = await ctx.limiter.hit(LIMITS.registerIp, ip);
    if (limit.exceeded) throw rateLimited(limit.retryAfterS);
    const username = checkUsername(b.username);
    const password = checkPassword(b.password, username);
    const email = b.email === undefined || b.email === null || b.email === '' ? null : checkEmail(b.email);
    const inviteText = optStr(b, 'invite');
    let isAdmin = false;
    // Under `closed`, only invites of the bootstrap and of the command line are taken.
    const purposes: OneTimePurpose[] =
      ctx.config.registration === 'closed'
        ? ['bootstrap', 'operator_invite']
        : ['invite', 'bootstrap', 'operator_invite'];
    if (inviteText !== null) {
      const invite = await peekOneTimeToken(db, inviteText, purposes);
      if (!invite) throw apiError(403, 'invalid_invite', 'The invite is invalid, used or expired');
      if (invite.email && (!email || invite.email.toLowerCase() !== email.toLowerCase()))
        throw apiError(403, 'invalid_invite', 'The invite is for another email address');
      isAdmin = invite.isAdmin;
    } else if (ctx.config.registration !== 'open') {
      throw apiError(403, 'registration_closed', 'Registration needs an invite');
    }
    const passwordHash = await hashPassword(password);
    // The invite is used only once: taken now, before the account exists.
    if (inviteText !== null && !(await consumeOneTimeToken(db, inviteText, purposes)))
      throw apiError(403, 'invalid_invite', 'The invite is invalid, used or expired');
    const id = await createUser(db, { username, email, passwordHash, isAdmin, emailVerified: true }).catch(
      nameTaken,
    );
    if (isAdmin) await ensureDroppedOwnerSetting(db, username);
    await audit(db, {
      actorId: id,
      action: 'register',
      target: username,
      ip: req.ip,
      detail: { admin: isAdmin },
    });
    return { success: true, message: 'User created successfully', username, email_verified: true };
  });

  app.post('/api/auth/login', async (req, reply) => {
    const b = bodyOf(req);
    const login = str(b, 'username').trim();
    const password = str(b, 'password');
    const ip = limitAddress(req.ip);
    const byIp = await ctx.limiter.hit(LIMITS.loginIp, ip);
    if (byIp.exceeded) throw rateLimited(byIp.retryAfterS);
    const nameKey = login.toLowerCase();
    const failures = await ctx.limiter.peek(LIMITS.loginUserFailures, nameKey);
    if (failures.exceeded) throw rateLimited(failures.retryAfterS);
    const user = await userByLogin(db, login);
    const ok = await verifyPassword(user?.passwordHash ?? null, password);
    if (!user || !ok) {
      await ctx.limiter.hit(LIMITS.loginUserFailures, nameKey);
      await audit(db, {
        actorId: user?.id ?? null,
        action: 'login_failed',
        target: user?.username ?? '',
        ip: req.ip,
      });
      throw invalidCredentials();
    }
    await ctx.limiter.reset(LIMITS.loginUserFailures, nameKey);
    if (!user.isActive) throw apiError(403, 'account_disabled', 'Account is disabled');
    if (ctx.config.requireEmailVerification && user.emailVerifiedMs === null)
      throw apiError(403, 'email_not_verified', 'Please verify your email first');
    const updates: { last_login_ms: number; password_hash?: string } = { last_login_ms: Date.now() };
    if (user.passwordHash && needsRehash(user.passwordHash))
      updates.password_hash = await hashPassword(password);
    await db.k.updateTable('users').set(updates).where('owner_id', '=', user.id).execute();
    const s = await createSession(db, user.id, req.ip ?? null, userAgent(req));
    setSessionCookies(ctx, req, reply, s.id, s.idHash);
    await audit(db, { actorId: user.id, action: 'login', target: user.username, ip: req.ip });
    return { success: true, message: 'Logged in successfully', username: user.username };
  });

  app.post('/api/auth/logout', async (req, reply) => {
    const p = requireSession(req);
    if (p.sessionIdHash) await endSession(db, p.sessionIdHash);
    ctx.authCache.clear();
    clearSessionCookies(reply);
    return { success: true, message: 'Logged out successfully' };
  });

  app.post('/api/auth/logout-all', async (req, reply) => {
    const p = requireSession(req);
    await endSessions(db, p.userId);
    ctx.authCache.clear();
    clearSessionCookies(reply);
    await audit(db, { actorId: p.userId, action: 'logout_all', target: p.username, ip: req.ip });
    return { success: true };
  });

  app.post('/api/auth/password', async (req, reply) => {
    const p = requireSession(req);
    const b = bodyOf(req);
    const current = str(b, 'current_password');
    const next = checkPassword(b.new_password, p.username);
    const user = await userById(db, p.userId);
    if (!user || !(await verifyPassword(user.passwordHash, current))) throw invalidCredentials();
    await db.k
      .updateTable('users')
      .set({ password_hash: await hashPassword(next) })
      .where('owner_id', '=', p.userId)
      .execute();
    // A password change ends every session and starts a new one here.
    await endSessions(db, p.userId);
    ctx.authCache.clear();
    const s = await createSession(db, p.userId, req.ip ?? null, userAgent(req));
    setSessionCookies(ctx, req, reply, s.id, s.idHash);
    await audit(db, { actorId: p.userId, action: 'password_change', target: p.username, ip: req.ip });
    return { success: true };
  });

  app.get('/api/auth/me', async (req, reply) => {
    const p = requireUser(req);
    const user = await userById(db, p.userId);
    if (!user) throw apiError(401, 'not_authenticated', 'Sign in first');
    reply.header('cache-control', 'no-store');
    return {
      id: user.id,
      username: user.username,
      email: user.email,
      email_verified: user.emailVerifiedMs !== null,
      created_at: iso(user.createdMs),
      is_admin: user.isAdmin,
      auth: p.via === 'token' ? 'token' : 'session',
      ...(p.via === 'token' ? { scopes: [...p.scopes] } : {}),
    };
  });

  app.get('/api/auth/csrf', async (req, reply) => {
    const p = requireSession(req);
    reply.header('cache-control', 'no-store');
    return { csrf_token: p.sessionIdHash ? csrfToken(ctx.config.sessionSecret!, p.sessionIdHash) : null };
  });

  app.post('/api/auth/verify-email', async (req) => {
    const b = bodyOf(req);
    const limit = await ctx.limiter.hit(LIMITS.verifyIp, limitAddress(req.ip));
    if (limit.exceeded) throw rateLimited(limit.retryAfterS);
    const t = await consumeOneTimeToken(db, str(b, 'token'), ['email_verify']);
    if (!t || t.userId === null) throw apiError(400, 'invalid_token', 'The link is invalid, used or expired');
    await db.k
      .updateTable('users')
      .set({ email_verified_ms: Date.now() })
      .where('owner_id', '=', t.userId)
      .execute();
    return { success: true };
  });

  // Without SMTP nothing is sent; the answer is the same either way (no enumeration of emails).
  const accepted = async (req: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const limit = await ctx.limiter.hit(LIMITS.resetIp, limitAddress(req.ip));
    if (limit.exceeded) throw rateLimited(limit.retryAfterS);
    return reply.code(202).send({ success: true });
  };
  app.post('/api/auth/verify-email/resend', accepted);
  app.post('/api/auth/password-reset/request', accepted);

  app.post('/api/auth/password-reset/confirm', async (req) => {
    const b = bodyOf(req);
    const limit = await ctx.limiter.hit(LIMITS.resetIp, limitAddress(req.ip));
    if (limit.exceeded) throw rateLimited(limit.retryAfterS);
    const token = str(b, 'token');
    const peek = await peekOneTimeToken(db, token, ['password_reset']);
    if (!peek || peek.userId === null)
      throw apiError(400, 'invalid_token', 'The link is invalid, used or expired');
    const user = await userById(db, peek.userId);
    const password = checkPassword(b.new_password, user?.username ?? null);
    const hash = await hashPassword(password);
    const t = await consumeOneTimeToken(db, token, ['password_reset']);
    if (!t || t.userId === null) throw apiError(400, 'invalid_token', 'The link is invalid, used or expired');
    await db.k.updateTable('users').set({ password_hash: hash }).where('owner_id', '=', t.userId).execute();
    await endSessions(db, t.userId);
    ctx.authCache.clear();
    await audit(db, {
      actorId: t.userId,
      action: 'password_reset',
      target: user?.username ?? '',
      ip: req.ip,
    });
    return { success: true };
  });
}
