/**
 * The OpenAPI document of the read API, built by @fastify/swagger from the routes' schemas, at
 * `/api/docs/openapi.json`, and a browsable page at `/api/docs` (@fastify/swagger-ui). Registered before
 * the routes, so that it sees them. A `{name:path}` route is documented with its name (`{metric}`), which
 * the router knows as `*`.
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import type { ReadApiRouteConfig } from '../read-api/plugin.js';

export const OPENAPI_PATH = '/api/docs/openapi.json';

const TAGS = [
  ['system', 'The server itself'],
  ['projects', 'Projects and run listings (from the run index)'],
  ['runs', 'One run: record, status, summary, metadata, config; renaming'],
  ['batch', 'Several runs at once'],
  ['scalars', 'Metric series'],
  ['media', 'Images, video and audio'],
  ['tables', 'Logged tables'],
  ['histograms', 'Histograms and their surfaces'],
  ['tensors', 'Logged tensors'],
  ['kernel density', 'Kernel density estimates'],
  ['logs', 'The run’s log files'],
  ['events', 'Live changes as Server-Sent Events'],
] as const;

/** The route as the document shows it: `*` named, and the query the route documents. */
function documented(schema: FastifySchema, url: string, config: ReadApiRouteConfig | undefined) {
  const docs = config?.docs;
  if (!docs || (!docs.wildcard && !docs.querystring)) return { schema, url };
  const out: Record<string, unknown> = { ...schema };
  if (docs.querystring) out.querystring = docs.querystring;
  if (docs.wildcard) {
    const params = schema.params as { properties: Record<string, unknown>; required?: string[] };
    const { '*': name, ...rest } = params.properties;
    out.params = {
      ...params,
      properties: { ...rest, [docs.wildcard]: name },
      required: (params.required ?? []).map((k) => (k === '*' ? docs.wildcard : k)),
    };
  }
  return { schema: out as FastifySchema, url: url.replace(/\*$/, `:${docs.wildcard}`) };
}

export async function openApiDocs(app: FastifyInstance, version: string): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'KohakuBoard viewer API',
        version,
        description:
          'The REST API of `kobo open`. Errors are {"detail": {"error", "code"}}; names of metrics, media, ' +
          'tables, histograms, tensors and KDE may contain `/` and are sent unencoded.',
      },
      tags: TAGS.map(([name, description]) => ({ name, description })),
    },
    hideUntagged: true,
    transform: ({ schema, url, route }) => documented(schema, url, route.config?.readApi),
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
}
