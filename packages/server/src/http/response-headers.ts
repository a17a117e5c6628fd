/**
 * Headers that depend on what a response holds (docs/server.md#permissions): media and log bytes are
 * sandboxed; a cacheable response about a run that is not public is `private` and varies by credentials;
 * account, token and admin answers are never stored.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from './context.js';
import { parseProjectRef } from './project-urls.js';

const BYTES_ROUTE =
  /^\/api\/(projects\/[^/]+\/runs\/[^/]+\/(media\/(files|by-id)\/|logs\/)|boards\/[^/]+\/media\/by-id\/)/;

export function responseHeaders(app: FastifyInstance, ctx: ServerContext): void {
  /** Whether the run a URL names is public (readable without credentials). */
  const publicRun = (url: string): boolean => {
    const path = url.split('?')[0];
    const m = /^\/api\/projects\/([^/]+)\/runs\/([^/]+)\//.exec(path);
    if (!m) return false;
    let seg: string;
    let id: string;
    try {
      seg = decodeURIComponent(m[1]);
      id = decodeURIComponent(m[2]);
    } catch {
      return false;
    }
    const ref = parseProjectRef(seg);
    if (!('key' in ref)) return false;
    const run = ctx.index.resolve(ref.key, id);
    return run !== null && ctx.rights.canReadRun(null, run);
  };

  app.addHook('onSend', async (req, reply, payload) => {
    const url = req.url;
    if (!url.startsWith('/api/')) return payload;
    if (BYTES_ROUTE.test(url)) reply.header('content-security-policy', 'sandbox');
    const cache = reply.getHeader('cache-control');
    if (typeof cache === 'string' && cache.includes('public') && !publicRun(url)) {
      reply.header('cache-control', cache.replace(/\bpublic\b/, 'private'));
      reply.header('vary', 'Cookie, Authorization');
    }
    return payload;
  });
}
