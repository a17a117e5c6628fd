/**
 * What every read-API route goes through before its handler, in the order the API checks things: names from
 * the raw path (docs/api.md#names-in-paths), then the access check (the caller, the project key, the run
 * resolved and readable — whatever the caller may not read answers like what does not exist), then for
 * writes the read-only and write checks, then the query and body that the route's schema validates.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RunRecord } from '../../reader/run-record.js';
import { ApiError, forbidden, runNotFound } from '../api-error.js';
import { pathName, rawQuery, rawSegments, segmentName } from '../path-safety.js';
import { type RunRef, runRef } from '../run-ref.js';
import { invalidBody } from './handlers/body.js';
import { readableRuns } from './handlers/listing.js';
import type { Principal, ReadApiOptions } from './options.js';

/** The JSON type of a query parameter: text is converted to it before the route's schema checks it. */
export type QueryType = 'integer' | 'number' | 'boolean' | 'string' | 'array';

/** How much of the access model a route needs before its handler. */
export type RouteScope = 'none' | 'project' | 'run';

/** The per-route settings the context hook reads (a route's `config`). */
export interface RouteSettings {
  scope: RouteScope;
  /** The route's URL as declared, to take names from the raw path by position. */
  url: string;
  /** A mutating route: --read-only answers 405 read_only, and the caller must be allowed to write the run. */
  write?: boolean;
  /** The project must exist and be readable before the body is read (batch routes: 404 first). */
  readableProject?: boolean;
  /** The route takes a JSON body (parsed here, validated by its schema). */
  jsonBody?: boolean;
  /** The query keys the route declares, with the JSON type their text is converted to (others are ignored). */
  query?: Readonly<Record<string, QueryType>>;
}

export interface RouteContext {
  h: ReadApiOptions;
  req: FastifyRequest;
  reply: FastifyReply;
  principal: Principal | null;
  /** The project key of `{project}` (the access check maps URL segments to keys); '' without one. */
  project: string;
  /** Decoded names of the path: `name` for `{name:path}`, else each parameter by its name. */
  names: Record<string, string>;
  /** The raw query (listing and batch handlers read it themselves). */
  search: URLSearchParams;
}

export interface RunContext extends RouteContext {
  run: RunRecord;
  ref: RunRef;
}

const contexts = new WeakMap<FastifyRequest, RouteContext>();

export function contextOf(req: FastifyRequest): RouteContext {
  const c = contexts.get(req);
  if (!c) throw new Error(`no route context for ${req.method} ${req.url}`);
  return c;
}

export function runContextOf(req: FastifyRequest): RunContext {
  return contextOf(req) as RunContext;
}

/** How error messages call each path parameter. */
const WHAT: Record<string, string> = {
  project: 'project name',
  run_id: 'run id',
  filename: 'media filename',
  media_id: 'media id',
  file: 'log name',
};

/**
 * Names by position in the declared URL: `:x` is one segment, decoded and checked; `*` is the rest of the
 * path (a literal `/` separates segments; `%2F` inside one does not), each segment decoded, joined with `/`.
 */
export function namesOf(declaredUrl: string, rawUrl: string): Record<string, string> {
  const decl = declaredUrl.split('/');
  const raw = rawSegments(rawUrl);
  const names: Record<string, string> = {};
  for (let i = 1; i < decl.length; i++) {
    const d = decl[i];
    if (d === '*') {
      names.name = pathName(raw.slice(i - 1));
      break;
    }
    if (d.startsWith(':')) names[d.slice(1)] = segmentName(raw[i - 1], WHAT[d.slice(1)] ?? d.slice(1));
  }
  return names;
}

const INTEGER = /^[-+]?\d+$/;

/** A query value as its declared type; text that is not one is left as it is, for the schema to refuse. */
function converted(v: string, type: QueryType): unknown {
  switch (type) {
    case 'integer': {
      const n = Number(v);
      return INTEGER.test(v.trim()) && Number.isSafeInteger(n) ? n : v;
    }
    case 'number': {
      const n = Number(v);
      return Number.isFinite(n) ? n : v;
    }
    case 'boolean': {
      const t = v.toLowerCase();
      return t === 'true' || t === '1' ? true : t === 'false' || t === '0' ? false : v;
    }
    default:
      return v;
  }
}

/**
 * The query as the route's schema sees it, built from the raw query string: the first value of each declared
 * key (all of them for lists), empty values left out as if absent, numbers and booleans (`true|false|1|0`,
 * any case) converted from text. Unknown keys are left out.
 */
export function queryObject(
  search: URLSearchParams,
  types: Readonly<Record<string, QueryType>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in types) {
    const type = types[key];
    if (type === 'array') {
      const all = search.getAll(key).filter((v) => v !== '');
      if (all.length > 0) out[key] = all;
      continue;
    }
    const v = search.get(key);
    if (v !== null && v !== '') out[key] = converted(v, type);
  }
  return out;
}

function resolveRun(
  h: ReadApiOptions,
  principal: Principal | null,
  project: string,
  runId: string,
): RunRecord {
  const run = h.index.resolve(project, runId);
  if (!run || !h.access.canReadProject(principal, project) || !h.access.canReadRun(principal, run)) {
    throw runNotFound();
  }
  return run;
}

/** The preValidation hook of every read-API route. */
export async function buildRouteContext(
  h: ReadApiOptions,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const s = req.routeOptions.config.readApi;
  if (!s) throw new Error(`${req.method} ${req.url} is not a read API route`);
  const url = req.raw.url ?? req.url;
  const names = namesOf(s.url, url);
  const search = new URLSearchParams(rawQuery(url));
  const principal = await h.access.principal(req);
  const project = names.project === undefined ? '' : h.access.projectKey(req, names.project);
  const c: RouteContext = { h, req, reply, principal, project, names, search };
  if (s.readableProject) readableRuns(h, principal, project);
  if (s.scope === 'run') {
    const run = resolveRun(h, principal, project, names.run_id);
    Object.assign(c, { run, ref: runRef(run, h.index.runDir(run)) });
    if (s.write) {
      if (h.readOnly) {
        throw new ApiError(405, 'read_only', 'The viewer is read-only', undefined, { allow: 'GET, HEAD' });
      }
      // The caller can read the run (or it would be a 404), so refusing the write says nothing new.
      if (!h.access.canWriteRun(principal, run)) throw forbidden();
    }
  }
  contexts.set(req, c);
  if (s.query) req.query = queryObject(search, s.query);
  if (s.jsonBody) req.body = parseBody(req.body);
}

/** The request body as JSON (any content type; the viewer app requires application/json for writes). */
function parseBody(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw ?? null;
  if (raw.trim() === '') throw invalidBody('The request body is empty');
  try {
    return JSON.parse(raw);
  } catch {
    throw invalidBody('The request body is not valid JSON');
  }
}
