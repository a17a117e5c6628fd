/**
 * The local viewer (`kobo open DIR`): a Fastify app built from plugins — the request guard (Host names and
 * cross-site writes), CORS, compression, the OpenAPI document and its page, the read API (given the
 * file-system run index and an allow-all access check), the event stream, the static UI with its SPA
 * fallback, the one error handler and Server-Timing — plus the run index, the change tracker and the task
 * pool it owns.
 *
 * Deviations from docs/api.md, chosen on purpose:
 * - Names with a `.` or `..` segment or an empty segment (a leading, trailing or doubled `/`) are 400
 *   invalid_name, like NUL, `\` and empty names (docs/api.md#names-in-paths): they could climb directories or
 *   are ambiguous.
 * - Histogram, surface and table data carry a weak ETag hashed from the body, not from the source's
 *   identity and row count (docs/api.md#headers-and-caching): equal data and query still give an equal ETag
 *   and a 304.
 * - Bodies over 1 MiB are sent as a stream of slices rather than in one piece, so that compressing them
 *   never blocks the event loop for long (docs/api.md#work-off-the-event-loop); Content-Length is then
 *   absent.
 * - The body of the parameterless run listing is cached per run-list version (any change makes a new one).
 * - In kbc frames a missing (null) step, global_step or timestamp is written as 0 (docs/api.md#kbc-frames has
 *   no `present` column for them; steps and timestamps of stored rows are never null in practice).
 * - `smooth` without `smooth_value` uses 0.9 for ema and ema_debiased, 10 for ma and 9 for gaussian.
 * - The `hello` event carries the id of the newest event (or one less than the first id of this process),
 *   not a new id, so that a reconnect with it as Last-Event-ID replays nothing twice
 *   (docs/api.md#replay-and-resync).
 * - `/api/events` filters `project` through the access check's project key; with no stream hub it is absent.
 * - With `--workers 0` every task runs on the event loop (tests and debugging only).
 * - Only requests naming a host the viewer serves are answered (421 invalid_host otherwise), and writes
 *   need a JSON body and, when they carry an Origin, the viewer's own or an allowed one (415, 403).
 * - A Range header that does not parse is ignored (the whole blob), as is one whose If-Range does not match.
 * - Unknown query parameters are ignored on every route; a parameter given twice counts once (the first).
 */
import { resolve } from 'node:path';
import fastifyCompress from '@fastify/compress';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { RunActivityTracker } from '../reader/run-activity.js';
import { type ProbeBatch, RunIndex } from '../reader/run-index.js';
import type { RunProbe } from '../reader/run-probe.js';
import type { RunLocation } from '../storage/index.js';
import { VERSION } from '../version.js';
import { errorBody, routeNotFound } from './api-error.js';
import { EventHub } from './events/event-hub.js';
import { publishIndexChange, publishRunData } from './events/publish-changes.js';
import { cors, DEV_UI_ORIGIN } from './http/cors.js';
import { apiErrorHandler } from './http/error-handler.js';
import { openApiDocs } from './http/openapi.js';
import { requestGuard } from './http/request-guard.js';
import { isApiPath, serverTiming } from './http/server-timing.js';
import { defaultUiDir, spaFallback, staticUi } from './http/static-ui.js';
import { ALLOW_ALL } from './read-api/options.js';
import { apiSerializer, readApiPlugin } from './read-api/plugin.js';
import { Health, jsonResponses } from './read-api/schemas.js';
import { BROTLI_PARAMS, COMPRESSIBLE_TYPE } from './worker-pool/compress-body.js';
import { createExecutor, type Executor } from './worker-pool/executor.js';
import { JSON_TYPE } from './worker-pool/task-result.js';
import { createReaderContext, type ProbeOutcome } from './worker-pool/tasks.js';

export const FEATURES = [
  'downsample',
  'after_step',
  'kbc',
  'smooth',
  'logs',
  'config',
  'tensors',
  'kernel_density',
  'events',
  'run_query',
];

export interface ViewerOptions {
  dataDir: string;
  /** The UI build to serve; undefined: packages/kohakuboard/ui-dist when built; null: none. */
  uiDir?: string | null;
  readOnly?: boolean;
  corsOrigins?: string[];
  /**
   * Host names answered besides localhost and IP literals (`--host` and `--allowed-host` of kobo open);
   * requests naming another host are 421 invalid_host (DNS rebinding).
   */
  allowedHosts?: string[];
  /** `--stale-after`, seconds (default 300). */
  staleAfterS?: number;
  /** `--event-interval`, seconds (default 1). */
  eventIntervalS?: number;
  /** `--cache-mb` (default 256). */
  cacheMb?: number;
  /** Worker threads for slow reads; 0 runs them in this thread. Default: the CPU count. */
  workers?: number;
  /** Index tick period in ms (default 1000) and sweep period (default 60,000). */
  pollIntervalMs?: number;
  sweepIntervalMs?: number;
  /** Use file-system notifications (default true). */
  watch?: boolean;
  /** Fastify's logger (pino): false (default) for none; kobo open logs warnings and errors to stderr. */
  logger?: FastifyServerOptions['logger'];
}

export interface Viewer {
  app: FastifyInstance;
  index: RunIndex;
  events: EventHub;
  executor: Executor;
  uiDir: string | null;
  close(): Promise<void>;
}

const MAIN_HANDLES = 64;
/** The main thread's own cache (row names, media ids): a small part of --cache-mb, at most 16 MiB. */
const MAIN_CACHE_MAX = 16 * 1024 * 1024;

function poolProbeBatch(executor: Executor): ProbeBatch {
  return async (locations: RunLocation[]) => {
    const shards = Math.max(1, executor.threads);
    const size = Math.ceil(locations.length / shards);
    const parts: RunLocation[][] = [];
    for (let i = 0; i < locations.length; i += size) parts.push(locations.slice(i, i + size));
    const results = await Promise.all(
      parts.map((p) => executor.run<ProbeOutcome[]>({ task: 'probe', locations: p })),
    );
    return results.flat().map((r) => ('error' in r ? new Error(r.error) : (r as RunProbe)));
  };
}

export async function createViewer(options: ViewerOptions): Promise<Viewer> {
  const dataDir = resolve(options.dataDir);
  const uiDir =
    options.uiDir === undefined ? defaultUiDir() : options.uiDir === null ? null : resolve(options.uiDir);
  // Part C3: decoded data ≤ --cache-mb in total over all threads, and ≤ 256 open database handles.
  const cacheBytes = Math.max(1, options.cacheMb ?? 256) * 1024 * 1024;
  const mainCacheBytes = Math.min(MAIN_CACHE_MAX, Math.floor(cacheBytes / 8));
  const executor = createExecutor({
    threads: options.workers,
    cacheBytes: cacheBytes - mainCacheBytes,
    maxHandles: 256 - MAIN_HANDLES,
    dataDir,
  });
  const reader = createReaderContext({ cacheBytes: mainCacheBytes, maxHandles: MAIN_HANDLES, dataDir });
  const idleTimer = setInterval(() => reader.handles.closeIdle(), 15_000);
  idleTimer.unref();

  const index = new RunIndex(dataDir, {
    staleAfterMs: (options.staleAfterS ?? 300) * 1000,
    pollIntervalMs: options.pollIntervalMs,
    sweepIntervalMs: options.sweepIntervalMs,
    watch: options.watch,
    probeBatch: executor.threads > 0 ? poolProbeBatch(executor) : undefined,
    withDb: (path, fn) => reader.handles.use(path, fn),
    onRunGone: (dir) => reader.handles.closeUnder(dir),
  });
  const events = new EventHub();
  index.onChange((change) => publishIndexChange(events, change));
  const activity = new RunActivityTracker(index, reader, {
    intervalMs: (options.eventIntervalS ?? 1) * 1000,
    watch: options.watch,
    active: () => events.subscriberCount > 0,
    onData: (change) => publishRunData(events, change),
  });

  const app = Fastify({
    logger: options.logger ?? false,
    forceCloseConnections: true,
    bodyLimit: 16 * 1024 * 1024,
    routerOptions: { maxParamLength: 65_536 },
    // Errors the router raises before any route (a malformed percent-escape) get the API's error shape too.
    frameworkErrors: (err, req, res) => {
      const reply = res as unknown as FastifyReply;
      if (!isApiPath(req.url)) return reply.code(400).type('text/plain; charset=utf-8').send('Bad Request');
      const code = err.code === 'FST_ERR_BAD_URL' ? 'invalid_name' : 'invalid_body';
      return reply
        .code(400)
        .type(JSON_TYPE)
        .send(errorBody({ error: 'Malformed request URL', code }));
    },
  });
  serverTiming(app);
  const corsOrigins = options.corsOrigins ?? [];
  requestGuard(app, { hosts: options.allowedHosts ?? [], origins: [DEV_UI_ORIGIN, ...corsOrigins] });
  await cors(app, corsOrigins);
  await app.register(fastifyCompress, {
    encodings: ['br', 'gzip'],
    threshold: 1024,
    syncThreshold: 64 * 1024,
    // A small window keeps each brotli stream's memory small (many large listings are compressed at once).
    brotliOptions: { params: BROTLI_PARAMS },
    customTypes: COMPRESSIBLE_TYPE,
  });
  app.setErrorHandler(apiErrorHandler);
  app.setSerializerCompiler(apiSerializer);
  app.setNotFoundHandler((req, reply) => {
    if (isApiPath(req.url)) {
      const e = routeNotFound();
      return reply.code(404).type(JSON_TYPE).send(errorBody(e.detail));
    }
    return spaFallback(uiDir, req, reply);
  });
  await openApiDocs(app, VERSION);

  app.get('/health', { schema: { response: jsonResponses(Health) } }, async () => ({
    status: 'healthy',
    mode: 'local',
  }));
  const systemInfo = () => ({
    mode: 'local',
    require_auth: false,
    version: VERSION,
    api_version: 2,
    data_dir: dataDir,
    features: FEATURES,
  });
  await app.register(readApiPlugin, {
    index,
    access: ALLOW_ALL,
    systemInfo,
    executor,
    reader,
    events,
    readOnly: options.readOnly ?? false,
  });
  if (uiDir) await staticUi(app, uiDir);
  else {
    app.get('/', async (_req, reply) =>
      reply.type(JSON_TYPE).send(
        JSON.stringify({
          name: 'KohakuBoard API (Local Mode)',
          version: VERSION,
          mode: 'local',
          board_data_dir: dataDir,
          board_count: index.size,
          docs: '/api/docs',
          endpoints: { system: '/api/system/info', projects: '/api/projects' },
          note: 'No UI build was found; the REST API is served under /api.',
        }),
      ),
    );
  }

  app.addHook('preClose', async () => {
    events.closeAll();
    activity.close();
    index.close();
  });
  app.addHook('onClose', async () => {
    clearInterval(idleTimer);
    await executor.close();
    reader.handles.closeAll();
  });

  index.start();
  activity.start();
  return { app, index, events, executor, uiDir, close: () => app.close() };
}
