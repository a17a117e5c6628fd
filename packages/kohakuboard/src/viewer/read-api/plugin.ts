/**
 * The read API as one Fastify plugin (SERVER.md §5.6): every route of API.md under /api except the catch-all
 * 404, given the options of options.ts — a run index, an access check, the system info and the services it
 * reads with. Every route goes through the access check: a `{project}` segment becomes a project key, and
 * whatever the caller may not read answers exactly like what does not exist. Run routes are matched on the
 * raw path (§0.2) by one wildcard route and dispatched. The plugin brings its own body parser and error
 * handler (encapsulated), so that a server mounting it answers with the API's error shape (§0.5).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ApiError, errorReply, methodNotAllowed, routeNotFound } from '../api-error.js';
import { streamEvents } from '../events/sse-route.js';
import { rawQuery, rawSegments, segmentName } from '../path-safety.js';
import { parseQuery, type Query } from '../query-params.js';
import { matchRunRoute } from '../run-routes.js';
import { JSON_TYPE } from '../worker-pool/task-result.js';
import { dispatchRunRoute } from './dispatch.js';
import { projectsBody } from './handlers/listing.js';
import { sendBoardMedia } from './handlers/media-blob.js';
import type { ReadApiOptions } from './options.js';
import { sendJson } from './send.js';

/** The request body as text; batch and PATCH handlers parse it themselves (400 invalid_body). */
function rawBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
}

/** Every error of these routes in the one shape of API.md §0.5 (the plugin brings its own: a server mounts it). */
function apiErrors(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    const r = errorReply(err);
    if (r.status >= 500) req.log.error(err);
    if (r.headers) for (const [k, v] of Object.entries(r.headers)) reply.header(k, v);
    return reply.code(r.status).type(JSON_TYPE).send(r.body);
  });
}

/**
 * Every method a route is registered for, so that a known path asked with a method it does not answer gets
 * 405 with an Allow header (§0.5) rather than 404. HEAD is added by Fastify wherever GET is; OPTIONS
 * preflights of allowed origins are answered earlier, by the CORS hook.
 */
const ANY_METHOD = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'];

export async function readApiPlugin(app: FastifyInstance, h: ReadApiOptions): Promise<void> {
  rawBodyParsers(app);
  apiErrors(app);

  /** A fixed GET route that answers other methods with 405 and an Allow header (§0.5). */
  const getOnly = (url: string, handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>) =>
    app.route({
      method: ANY_METHOD,
      url,
      handler: async (req, reply) => {
        if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(['GET', 'HEAD']);
        return handler(req, reply);
      },
    });

  getOnly('/api/system/info', async (req, reply) => sendJson(reply, h.systemInfo(req), 'no-store'));

  getOnly('/api/projects', async (req, reply) => {
    const principal = await h.access.principal(req);
    return sendJson(reply, projectsBody(h, principal));
  });

  const runRoutes = async (req: FastifyRequest, reply: FastifyReply) => {
    const url = req.raw.url ?? req.url;
    const match = matchRunRoute(rawSegments(url).slice(2), req.method);
    if (!match) throw routeNotFound();
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (!match.allow.includes(method)) throw methodNotAllowed(match.allow);
    const principal = await h.access.principal(req);
    const q: Query = parseQuery(rawQuery(url));
    const route = { ...match.route, project: h.access.projectKey(req, match.route.project) };
    return dispatchRunRoute(h, principal, route, req, reply, q);
  };
  app.route({
    method: ANY_METHOD,
    url: '/api/projects/*',
    handler: runRoutes,
  });

  app.route({
    method: ANY_METHOD,
    url: '/api/boards/*',
    handler: async (req, reply) => {
      const url = req.raw.url ?? req.url;
      const segs = rawSegments(url).slice(2);
      if (segs.length !== 4 || segs[1] !== 'media' || segs[2] !== 'by-id') throw routeNotFound();
      if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(['GET', 'HEAD']);
      const principal = await h.access.principal(req);
      return sendBoardMedia(
        h,
        principal,
        segmentName(segs[0], 'board'),
        segmentName(segs[3], 'media id'),
        req,
        reply,
      );
    },
  });

  if (h.events) {
    const events = h.events;
    getOnly('/api/events', async (req, reply) => streamEvents(events, h, req, reply));
  }
}
