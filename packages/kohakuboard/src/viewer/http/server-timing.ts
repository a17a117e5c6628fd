/**
 * `Server-Timing: app;dur=<ms>` on every /api response (docs/api.md#headers-and-caching): from the request
 * until the body is ready. Streamed responses set it themselves at their first chunk; this hook leaves theirs
 * alone.
 */
import type { FastifyInstance } from 'fastify';

export const isApiPath = (url: string) =>
  url === '/api' || url.startsWith('/api/') || url.startsWith('/api?');

const started = new WeakMap<object, number>();

export function serverTiming(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    started.set(req, performance.now());
  });
  app.addHook('onSend', async (req, reply, payload) => {
    const t0 = started.get(req);
    if (t0 !== undefined && isApiPath(req.url) && !reply.hasHeader('server-timing')) {
      reply.header('server-timing', `app;dur=${(performance.now() - t0).toFixed(3)}`);
    }
    return payload;
  });
}
