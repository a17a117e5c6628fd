/**
 * Log lines (docs/server.md#secrets-in-output): pino through Fastify, with credentials redacted from
 * headers and query strings; request bodies are never logged.
 */
import type { FastifyRequest } from 'fastify';

const SECRET_QUERY = /([?&](?:invite|token|password|secret|session|key)=)[^&]*/gi;

export function redactQuery(url: string): string {
  return url.replace(SECRET_QUERY, '$1***');
}

export function loggerOptions(level: string, stream?: NodeJS.WritableStream) {
  return {
    level,
    ...(stream ? { stream } : {}),
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-xsrf-token"]',
        'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]',
      ],
      censor: '***',
    },
    serializers: {
      req(req: FastifyRequest) {
        return { method: req.method, url: redactQuery(req.originalUrl ?? req.url), remoteAddress: req.ip };
      },
    },
  };
}
