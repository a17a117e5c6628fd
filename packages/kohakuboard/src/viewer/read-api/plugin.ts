/**
 * The read API as one Fastify plugin: every route of the route table (routes.ts) under /api except the
 * catch-all 404, given the options of options.ts — a run index, an access check, the system info and the
 * services it reads with. A server mounts it with its own index and access check (`kohakuboard/read-api`).
 *
 * Each route is declared with TypeBox schemas for its path, query, body and responses: Fastify validates
 * with them (TypeBox's compiler, so the mounting server's Ajv settings do not matter), the OpenAPI document
 * is built from them, and the handlers' types come from them (through the TypeBox type provider). Every route goes through one hook
 * (route-context.ts) that takes names from the raw path and applies the access check. The plugin brings its
 * own body parser, error handler and serializer (encapsulated), so that a server mounting it answers with
 * the API's error shape and JSON encoding.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { methodNotAllowed } from '../api-error.js';
import { apiErrorHandler } from '../http/error-handler.js';
import { apiJson } from '../json-encode.js';
import type { ReadApiOptions } from './options.js';
import { buildRouteContext, contextOf, type QueryType, type RouteSettings } from './route-context.js';
import { type RouteDeclaration, routeTable } from './routes.js';

/** The request body as text: the route context parses JSON after the access check (400 invalid_body). */
function rawBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
}

/**
 * Objects a handler returns are written as the API writes JSON (non-finite numbers as strings,
 * docs/api.md#conventions). Most bodies are encoded before (in the task pool) and pass through untouched.
 */
export const apiSerializer = () => apiJson;

/**
 * TypeBox's compiled check of a route's schema, built when the route is first asked rather than when it is
 * registered (a server starts without compiling some 70 schemas). Query values arrive already converted
 * from text to their declared types (route-context.ts), so nothing is converted here. Path parameters are
 * not checked again: the route context has taken every name from the raw path and checked it (decoding,
 * NUL, backslash, climbing), and their schemas are strings that document them.
 */
const validatorCompiler: FastifySchemaCompiler<TSchema> = (route) => {
  if (route.httpPart === 'params') return () => true;
  let check: ReturnType<typeof Compile> | null = null;
  return (value) => {
    check ??= Compile(route.schema);
    return check.Check(value) ? { value } : { error: [...check.Errors(value)] };
  };
};

/** The declared JSON type of each query parameter of a route. */
function queryTypes(schema: TSchema | undefined): Record<string, QueryType> | undefined {
  const props = (schema as { properties?: Record<string, { type?: string }> } | undefined)?.properties;
  if (!props) return undefined;
  const types: Record<string, QueryType> = {};
  for (const [key, p] of Object.entries(props)) {
    const t = p.type;
    types[key] = t === 'integer' || t === 'number' || t === 'boolean' || t === 'array' ? t : 'string';
  }
  return types;
}

/** What the route context, the error handler and the OpenAPI document need to know about a route. */
export interface ReadApiRouteConfig extends RouteSettings {
  parameterFields?: readonly string[];
  /** For the OpenAPI document: the name of `{name:path}` and the query to show. */
  docs: { wildcard?: string; querystring?: TSchema };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on the read API's routes. */
    readApi?: ReadApiRouteConfig;
  }
}

function settingsOf(r: RouteDeclaration): ReadApiRouteConfig {
  return {
    scope: r.scope,
    url: r.url,
    write: r.settings?.write,
    readableProject: r.settings?.readableProject,
    jsonBody: r.body !== undefined,
    query: queryTypes(r.querystring),
    parameterFields: r.parameterFields,
    docs: { wildcard: r.wildcard, querystring: r.docsQuerystring },
  };
}

function register(app: FastifyInstance, h: ReadApiOptions, r: RouteDeclaration): void {
  app.route({
    method: r.method,
    url: r.url,
    schema: {
      summary: r.summary,
      tags: r.tags,
      ...(r.params ? { params: r.params } : {}),
      ...(r.querystring ? { querystring: r.querystring } : {}),
      ...(r.body ? { body: r.body } : {}),
      response: r.response,
    },
    config: { readApi: settingsOf(r) },
    preValidation: (req: FastifyRequest, reply: FastifyReply) => buildRouteContext(h, req, reply),
    handler: async (req) => r.handle(contextOf(req), req.query, req.body),
  });
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Whether every path of `url` also matches `pattern` (a parameter or wildcard covers any segment). */
function covers(pattern: string, url: string): boolean {
  const p = pattern.split('/');
  const u = url.split('/');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '*') return u.length > i;
    if (i >= u.length) return false;
    if (p[i].startsWith(':')) continue;
    if (p[i] !== u[i]) return false;
  }
  return p.length === u.length;
}

/**
 * A known path asked with a method it does not answer gets 405 with an Allow header (docs/api.md#errors) rather than
 * 404. A method that another route answers for every path of this one (GET of `runs/batch/summary`, which
 * is the run named "batch") is left to that route. HEAD goes wherever GET goes; OPTIONS preflights of
 * allowed origins are answered before routing, by the CORS hook.
 */
function methodNotAllowedRoutes(app: FastifyInstance, routes: readonly RouteDeclaration[]): void {
  for (const url of new Set(routes.map((r) => r.url))) {
    const served = METHODS.filter((m) => routes.some((r) => r.method === m && covers(r.url, url)));
    const allow = served.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]));
    const others = METHODS.filter((m) => !served.includes(m));
    if (others.length === 0) continue;
    app.route({
      method: [...others],
      url,
      schema: { hide: true },
      handler: async () => {
        throw methodNotAllowed(allow);
      },
    });
  }
}

export async function readApiPlugin(app: FastifyInstance, h: ReadApiOptions): Promise<void> {
  rawBodyParser(app);
  app.setErrorHandler(apiErrorHandler);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(apiSerializer);
  const routes = routeTable(h);
  for (const r of routes) register(app, h, r);
  methodNotAllowedRoutes(app, routes);
}
