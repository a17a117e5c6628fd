/**
 * `PUT …/runs/{run_id}/logs/{file}` (docs/server.md#log-file-upload): a raw log file, streamed to a
 * temporary file with its limit and hashed, then renamed over the stored one under the run's lease.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { emptySummary } from '../../ingest/apply-log.js';
import { existingRun, findRun, runDirOf } from '../../ingest/upload-target.js';
import { apiError } from '../api-error.js';
import { bodyToFile, unsupportedType } from '../upload-body.js';
import { contentType, parseJson, type UploadKit, type UploadParams } from './upload-kit.js';

export const LOG_FILES = [
  'output.log',
  'board.log',
  'writer.log',
  'sync_worker.log',
  'storage.log',
  'media.log',
];

export function logFileRoute(scope: FastifyInstance, kit: UploadKit): void {
  const { ctx, limits, incoming } = kit;
  scope.put('/api/server/project/:seg/runs/:id/logs/:file', async (req, reply) => {
    const { p, project, runId } = await kit.begin(req);
    const file = (req.params as UploadParams).file ?? '';
    if (!LOG_FILES.includes(file))
      throw apiError(400, 'invalid_log_filename', `Log files are ${LOG_FILES.join(', ')}`);
    const type = contentType(req);
    if (type !== null && type !== 'application/octet-stream' && type !== 'text/plain')
      throw unsupportedType('as application/octet-stream or text/plain');
    const run = await existingRun(ctx, p, project, runId);
    await mkdir(incoming, { recursive: true });
    const body = await bodyToFile(req, incoming, limits.logFile);
    try {
      await kit.underLease(run, async () => {
        const logs = join(runDirOf(ctx, run), 'logs');
        await mkdir(logs, { recursive: true });
        await rename(body.path, join(logs, file));
        const current = (await findRun(ctx, project.id, runId)) ?? run;
        const hashes = {
          ...parseJson<Record<string, string>>(current.log_hashes, {}),
          [file]: body.sha256,
        };
        const summary = emptySummary();
        summary.logs[file] = body.size;
        await kit.publish(
          current,
          { log_hashes: JSON.stringify(hashes), last_activity_ms: Date.now() },
          summary,
          false,
        );
      });
    } finally {
      await rm(body.path, { force: true });
    }
    reply.header('cache-control', 'no-store');
    return { status: 'success', filename: file, size: body.size, hash: body.sha256 };
  });
}
