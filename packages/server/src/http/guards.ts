/**
 * Route guards and body fields: who may call a route, and the typed fields of a JSON body (400
 * invalid_body naming the field otherwise).
 */
import type { FastifyRequest } from 'fastify';
import type { Principal, Scope } from '../access/principal.js';
import { apiError, insufficientScope, notAuthenticated, sessionRequired } from './api-error.js';

/** A signed-in user (session or token); a token must have `scope` when given. */
export function requireUser(req: FastifyRequest, scope?: Scope): Principal {
  const p = req.principal;
  if (!p) throw notAuthenticated();
  if (scope && p.via === 'token' && !p.scopes.has(scope)) throw insufficientScope(scope);
  return p;
}

/** A signed-in session (or --no-auth's local user): tokens are refused. */
export function requireSession(req: FastifyRequest): Principal {
  const p = req.principal;
  if (!p) throw notAuthenticated();
  if (p.via === 'token') throw sessionRequired();
  return p;
}

export function requireAdmin(req: FastifyRequest): Principal {
  const p = requireSession(req);
  if (!p.isAdmin) throw apiError(403, 'forbidden', 'Site administrators only');
  return p;
}

export type Body = Record<string, unknown>;

export function bodyOf(req: FastifyRequest): Body {
  const b = req.body;
  if (b === undefined || b === null || b === '') return {};
  if (typeof b !== 'object' || Array.isArray(b))
    throw apiError(400, 'invalid_body', 'The body must be a JSON object');
  return b as Body;
}

export function str(b: Body, name: string): string {
  const v = b[name];
  if (typeof v !== 'string') throw apiError(400, 'invalid_body', `"${name}" must be a string`);
  return v;
}

export function optStr(b: Body, name: string): string | null {
  const v = b[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw apiError(400, 'invalid_body', `"${name}" must be a string`);
  return v;
}

export function optBool(b: Body, name: string): boolean | null {
  const v = b[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') throw apiError(400, 'invalid_body', `"${name}" must be true or false`);
  return v;
}

export function optInt(b: Body, name: string, min: number, max: number): number | null {
  const v = b[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw apiError(400, 'invalid_body', `"${name}" must be a whole number from ${min} to ${max}`);
  return v;
}

export const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();
