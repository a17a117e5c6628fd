/**
 * Uploads (docs/server.md#uploads): `POST …/runs/{run_id}/log`, `POST …/runs/{run_id}/media` and
 * `PUT …/runs/{run_id}/logs/{file}`, reached through the URL rewrite of project-urls.ts under
 * `/api/server/project/{P}/runs/{run_id}/…`. Every upload checks the caller before it reads the body, holds
 * the run's lease while it writes (one writer per run across processes), and writes in the ingest
 * threads, never on the event loop. Errors raised before writing apply nothing.
 */
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { logFileRoute } from '../uploads/log-file-route.js';
import { logRoute } from '../uploads/log-route.js';
import { MAX_MEDIA_FILES, mediaRoute } from '../uploads/media-route.js';
import { UploadKit } from '../uploads/upload-kit.js';

export function uploadRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const kit = new UploadKit(ctx);
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // Bodies are read by the handlers themselves, with their limits.
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
    await scope.register(fastifyMultipart, {
      limits: {
        fileSize: kit.limits.mediaFile,
        files: MAX_MEDIA_FILES,
        fields: 16,
        fieldSize: 64 * 1024,
        parts: MAX_MEDIA_FILES + 16,
      },
    });
    logRoute(scope, kit);
    mediaRoute(scope, kit);
    logFileRoute(scope, kit);
  });
}
