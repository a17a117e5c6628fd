/**
 * The read API as one Fastify plugin (SERVER.md §5.6): every route of API.md under /api except the catch-all
 * 404, given a run index, an access check and a task executor. Run routes are matched on the raw path
 * (§0.2) by one wildcard route and dispatched here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { methodNotAllowed, routeNotFound } from '../api-error.js';
import { streamEvents } from '../events/sse-route.js';
import { rawQuery, rawSegments, segmentName } from '../path-safety.js';
import { parseQuery, type Query } from '../query-params.js';
import { matchRunRoute } from '../run-routes.js';
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

export async function readApiPlugin(app: FastifyInstance, h: ReadApiOptions): Promise<void> {
  rawBodyParsers(app);

  /** A fixed GET route that answers other methods with 405 and an Allow header (§0.5). */
  const getOnly = (url: string, handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>) =>
    app.route({
      method: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'],
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
    return dispatchRunRoute(h, principal, match.route, req, reply, q);
  };
  app.route({
    method: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'],
    url: '/api/projects/*',
    handler: runRoutes,
  });

  app.route({
    method: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'],
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
