/**
 * CORS (API.md §0.1): no headers for other origins unless allowed; the UI dev server's origin is allowed by
 * default; allowed origins get credentials and preflight answers.
 */
import type { FastifyInstance } from 'fastify';

export const DEV_UI_ORIGIN = 'http://localhost:5175';

export function cors(app: FastifyInstance, origins: readonly string[]): void {
  const allowed = new Set([DEV_UI_ORIGIN, ...origins]);
  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    if (typeof origin !== 'string' || !allowed.has(origin)) return;
    reply
      .header('access-control-allow-origin', origin)
      .header('access-control-allow-credentials', 'true')
      .header(
        'access-control-expose-headers',
        'Server-Timing, ETag, Content-Range, X-Log-Size, X-Log-Offset, X-Log-Next-Offset, X-Log-Eof',
      )
      .header('vary', 'Origin');
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      const headers = req.headers['access-control-request-headers'];
      reply
        .header('access-control-allow-methods', 'GET, HEAD, POST, PATCH, OPTIONS')
        .header('access-control-allow-headers', typeof headers === 'string' ? headers : 'Content-Type')
        .header('access-control-max-age', '600');
      return reply.code(204).send();
    }
  });
}
