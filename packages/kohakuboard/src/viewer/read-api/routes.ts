/**
 * The read API's route table: one declaration per route (method, URL, schemas, how much of the access model
 * it needs, handler). Fixed sub-routes are declared beside `{name:path}` routes; Fastify's router prefers
 * static segments, so they are matched first (docs/api.md#route-table). Handlers stay short: the work is in
 * handlers/, run-data/ and reader/, and slow reads go to the task executor.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { Static, TSchema } from 'typebox';
import { invalidParameter } from '../api-error.js';
import { streamEvents } from '../events/sse-route.js';
import { pathName, rawSegments } from '../path-safety.js';
import { scalarQueryFromUrl } from '../scalars/scalar-query.js';
import { negotiateEncoding } from '../worker-pool/compress-body.js';
import { requestTaskContext } from '../worker-pool/request-context.js';
import type { TaskResult } from '../worker-pool/task-result.js';
import type { TaskInput } from '../worker-pool/tasks.js';
import { sendBatch } from './handlers/batch.js';
import { sendExport } from './handlers/export-table.js';
import { projectsBody, sendConfigKeys, sendRunList, sendRunRecord, sendStatus } from './handlers/listing.js';
import { sendBoardMedia, sendMediaById, sendMediaFile } from './handlers/media-blob.js';
import { sendMetricSummaries } from './handlers/metric-summaries.js';
import { patchRun } from './handlers/patch-run.js';
import type { ReadApiOptions } from './options.js';
import type { RouteContext, RouteScope, RouteSettings, RunContext } from './route-context.js';
import * as S from './schemas.js';
import { sendResult } from './send.js';

type Method = 'GET' | 'POST' | 'PATCH';
/** The type Fastify's TypeBox type provider gives a request part validated by `T`, else `D`. */
type Provided<T, D> = T extends TSchema ? (TypeBoxTypeProvider & { schema: T })['validator'] : D;
type ContextFor<Scope extends RouteScope> = Scope extends 'run' ? RunContext : RouteContext;

/** One route as declared; `handle` gets the validated query and body typed from their schemas. */
interface Declaration<
  Scope extends RouteScope,
  Q extends TSchema | undefined,
  B extends TSchema | undefined,
> {
  method: Method;
  url: string;
  scope: Scope;
  summary: string;
  tags: string[];
  /** The name `{name:path}` has in the docs (the router calls it `*`). */
  wildcard?: string;
  params?: TSchema;
  querystring?: Q;
  /** The query the docs show, when the route accepts more than its own (see histogramOrSurface). */
  docsQuerystring?: TSchema;
  body?: B;
  response: Record<string, unknown>;
  settings?: Pick<RouteSettings, 'write' | 'readableProject'>;
  /** Body fields that are query options (errors in them are invalid_parameter). */
  parameterFields?: readonly string[];
  handle(
    c: ContextFor<Scope>,
    query: Provided<Q, Record<string, never>>,
    body: Provided<B, undefined>,
  ): unknown;
}

/** A declaration after its types were checked: what the plugin registers. */
export interface RouteDeclaration {
  method: Method;
  url: string;
  scope: RouteScope;
  summary: string;
  tags: string[];
  wildcard?: string;
  params?: TSchema;
  querystring?: TSchema;
  docsQuerystring?: TSchema;
  body?: TSchema;
  response: Record<string, unknown>;
  settings?: Pick<RouteSettings, 'write' | 'readableProject'>;
  parameterFields?: readonly string[];
  handle(c: RouteContext, query: unknown, body: unknown): unknown;
}

/**
 * Checks one declaration against its own schemas. The table holds routes of different query and body types,
 * so each is stored with those types erased once they have been checked here.
 */
function route<
  Scope extends RouteScope,
  Q extends TSchema | undefined = undefined,
  B extends TSchema | undefined = undefined,
>(d: Declaration<Scope, Q, B>): RouteDeclaration {
  return d as unknown as RouteDeclaration;
}

const RUN = '/api/projects/:project/runs/:run_id';

/**
 * Runs a task in the pool (affinity: the run's folder); large bodies are compressed there. Every task of a
 * route goes through here, with the request's client (fair queueing) and its abort signal (work of a client
 * that went away is dropped).
 */
async function task(c: RunContext, input: TaskInput): Promise<FastifyReply> {
  const encoding = negotiateEncoding(c.req.headers);
  return sendResult(
    c.reply,
    await c.h.executor.run<TaskResult>({ ...input, encoding }, c.ref.dir, requestTaskContext(c.req, c.reply)),
  );
}

const ifNoneMatch = (c: RouteContext) => (c.req.headers['if-none-match'] as string | undefined) ?? null;
const limitOf = (limit: number | undefined) => (limit ? limit : null);

function histogramQuery(q: Static<typeof S.HistogramQuery>) {
  return {
    limit: limitOf(q.limit),
    bins: q.bins ?? null,
    rangeMin: q.range_min ?? null,
    rangeMax: q.range_max ?? null,
    afterStep: q.after_step ?? null,
  };
}

function surfaceQuery(q: Static<typeof S.SurfaceQuery>) {
  return {
    ...histogramQuery({ ...q, bins: undefined }),
    bins: q.bins ?? null,
    axis: q.axis ?? 'global_step',
    normalize: q.normalize ?? 'none',
    downsample: q.downsample ?? -1,
    targetRows: q.target_rows ?? 180,
    stepMin: q.step_min ?? null,
    stepMax: q.step_max ?? null,
  };
}

function surface(c: RunContext, name: string, q: Static<typeof S.SurfaceQuery>) {
  return task(c, { task: 'surface', run: c.ref, name, query: surfaceQuery(q), ifNoneMatch: ifNoneMatch(c) });
}

/**
 * `histograms/{name:path}`: the surface of a name with a `/` comes here too (the router cannot put a fixed
 * segment after a wildcard), when the last raw segment is `surface`; `a%2Fsurface` stays the histogram
 * named `a/surface`.
 */
function histogramOrSurface(c: RunContext, q: Static<typeof S.HistogramOrSurfaceQuery>) {
  const raw = rawSegments(c.req.raw.url ?? c.req.url);
  const parts = raw.slice(raw.indexOf('histograms') + 1);
  if (parts.length >= 2 && parts[parts.length - 1] === 'surface') {
    if (q.bins !== undefined && q.bins > 1024) throw invalidParameter('bins', 'bins must be <= 1024');
    return surface(c, pathName(parts.slice(0, -1)), q);
  }
  return task(c, {
    task: 'histogram',
    run: c.ref,
    name: c.names.name,
    query: histogramQuery(q),
    ifNoneMatch: ifNoneMatch(c),
  });
}

const listRoute = (
  of: 'scalars' | 'media' | 'tables' | 'histograms' | 'tensors' | 'kernel_density' | 'logs',
  response: TSchema,
  summary: string,
  tags: string[],
) =>
  route({
    method: 'GET',
    url: `${RUN}/${of}`,
    scope: 'run',
    summary,
    tags,
    params: S.RunParams,
    querystring: S.DetailsQuery,
    response: S.jsonResponses(response),
    handle: (c, q) => task(c, { task: 'list', run: c.ref, of, details: q.details ?? false }),
  });

export function routeTable(h: ReadApiOptions): RouteDeclaration[] {
  const routes: RouteDeclaration[] = [
    route({
      method: 'GET',
      url: '/api/system/info',
      scope: 'none',
      summary: 'Server mode, version, API version and the extensions it implements',
      tags: ['system'],
      response: S.jsonResponses(S.SystemInfo),
      handle: (c) => {
        c.reply.header('cache-control', 'no-store');
        return h.systemInfo(c.req);
      },
    }),
    route({
      method: 'GET',
      url: '/api/projects',
      scope: 'none',
      summary: 'Projects with their run counts (served from the run index)',
      tags: ['projects'],
      response: S.jsonResponses(S.ProjectList),
      handle: (c) => {
        c.reply.header('cache-control', 'no-store');
        return projectsBody(h, c.principal);
      },
    }),
    route({
      method: 'GET',
      url: '/api/projects/:project/runs',
      scope: 'project',
      summary: 'The runs of a project: search, status and config filters, sort, pages, fields',
      tags: ['projects'],
      params: S.ProjectParams,
      querystring: S.RunListQuery,
      response: S.jsonResponses(S.RunList),
      handle: (c) => sendRunList(h, c.principal, c.reply, c.project, c.search),
    }),
    route({
      method: 'GET',
      url: '/api/projects/:project/config_keys',
      scope: 'project',
      summary: 'The flat config keys of a project’s runs, with counts',
      tags: ['projects'],
      params: S.ProjectParams,
      response: S.jsonResponses(S.ConfigKeys),
      handle: (c) => sendConfigKeys(h, c.principal, c.reply, c.project),
    }),
    route({
      method: 'GET',
      url: '/api/projects/:project/metric_summaries',
      scope: 'project',
      summary: 'Every run’s last step and global step, and the last, min and max of chosen metrics',
      tags: ['projects'],
      params: S.ProjectParams,
      querystring: S.MetricSummaryQuery,
      response: S.jsonResponses(S.MetricSummaries),
      handle: (c, q) => sendMetricSummaries(c, q),
    }),
    route({
      method: 'POST',
      url: '/api/projects/:project/runs/batch/summary',
      scope: 'project',
      summary: 'Summaries of several runs',
      tags: ['batch'],
      params: S.ProjectParams,
      querystring: S.EnvelopeQuery,
      body: S.BatchSummaryBody,
      settings: { readableProject: true },
      response: S.jsonResponses(S.BatchSummary),
      handle: (c) => sendBatch(h, c.principal, c.project, 'summary', c.req, c.reply, c.search),
    }),
    route({
      method: 'POST',
      url: '/api/projects/:project/runs/batch/scalars',
      scope: 'project',
      summary: 'Scalar series of several runs, streamed series by series (JSON or kbc frames)',
      tags: ['batch'],
      params: S.ProjectParams,
      querystring: S.BatchScalarsQuery,
      body: S.BatchScalarsBody,
      parameterFields: S.BATCH_SCALAR_OPTIONS,
      settings: { readableProject: true },
      response: S.alternativeResponses(S.BatchScalars, {
        [S.KBC_STREAM_TYPE]: 'kbc frames back to back, one per (run, metric), in request order',
      }),
      handle: (c) => sendBatch(h, c.principal, c.project, 'scalars', c.req, c.reply, c.search),
    }),
    route({
      method: 'POST',
      url: '/api/projects/:project/runs/batch/config',
      scope: 'project',
      summary: 'Flat configs of several runs and the keys that differ',
      tags: ['batch'],
      params: S.ProjectParams,
      body: S.BatchConfigBody,
      settings: { readableProject: true },
      response: S.jsonResponses(S.BatchConfig),
      handle: (c) => sendBatch(h, c.principal, c.project, 'config', c.req, c.reply, c.search),
    }),
    route({
      method: 'GET',
      url: '/api/projects/:project/export',
      scope: 'project',
      summary:
        'Scalars of chosen runs and metrics as a CSV, Parquet or JSON Lines file (as kobo export writes)',
      tags: ['export'],
      params: S.ProjectParams,
      querystring: S.ExportQuery,
      settings: { readableProject: true },
      response: S.EXPORT_RESPONSES,
      handle: (c, q) => sendExport(c, q),
    }),
    route({
      method: 'GET',
      url: RUN,
      scope: 'run',
      summary: 'One run as listings show it',
      tags: ['runs'],
      params: S.RunParams,
      response: S.jsonResponses(S.RunRecord),
      handle: (c) => sendRunRecord(c.reply, c.run),
    }),
    route({
      method: 'PATCH',
      url: RUN,
      scope: 'run',
      summary: 'Rename a run or change its annotation (renames its folder)',
      tags: ['runs'],
      params: S.RunParams,
      body: S.PatchRunBody,
      settings: { write: true },
      response: S.jsonResponses(S.PatchRunResponse),
      handle: (c, _q, body) => patchRun(c, body),
    }),
    route({
      method: 'GET',
      url: `${RUN}/status`,
      scope: 'run',
      summary: 'Cheap status from the run index',
      tags: ['runs'],
      params: S.RunParams,
      response: S.jsonResponses(S.RunStatusInfo),
      handle: (c) => sendStatus(c.reply, c.ref),
    }),
    route({
      method: 'GET',
      url: `${RUN}/summary`,
      scope: 'run',
      summary: 'What a run holds, with its metadata',
      tags: ['runs'],
      params: S.RunParams,
      response: S.jsonResponses(S.RunSummary),
      handle: (c) => task(c, { task: 'summary', run: c.ref }),
    }),
    route({
      method: 'GET',
      url: `${RUN}/metadata`,
      scope: 'run',
      summary: 'metadata.json with run_id, annotation and board_id',
      tags: ['runs'],
      params: S.RunParams,
      response: S.jsonResponses(S.RunMetadata),
      handle: (c) => task(c, { task: 'metadata', run: c.ref }),
    }),
    route({
      method: 'GET',
      url: `${RUN}/config`,
      scope: 'run',
      summary: 'The config and its flat form',
      tags: ['runs'],
      params: S.RunParams,
      response: S.jsonResponses(S.RunConfig),
      handle: (c) => task(c, { task: 'config', run: c.ref }),
    }),
    listRoute('scalars', S.ScalarList, 'Metric names (the base columns first)', ['scalars']),
    route({
      method: 'GET',
      url: `${RUN}/scalars/*`,
      wildcard: 'metric',
      scope: 'run',
      summary: 'One scalar series: downsampling, windows, after_step, smoothing, kbc frames',
      tags: ['scalars'],
      params: S.RunNameParams,
      querystring: S.ScalarQuery,
      response: S.alternativeResponses(S.ScalarSeries, { [S.KBC_TYPE]: 'One kbc frame (format=kbc)' }, true),
      handle: (c) =>
        task(c, {
          task: 'scalar',
          run: c.ref,
          name: c.names.name,
          query: scalarQueryFromUrl(c.search),
          ifNoneMatch: ifNoneMatch(c),
        }),
    }),
    listRoute('media', S.MediaList, 'Media log names', ['media']),
    route({
      method: 'GET',
      url: `${RUN}/media/files/:filename`,
      scope: 'run',
      summary: 'A media blob by its content-addressed file name (Range requests work)',
      tags: ['media'],
      params: S.MediaFileParams,
      response: S.BLOB_RESPONSES,
      handle: (c) => sendMediaFile(h, c.run, c.names.filename, c.req, c.reply),
    }),
    route({
      method: 'GET',
      url: `${RUN}/media/by-id/:media_id`,
      scope: 'run',
      summary: 'A media blob by the id of its media record',
      tags: ['media'],
      params: S.MediaIdParams,
      response: S.BLOB_RESPONSES,
      handle: (c) => sendMediaById(h, c.run, c.names.media_id, c.req, c.reply),
    }),
    route({
      method: 'GET',
      url: `${RUN}/media/*`,
      wildcard: 'name',
      scope: 'run',
      summary: 'The entries of a media log, by step',
      tags: ['media'],
      params: S.RunNameParams,
      querystring: S.MediaQuery,
      response: S.jsonResponses(S.MediaEntries),
      handle: (c, q) =>
        task(c, {
          task: 'media',
          run: c.ref,
          name: c.names.name,
          limit: limitOf(q.limit),
          afterStep: q.after_step ?? null,
        }),
    }),
    listRoute('tables', S.TableList, 'Table names', ['tables']),
    route({
      method: 'GET',
      url: `${RUN}/tables/*`,
      wildcard: 'name',
      scope: 'run',
      summary: 'The entries of a table, by step',
      tags: ['tables'],
      params: S.RunNameParams,
      querystring: S.TableQuery,
      response: S.jsonResponses(S.TableEntries, { etag: true }),
      handle: (c, q) =>
        task(c, {
          task: 'table',
          run: c.ref,
          name: c.names.name,
          limit: limitOf(q.limit),
          afterStep: q.after_step ?? null,
          resolveMedia: q.resolve_media ?? false,
          ifNoneMatch: ifNoneMatch(c),
        }),
    }),
    listRoute('histograms', S.HistogramList, 'Histogram and KDE names', ['histograms']),
    route({
      method: 'GET',
      url: `${RUN}/histograms/:name/surface`,
      scope: 'run',
      summary: 'Every entry of a histogram resampled onto one grid (names with `/` reach it too)',
      tags: ['histograms'],
      params: S.SurfaceParams,
      querystring: S.SurfaceQuery,
      response: S.jsonResponses(S.Surface, { etag: true }),
      handle: (c, q) => surface(c, c.names.name, q),
    }),
    route({
      method: 'GET',
      url: `${RUN}/histograms/*`,
      wildcard: 'name',
      scope: 'run',
      summary: 'The entries of a histogram (or of a KDE, as counts on a shared grid)',
      tags: ['histograms'],
      params: S.RunNameParams,
      querystring: S.HistogramOrSurfaceQuery,
      docsQuerystring: S.HistogramQuery,
      response: S.jsonResponses(S.HistogramEntries, { etag: true }),
      handle: (c, q) => histogramOrSurface(c, q),
    }),
    listRoute('tensors', S.TensorList, 'Tensor names', ['tensors']),
    route({
      method: 'GET',
      url: `${RUN}/tensors/*`,
      wildcard: 'name',
      scope: 'run',
      summary: 'The entries of a tensor: shape, statistics, slices of the values, or the .npy file',
      tags: ['tensors'],
      params: S.RunNameParams,
      querystring: S.TensorQuery,
      response: S.alternativeResponses(S.TensorEntries, {
        'application/octet-stream': 'The .npy file of one step (format=npy)',
      }),
      handle: (c, q) =>
        task(c, {
          task: 'tensor',
          run: c.ref,
          name: c.names.name,
          query: {
            step: q.step ?? null,
            limit: limitOf(q.limit),
            afterStep: q.after_step ?? null,
            includeData: q.include_data ?? false,
            encoding: q.encoding ?? 'npy_base64',
            slice: q.slice ?? null,
            maxElements: q.max_elements ?? 1_000_000,
            stats: q.stats ?? false,
            format: q.format ?? 'json',
          },
        }),
    }),
    listRoute('kernel_density', S.KdeList, 'Kernel density names', ['kernel density']),
    route({
      method: 'GET',
      url: `${RUN}/kernel_density/*`,
      wildcard: 'name',
      scope: 'run',
      summary: 'Kernel density entries: native grids, or all on one grid of `points`',
      tags: ['kernel density'],
      params: S.RunNameParams,
      querystring: S.KdeQuery,
      response: S.jsonResponses(S.KdeEntries),
      handle: (c, q) =>
        task(c, {
          task: 'kde',
          run: c.ref,
          name: c.names.name,
          query: {
            step: q.step ?? null,
            limit: limitOf(q.limit),
            afterStep: q.after_step ?? null,
            points: q.points ?? null,
            rangeMin: q.range_min ?? null,
            rangeMax: q.range_max ?? null,
          },
        }),
    }),
    listRoute('logs', S.LogList, 'The run’s log files', ['logs']),
    route({
      method: 'GET',
      url: `${RUN}/logs/:file`,
      scope: 'run',
      summary: 'A chunk of a log file: tail, follow (offset) or load earlier (before)',
      tags: ['logs'],
      params: S.LogParams,
      querystring: S.LogQuery,
      response: S.alternativeResponses(S.LogChunk, { 'text/plain': 'The chunk’s bytes (format=text)' }),
      handle: (c, q) =>
        task(c, {
          task: 'log',
          run: c.ref,
          name: c.names.file,
          query: {
            offset: q.offset ?? null,
            before: q.before ?? null,
            tail: q.tail ?? 1000,
            maxBytes: q.max_bytes ?? 1_048_576,
            stripAnsi: q.strip_ansi ?? false,
            format: q.format ?? 'json',
          },
        }),
    }),
    route({
      method: 'GET',
      url: '/api/boards/:board/media/by-id/:media_id',
      scope: 'none',
      summary: 'A media blob by run folder (any project) and media id (the original UI’s table cells)',
      tags: ['media'],
      params: S.BoardMediaParams,
      response: S.BLOB_RESPONSES,
      handle: (c) => sendBoardMedia(h, c.principal, c.names.board, c.names.media_id, c.req, c.reply),
    }),
  ];
  const events = h.events;
  if (events) {
    routes.push(
      route({
        method: 'GET',
        url: '/api/events',
        scope: 'none',
        summary: 'Live events: runs added, removed, updated, and which series grew',
        tags: ['events'],
        querystring: S.EventsQuery,
        response: S.EVENT_STREAM_RESPONSES,
        handle: (c) => streamEvents(events, h, c.req, c.reply),
      }),
    );
  }
  return routes;
}
