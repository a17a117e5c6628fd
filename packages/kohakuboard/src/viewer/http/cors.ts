/**
 * CORS (docs/api.md#cors) through @fastify/cors: a request from another origin gets no Access-Control-*
 * headers unless that origin is allowed (`--cors-origin`; the UI dev server's origin always is); allowed
 * origins get credentials, the exposed headers the UI reads, and answers to preflight requests.
 */
import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export const DEV_UI_ORIGIN = 'http://localhost:5175';

const BASE: FastifyCorsOptions = {
  credentials: true,
  exposedHeaders:
    'Server-Timing, ETag, Content-Range, X-Log-Size, X-Log-Offset, X-Log-Next-Offset, X-Log-Eof',
  methods: 'GET, HEAD, POST, PATCH, OPTIONS',
  maxAge: 600,
  strictPreflight: false,
};

export async function cors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  const allowed = new Set([DEV_UI_ORIGIN, ...origins]);
  // Per request: other origins get CORS switched off (no headers at all), and only a real preflight (one
  // that names the method it asks for) is answered as one; any other OPTIONS goes on to the routes.
  const delegator = (req: FastifyRequest, done: (err: Error | null, o: FastifyCorsOptions) => void) => {
    const origin = req.headers.origin;
    if (typeof origin !== 'string' || !allowed.has(origin)) return done(null, { origin: false });
    const headers = req.headers['access-control-request-headers'];
    done(null, {
      ...BASE,
      origin,
      preflight: req.headers['access-control-request-method'] !== undefined,
      allowedHeaders: typeof headers === 'string' ? headers : 'Content-Type',
    });
  };
  await app.register(fastifyCors, { delegator });
}
