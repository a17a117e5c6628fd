/**
 * From a matched run route to its handler: resolves the run through the index (§0.3), parses the query and
 * hands slow reads to the task executor. Handlers stay short; the work is in run-data/ and reader/.
 */

import { isSurfaceNormalize, type SurfaceNormalize } from '@kohakuboard/series';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RunRecord } from '../../reader/run-record.js';
import { invalidParameter, runNotFound } from '../api-error.js';
import { boolParam, enumParam, floatParam, intParam, limitParam, type Query } from '../query-params.js';
import { runRef } from '../run-ref.js';
import type { RunRoute } from '../run-routes.js';
import { scalarQueryFromUrl } from '../scalars/scalar-query.js';
import { negotiateEncoding } from '../worker-pool/compress-body.js';
import { requestTaskContext } from '../worker-pool/request-context.js';
import type { TaskResult } from '../worker-pool/task-result.js';
import type { TaskInput } from '../worker-pool/tasks.js';
import { sendBatch } from './handlers/batch.js';
import { readableRuns, sendConfigKeys, sendRunList, sendRunRecord, sendStatus } from './handlers/listing.js';
import { sendMediaById, sendMediaFile } from './handlers/media-blob.js';
import { patchRun } from './handlers/patch-run.js';
import type { ReadApiOptions } from './options.js';
import { sendResult } from './send.js';

function resolveRun(h: ReadApiOptions, principal: unknown, project: string, runId: string): RunRecord {
  const run = h.index.resolve(project, runId);
  if (!run || !h.access.canReadProject(principal, project) || !h.access.canReadRun(principal, run)) {
    throw runNotFound();
  }
  return run;
}

function histogramQuery(q: Query) {
  return {
    limit: limitParam(q),
    bins: intParam(q, 'bins', { min: 8, max: 4096 }),
    rangeMin: floatParam(q, 'range_min'),
    rangeMax: floatParam(q, 'range_max'),
    afterStep: intParam(q, 'after_step'),
  };
}

function surfaceQuery(q: Query) {
  const normalize = q.get('normalize') || 'none';
  if (!isSurfaceNormalize(normalize))
    throw invalidParameter('normalize', 'normalize must be none, per-step or global');
  return {
    ...histogramQuery(q),
    bins: intParam(q, 'bins', { min: 8, max: 1024 }),
    axis: enumParam(q, 'axis', ['step', 'global_step', 'relative_walltime'] as const, 'global_step'),
    normalize: normalize as SurfaceNormalize,
    downsample: intParam(q, 'downsample', { min: -1 }) ?? -1,
    targetRows: intParam(q, 'target_rows', { min: 2, max: 4096 }) ?? 180,
    stepMin: intParam(q, 'step_min'),
    stepMax: intParam(q, 'step_max'),
  };
}

function tensorQuery(q: Query) {
  return {
    step: intParam(q, 'step'),
    limit: limitParam(q),
    afterStep: intParam(q, 'after_step'),
    includeData: boolParam(q, 'include_data'),
    encoding: enumParam(q, 'encoding', ['npy_base64', 'json'] as const, 'npy_base64'),
    slice: q.get('slice'),
    maxElements: intParam(q, 'max_elements', { min: 1, max: 16_777_216 }) ?? 1_000_000,
    stats: boolParam(q, 'stats'),
    format: enumParam(q, 'format', ['json', 'npy'] as const, 'json'),
  };
}

function kdeQuery(q: Query) {
  return {
    step: intParam(q, 'step'),
    limit: limitParam(q),
    afterStep: intParam(q, 'after_step'),
    points: intParam(q, 'points', { min: 8, max: 4096 }),
    rangeMin: floatParam(q, 'range_min'),
    rangeMax: floatParam(q, 'range_max'),
  };
}

function logQuery(q: Query) {
  return {
    offset: intParam(q, 'offset', { min: 0 }),
    before: intParam(q, 'before', { min: 0 }),
    tail: intParam(q, 'tail', { min: 1, max: 1_000_000 }) ?? 1000,
    maxBytes: intParam(q, 'max_bytes', { min: 1, max: 8_388_608 }) ?? 1_048_576,
    stripAnsi: boolParam(q, 'strip_ansi'),
    format: enumParam(q, 'format', ['json', 'text'] as const, 'json'),
  };
}

export async function dispatchRunRoute(
  h: ReadApiOptions,
  principal: unknown,
  route: RunRoute,
  req: FastifyRequest,
  reply: FastifyReply,
  q: Query,
): Promise<FastifyReply> {
  switch (route.kind) {
    case 'runs':
      return sendRunList(h, principal, reply, route.project, q);
    case 'config_keys':
      return sendConfigKeys(h, principal, reply, route.project);
    case 'batch':
      readableRuns(h, principal, route.project);
      return sendBatch(h, principal, route.project, route.what, req, reply, q);
    default:
      break;
  }
  const run = resolveRun(h, principal, route.project, route.runId);
  const ref = runRef(run, h.index.runDir(run));
  const ifNoneMatch = (req.headers['if-none-match'] as string | undefined) ?? null;
  // Large bodies are compressed by the task, in the worker thread (work/compress-body.ts).
  const encoding = negotiateEncoding(req.headers);
  const task = async (input: TaskInput) =>
    sendResult(
      reply,
      await h.executor.run<TaskResult>({ ...input, encoding }, ref.dir, requestTaskContext(req, reply)),
    );
  switch (route.kind) {
    case 'run':
      if (req.method === 'PATCH') return patchRun(h, principal, run, req, reply);
      return sendRunRecord(reply, run);
    case 'status':
      return sendStatus(reply, ref);
    case 'summary':
      return task({ task: 'summary', run: ref });
    case 'metadata':
      return task({ task: 'metadata', run: ref });
    case 'config':
      return task({ task: 'config', run: ref });
    case 'list':
      return task({ task: 'list', run: ref, of: route.of, details: boolParam(q, 'details') });
    case 'scalar':
      return task({
        task: 'scalar',
        run: ref,
        name: route.name,
        query: scalarQueryFromUrl(q),
        ifNoneMatch,
      });
    case 'media':
      return task({
        task: 'media',
        run: ref,
        name: route.name,
        limit: limitParam(q),
        afterStep: intParam(q, 'after_step'),
      });
    case 'media_file':
      return sendMediaFile(h, run, route.filename, req, reply);
    case 'media_by_id':
      return sendMediaById(h, run, route.mediaId, req, reply);
    case 'table':
      return task({
        task: 'table',
        run: ref,
        name: route.name,
        limit: limitParam(q),
        afterStep: intParam(q, 'after_step'),
        resolveMedia: boolParam(q, 'resolve_media'),
        ifNoneMatch,
      });
    case 'histogram':
      return task({ task: 'histogram', run: ref, name: route.name, query: histogramQuery(q), ifNoneMatch });
    case 'surface':
      return task({ task: 'surface', run: ref, name: route.name, query: surfaceQuery(q), ifNoneMatch });
    case 'tensor':
      return task({ task: 'tensor', run: ref, name: route.name, query: tensorQuery(q) });
    case 'kde':
      return task({ task: 'kde', run: ref, name: route.name, query: kdeQuery(q) });
    case 'log':
      return task({ task: 'log', run: ref, name: route.file, query: logQuery(q) });
  }
}
