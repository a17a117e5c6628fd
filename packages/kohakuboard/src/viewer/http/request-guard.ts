/**
 * Protection of the local viewer against web pages in the user's browser (docs/api.md#local-security):
 *
 * - DNS rebinding: a page of another site that makes its own name resolve to 127.0.0.1 sends its own name
 *   as `Host`. Only names the viewer serves are answered (localhost, the `--host` given, `--allowed-host`
 *   names) and IP literals (a page can only send those as Host when its origin is that address); anything
 *   else is 421 invalid_host. The port is not compared: a development proxy forwards its own.
 * - Cross-site requests that change data: a form or a `text/plain` fetch needs no CORS preflight, so
 *   the body of a POST, PUT, PATCH or DELETE must be `application/json` (else 415
 *   unsupported_media_type), and an `Origin` they carry must be the viewer's own or an allowed CORS
 *   origin (else 403 csrf_failed).
 *
 * These checks belong to `kobo open`; a server mounting the read API brings its own.
 */
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../api-error.js';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface RequestGuardOptions {
  /** Host names answered besides localhost and IP literals: `--host` and every `--allowed-host`. */
  hosts: readonly string[];
  /** Origins besides the viewer's own that may send requests that change data (the CORS origins). */
  origins: readonly string[];
}

/** The host name of a Host header (lower case, IPv6 without brackets), or null when it is malformed. */
export function hostName(header: string): string | null {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0 || (end + 1 < h.length && !/^:\d+$/.test(h.slice(end + 1)))) return null;
    return h.slice(1, end);
  }
  const colon = h.indexOf(':');
  if (colon < 0) return h;
  if (h.indexOf(':', colon + 1) >= 0 || !/^\d+$/.test(h.slice(colon + 1))) return null;
  return h.slice(0, colon);
}

/** A name as given on the command line, the way Host headers are compared (brackets and case dropped). */
export function normalizeHost(name: string): string {
  const n = name.trim().toLowerCase();
  return n.startsWith('[') && n.endsWith(']') ? n.slice(1, -1) : n;
}

export function hostAllowed(header: string, names: ReadonlySet<string>): boolean {
  const name = hostName(header);
  if (name === null || name === '') return false;
  return name === 'localhost' || names.has(name) || isIP(name) !== 0;
}

function originAllowed(origin: string, host: string | undefined, origins: ReadonlySet<string>): boolean {
  if (origins.has(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && host !== undefined && url.host === host;
}

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  return contentType.split(';')[0].trim().toLowerCase() === 'application/json';
}

function hasBody(headers: { 'content-length'?: string; 'transfer-encoding'?: string }): boolean {
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}

export function requestGuard(app: FastifyInstance, o: RequestGuardOptions): void {
  const names = new Set(o.hosts.map(normalizeHost));
  const origins = new Set(o.origins);
  // A callback hook, not an async one: it runs on every request and needs no promise.
  app.addHook('onRequest', (req, _reply, done) => {
    const host = req.headers.host;
    if (host !== undefined && !hostAllowed(host, names)) {
      return done(
        new ApiError(
          421,
          'invalid_host',
          `This server does not answer to the host name in "${host}"; to reach it by that name, start it with --allowed-host`,
        ),
      );
    }
    if (!UNSAFE.has(req.method)) return done();
    // A request without a body changes nothing here (every route that writes needs one): it goes on to its
    // route, which answers 405 or invalid_body.
    if (hasBody(req.headers) && !isJson(req.headers['content-type'])) {
      return done(
        new ApiError(415, 'unsupported_media_type', 'Requests that change data must be application/json'),
      );
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, host, origins)) {
      return done(new ApiError(403, 'csrf_failed', `Requests from the origin ${origin} are not allowed`));
    }
    done();
  });
}
