/**
 * The one error handler of the viewer and of the read-API plugin (a server mounting the plugin gets it with
 * the routes): every /api error in the API's shape (`{"detail": {"error", "code"}}`, docs/api.md#errors),
 * plain text elsewhere, and every 5xx logged with its cause. The message sent for a 5xx never shows internals.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, errorReply, type ValidationHints } from '../api-error.js';
import { JSON_TYPE } from '../worker-pool/task-result.js';
import { isApiPath } from './server-timing.js';

function enumValues(schema: unknown): readonly unknown[] | null {
  if (!schema || typeof schema !== 'object') return null;
  const s = schema as { enum?: unknown[]; anyOf?: unknown[]; const?: unknown };
  if (Array.isArray(s.enum)) return s.enum;
  if (Array.isArray(s.anyOf)) {
    const values = s.anyOf.map((x) => (x as { const?: unknown }).const);
    return values.every((v) => v !== undefined) ? values : null;
  }
  return null;
}

/** Allowed values and option fields of the route that failed, for the error message. */
function hintsOf(req: FastifyRequest, context: string | undefined): ValidationHints {
  const schema = req.routeOptions?.schema as Record<string, unknown> | undefined;
  const part = context === 'querystring' ? schema?.querystring : context === 'body' ? schema?.body : null;
  const props = (part as { properties?: Record<string, unknown> } | null)?.properties;
  return {
    allowed: (field) => enumValues(props?.[field]),
    parameterFields: req.routeOptions?.config?.readApi?.parameterFields,
  };
}

export function apiErrorHandler(
  err: FastifyError | ApiError,
  req: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const api = isApiPath(req.url);
  const r = api
    ? errorReply(err, hintsOf(req, (err as FastifyError).validationContext))
    : {
        status: err instanceof ApiError ? err.status : (err.statusCode ?? 500),
        body: '',
        headers: undefined,
      };
  if (r.status >= 500) req.log.error({ err }, `${req.method} ${req.url} failed: ${err.message}`);
  if (!api) {
    return reply
      .code(r.status)
      .type('text/plain; charset=utf-8')
      .send(r.status < 500 ? err.message : 'Internal Server Error');
  }
  if (r.headers) for (const [k, v] of Object.entries(r.headers)) reply.header(k, v);
  return reply.code(r.status).type(JSON_TYPE).send(r.body);
}
