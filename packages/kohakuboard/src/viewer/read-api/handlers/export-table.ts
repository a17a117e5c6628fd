/**
 * `GET /api/projects/{project}/export` (docs/api.md#export): the scalars of chosen runs and metrics as the
 * table `kobo export` writes for the same selection — the same export module, the same bytes — streamed as
 * an attachment. The export runs on this thread but never for long at a time: it is read and encoded in
 * small batches, and every chunk it writes waits for a turn of the event loop (and for the client, when it
 * reads slowly), so other requests are answered between chunks.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { FastifyReply } from 'fastify';
import {
  type ExportFormat,
  type ExportRequest,
  type ExportRun,
  exportToStream,
  resolveExportRuns,
} from '../../../export/index.js';
import { listMetricFiles } from '../../../storage/index.js';
import { errorText } from '../../../util/error-text.js';
import { ApiError, invalidParameter, notFound, runNotFound } from '../../api-error.js';
import type { RouteContext } from '../route-context.js';
import { EXPORT_MAX_METRICS, EXPORT_MAX_RUNS } from '../schemas.js';

export interface ExportQuery {
  run: string[];
  metric?: string[];
  format?: ExportFormat;
  wide?: boolean;
}

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
  jsonl: 'application/jsonl; charset=utf-8',
};

/**
 * Rows per batch: a quarter of the command line's, so that reading and encoding one batch stays short.
 * The batch size changes no byte of the output (row groups and pages are cut by row counts of their own).
 */
const ROUTE_BATCH_ROWS = 65_536;

/** Glob characters of the export's name filter, escaped so that each metric matches only itself. */
const exactName = (name: string) => name.replace(/[\\*?[\]{}()!+@|^$]/g, '\\$&');

/** A file name safe in a header: letters, digits, `.`, `_` and `-`. */
const safePart = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'export';

export function exportFileName(project: string, runs: readonly ExportRun[], q: ExportQuery): string {
  const who = runs.length === 1 ? `${project}-${runs[0].runId}` : `${project}-${runs.length}-runs`;
  return `${safePart(who)}${q.wide ? '-wide' : ''}.${q.format ?? 'csv'}`;
}

/** Passes chunks on one turn of the event loop later, so that a long export yields between its chunks. */
class YieldingPassThrough extends Transform {
  constructor() {
    super({ highWaterMark: 64 * 1024 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    setImmediate(() => done(null, chunk));
  }
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** The runs asked for, each readable by the caller (else 404 run_not_found, as on every run route). */
function exportRunsOf(c: RouteContext, ids: readonly string[]): ExportRun[] {
  const dirs = ids.map((id) => {
    const run = c.h.index.resolve(c.project, id);
    if (!run || !c.h.access.canReadProject(c.principal, c.project) || !c.h.access.canReadRun(c.principal, run))
      throw runNotFound();
    return c.h.index.runDir(run);
  });
  try {
    return resolveExportRuns(dirs);
  } catch {
    // The folder went away between the index and now.
    throw runNotFound();
  }
}

/** Every metric asked for must be held by at least one of the runs (else 404 metric_not_found). */
function checkMetrics(runs: readonly ExportRun[], metrics: readonly string[]): void {
  const held = new Set<string>();
  for (const run of runs) for (const { name } of listMetricFiles(run.dir)) held.add(name);
  for (const m of metrics) {
    if (!held.has(m)) throw notFound('metric_not_found', `No chosen run has the metric ${JSON.stringify(m)}`);
  }
}

export function sendExport(c: RouteContext, q: ExportQuery): FastifyReply {
  const ids = unique(q.run);
  const metrics = unique(q.metric ?? []);
  if (ids.length === 0) throw invalidParameter('run', 'run must name at least one run');
  if (ids.length > EXPORT_MAX_RUNS) {
    throw new ApiError(413, 'too_large', `At most ${EXPORT_MAX_RUNS} runs per export`);
  }
  if (metrics.length > EXPORT_MAX_METRICS) {
    throw new ApiError(413, 'too_large', `At most ${EXPORT_MAX_METRICS} metrics per export`);
  }
  const runs = exportRunsOf(c, ids);
  checkMetrics(runs, metrics);
  const format = q.format ?? 'csv';
  const request: ExportRequest = {
    targets: runs.map((r) => r.dir),
    format,
    wide: q.wide ?? false,
    names: metrics.map(exactName),
    batchRows: ROUTE_BATCH_ROWS,
  };
  const body = new YieldingPassThrough();
  exportToStream(request, body, {}, { runs }).catch((err: unknown) => {
    // The status line is gone by now: a cut-off body is how the client learns of the failure.
    if (!body.destroyed) c.reply.log.error({ err }, `export of ${c.project} failed: ${errorText(err)}`);
    body.destroy(err instanceof Error ? err : new Error(errorText(err)));
  });
  return c.reply
    .header('content-type', EXPORT_CONTENT_TYPES[format])
    .header('content-disposition', `attachment; filename="${exportFileName(c.project, runs, q)}"`)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .send(body);
}
