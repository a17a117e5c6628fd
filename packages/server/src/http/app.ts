/**
 * One server process's Fastify app (docs/server.md#read-api): security headers, cookies, the URL
 * rewrite of project keys, authentication of every /api request, the server's own routes, the viewer's
 * read API plugin given the database-backed index and the access check, and the static UI.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
} from 'fastify';
import {
  createExecutor,
  createReaderContext,
  defaultUiDir,
  errorBody,
  readApiPlugin,
  serverTiming,
  spaFallback,
  staticUi,
} from 'kohakuboard/read-api';
import { ApiError } from './api-error.js';
import { authenticationHooks } from './authenticate.js';
import type { ServerContext } from './context.js';
import { loggerOptions } from './logging.js';
import { rewriteProjectUrl } from './project-urls.js';
import { responseHeaders } from './response-headers.js';
import { adminRoutes } from './routes/admin.js';
import { authRoutes } from './routes/auth.js';
import { orgRoutes } from './routes/org.js';
import { projectRoutes } from './routes/projects.js';
import { systemInfo, systemRoutes } from './routes/system.js';
import { tokenRoutes } from './routes/tokens.js';
import { uploadRoutes } from './routes/uploads.js';
import { runLeaseForPatch } from './run-lease.js';
import { inlineScriptSources } from './ui-csp.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const isApi = (url: string) => url === '/api' || url.startsWith('/api/');

export interface AppOptions {
  /** Read-API worker threads (0: this thread). */
  readerThreads?: number;
  /** Where log lines go (default: stdout). */
  logStream?: NodeJS.WritableStream;
  https?: { cert: Buffer; key: Buffer } | null;
}

export async function createApp(ctx: ServerContext, options: AppOptions = {}): Promise<FastifyInstance> {
  const { config } = ctx;
  const app = Fastify({
    logger: loggerOptions(config.logLevel, options.logStream),
    trustProxy: config.trustProxy,
    // At close, idle keep-alive connections are cut but requests in flight finish (an upload releases its
    // run lease, docs/server.md#workers); event streams are ended first, in preClose.
    forceCloseConnections: 'idle',
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 65_536 },
    rewriteUrl: (req) => rewriteProjectUrl(req.method ?? 'GET', req.url ?? '/'),
    ...(options.https ? { https: options.https } : {}),
    frameworkErrors: (err, req, res) => {
      const reply = res as unknown as FastifyReply;
      const code = err.code === 'FST_ERR_BAD_URL' ? 'invalid_name' : 'invalid_body';
      if (!isApi(req.url)) return reply.code(400).type('text/plain; charset=utf-8').send('Bad Request');
      return reply
        .code(400)
        .type(JSON_TYPE)
        .send(errorBody({ error: 'Malformed request', code }));
    },
  } as FastifyServerOptions);

  const uiDir = config.uiDir ?? defaultUiDir();
  // First, so that Server-Timing covers authentication too.
  serverTiming(app);
  await app.register(fastifyCookie);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", ...inlineScriptSources(uiDir)],
        frameAncestors: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    hsts: config.tls !== null || config.baseUrl.startsWith('https://') ? { maxAge: 15_552_000 } : false,
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });

  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    if (err instanceof ApiError) {
      if (err.headers) for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      return reply.code(err.status).type(JSON_TYPE).send(errorBody(err.detail));
    }
    const status = (err as FastifyError).statusCode ?? 500;
    if (status >= 500)
      req.log.error({ err: { message: err.message, code: (err as FastifyError).code } }, 'request failed');
    if (!isApi(req.url))
      return reply
        .code(status)
        .type('text/plain; charset=utf-8')
        .send(status < 500 ? 'Bad Request' : 'Internal Server Error');
    if (status === 413)
      return reply
        .code(413)
        .type(JSON_TYPE)
        .send(errorBody({ error: 'Request body too large', code: 'too_large' }));
    if (status === 415)
      return reply
        .code(415)
        .type(JSON_TYPE)
        .send(errorBody({ error: 'Unsupported content type', code: 'unsupported_media_type' }));
    if (status >= 400 && status < 500)
      return reply
        .code(400)
        .type(JSON_TYPE)
        .send(errorBody({ error: 'Invalid request body', code: 'invalid_body' }));
    return reply
      .code(500)
      .type(JSON_TYPE)
      .send(errorBody({ error: 'Internal server error', code: 'internal_error' }));
  });

  app.setNotFoundHandler((req, reply) => {
    if (isApi(req.url))
      return reply
        .code(404)
        .type(JSON_TYPE)
        .send(errorBody({ error: 'Not found', code: 'not_found' }));
    return spaFallback(uiDir, req, reply);
  });

  authenticationHooks(app, ctx);
  responseHeaders(app, ctx);
  runLeaseForPatch(app, ctx);
  systemRoutes(app, ctx);
  authRoutes(app, ctx);
  tokenRoutes(app, ctx);
  orgRoutes(app, ctx);
  projectRoutes(app, ctx);
  adminRoutes(app, ctx);
  uploadRoutes(app, ctx);

  const cacheBytes = config.cacheMb * 1024 * 1024;
  const executor = createExecutor({
    threads: options.readerThreads,
    cacheBytes: Math.floor(cacheBytes * 0.9),
    maxHandles: 192,
    dataDir: config.dataDir,
  });
  const reader = createReaderContext({
    cacheBytes: Math.floor(cacheBytes * 0.1),
    maxHandles: 64,
    dataDir: config.dataDir,
  });
  await app.register(readApiPlugin, {
    index: ctx.index,
    access: ctx.rights,
    systemInfo: (req) => systemInfo(ctx, req),
    executor,
    reader,
    events: ctx.events,
    readOnly: false,
  });
  if (uiDir) await staticUi(app, uiDir);
  app.addHook('preClose', async () => {
    ctx.events.closeAll();
  });
  app.addHook('onClose', async () => {
    await executor.close();
    reader.handles.closeAll();
  });
  return app;
}
