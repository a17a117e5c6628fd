/**
 * `GET /api/projects/{project}/export` (docs/api.md#export): the scalars of chosen runs and metrics as the
 * table `kobo export` writes for the same selection — the same export module, the same bytes — streamed as
 * an attachment. The export itself runs in a thread of its own (worker-pool/export-stream.ts).
 */
import type { FastifyReply } from 'fastify';
import {
  type ExportFormat,
  type ExportRequest,
  type ExportRun,
  resolveExportRuns,
} from '../../../export/index.js';
import { listMetricFiles } from '../../../storage/index.js';
import { ApiError, invalidParameter, notFound, runNotFound } from '../../api-error.js';
import { streamExport } from '../../worker-pool/export-stream.js';
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

/** Glob characters of the export's name filter, escaped so that each metric matches only itself. */
const exactName = (name: string) => name.replace(/[\\*?[\]{}()!+@|^$]/g, '\\$&');

/** A file name safe in a header: letters, digits, `.`, `_` and `-`. */
const safePart = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'export';

export function exportFileName(project: string, runs: readonly ExportRun[], q: ExportQuery): string {
  const who = runs.length === 1 ? `${project}-${runs[0].runId}` : `${project}-${runs.length}-runs`;
  return `${safePart(who)}${q.wide ? '-wide' : ''}.${q.format ?? 'csv'}`;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** The runs asked for, each readable by the caller (else 404 run_not_found, as on every run route). */
function exportRunsOf(c: RouteContext, ids: readonly string[]): ExportRun[] {
  const dirs = ids.map((id) => {
    const run = c.h.index.resolve(c.project, id);
    if (
      !run ||
      !c.h.access.canReadProject(c.principal, c.project) ||
      !c.h.access.canReadRun(c.principal, run)
    )
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
  };
  c.reply
    .header('content-type', EXPORT_CONTENT_TYPES[format])
    .header('content-disposition', `attachment; filename="${exportFileName(c.project, runs, q)}"`)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff');
  // HEAD: the checks and headers of GET, without running an export whose bytes would be dropped.
  if (c.req.method === 'HEAD') return c.reply.send();
  const body = streamExport(request, runs, {
    threads: c.h.executor.threads > 0,
    // The status line is gone by now: a cut-off body is how the client learns of the failure.
    onError: (err) => c.reply.log.error({ err }, `export of ${c.project} failed: ${err.message}`),
  });
  return c.reply.send(body);
}
