/**
 * CORS (docs/api.md#server-and-cors) through @fastify/cors: a request from another origin gets no Access-Control-*
 * headers unless that origin is allowed (`--cors-origin`; the UI dev server's origin always is); allowed
 * origins get credentials, the exposed headers the UI reads, and answers to preflight requests.
 */
import fastifyCors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

export const DEV_UI_ORIGIN = 'http://localhost:5175';

export async function cors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  const allowed = new Set([DEV_UI_ORIGIN, ...origins]);
  await app.register(fastifyCors, {
    // Another origin (or none) switches CORS off for the request: no headers at all.
    origin: (origin, done) => done(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    exposedHeaders:
      'Server-Timing, ETag, Content-Range, X-Log-Size, X-Log-Offset, X-Log-Next-Offset, X-Log-Eof',
    methods: 'GET, HEAD, POST, PATCH, OPTIONS',
    maxAge: 600,
    strictPreflight: false,
  });
}
