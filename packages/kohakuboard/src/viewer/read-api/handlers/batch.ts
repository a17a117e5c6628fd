/**
 * The batch routes (docs/api.md#batch-summary summary, docs/api.md#batch-scalars scalars,
 * docs/api.md#batch-config config). Summaries run with bounded concurrency in the task pool; scalars are
 * streamed series by series in request order (JSON or a kbc frame stream), so memory stays bounded by a few
 * series. A series or summary that cannot be read becomes an error entry, never a broken body; the work of a
 * client that has gone is dropped.
 */
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { compareCodePoints, flatConfigMap } from '../../../reader/config-flatten.js';
import type { RunRecord } from '../../../reader/run-record.js';
import type { JsonValue } from '../../../storage/index.js';
import { ApiError, type ErrorDetail } from '../../api-error.js';
import { apiJson } from '../../json-encode.js';
import { orderedObjectJson } from '../../json-ordered.js';
import { checkName } from '../../path-safety.js';
import { boolParam, type Query } from '../../query-params.js';
import { runRef } from '../../run-ref.js';
import { recordConfig } from '../../runs/run-json.js';
import { errorFrame, KBC_STREAM_CONTENT_TYPE } from '../../scalars/kbc-frame.js';
import { scalarQueryFromBody } from '../../scalars/scalar-query.js';
import { TaskCancelled } from '../../worker-pool/cancellation.js';
import { requestTaskContext } from '../../worker-pool/request-context.js';
import {
  bodyText,
  errorDetailOf,
  errorResult,
  JSON_TYPE,
  resultOfError,
  type TaskResult,
} from '../../worker-pool/task-result.js';
import type { ReadApiOptions } from '../options.js';
import { sendJsonText } from '../send.js';
import { jsonBody, stringList } from './body.js';

const MAX_RUNS = 1000;
const MAX_SERIES = 20_000;
const SUMMARY_CONCURRENCY = 16;
const SERIES_AHEAD = 8;

const tooLarge = (message: string) => new ApiError(413, 'too_large', message);

function runIds(body: Record<string, unknown>): string[] {
  const ids = stringList(body, 'run_ids', true)!;
  if (ids.length > MAX_RUNS) throw tooLarge(`At most ${MAX_RUNS} run_ids`);
  return [...new Set(ids)];
}

function resolveAll(h: ReadApiOptions, principal: unknown, project: string, ids: string[]) {
  return ids.map((id) => {
    const run = h.index.resolve(project, id);
    const readable =
      run && h.access.canReadProject(principal, project) && h.access.canReadRun(principal, run);
    return { id, run: readable ? run : null };
  });
}

const notResolved: ErrorDetail = { error: 'Run not found', code: 'run_not_found' };

/** Runs fn over items with at most `limit` in flight; results in item order. */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function batchSummary(
  h: ReadApiOptions,
  principal: unknown,
  project: string,
  req: FastifyRequest,
  reply: FastifyReply,
  q: Query,
) {
  const body = jsonBody(req);
  const excludePrefixes = stringList(body, 'exclude_prefixes', false);
  const runs = resolveAll(h, principal, project, runIds(body));
  const context = requestTaskContext(req, reply);
  const results = await mapLimited(runs, SUMMARY_CONCURRENCY, async ({ run }) => {
    if (!run) return null;
    const dir = h.index.runDir(run);
    return h.executor
      .run<TaskResult>({ task: 'summary', run: runRef(run, dir), excludePrefixes }, dir, context)
      .catch(failedTask);
  });
  if (context.signal?.aborted) throw new TaskCancelled();
  const ok: string[] = [];
  const errors: string[] = [];
  runs.forEach(({ id }, i) => {
    const r = results[i];
    // A worker hands large bodies over as UTF-8 bytes.
    if (r && r.status === 200) ok.push(`${JSON.stringify(id)}:${bodyText(r.body)}`);
    else errors.push(`${JSON.stringify(id)}:${JSON.stringify(r ? errorDetailOf(r) : notResolved)}`);
  });
  const map = `{${ok.join(',')}}`;
  return sendJsonText(
    reply,
    boolParam(q, 'envelope') ? `{"results":${map},"errors":{${errors.join(',')}}}` : map,
  );
}

/** A task that failed unexpectedly (not with an error result): its series or summary becomes an error. */
function failedTask(err: unknown): TaskResult {
  try {
    return resultOfError(err);
  } catch {
    return errorResult(500, { error: 'Internal server error', code: 'internal_error' });
  }
}

/**
 * One series of batch/scalars: its JSON text or kbc frame, or the error that kept it from being read (a
 * damaged or unreadable file: storage_error naming it).
 */
type SeriesPiece = string | Uint8Array | ErrorDetail;

const isPieceError = (p: SeriesPiece): p is ErrorDetail =>
  typeof p === 'object' && !(p instanceof Uint8Array);

/**
 * The JSON of a series that could not be read: the empty arrays of a metric the run lacks (what the original
 * UI expects), plus `error` with the detail, e.g.
 * `{"steps":[],"global_steps":[],"timestamps":[],"values":[],"error":{"error":"p/r/data/metrics/loss.db: …","code":"storage_error"}}`.
 * In the kbc stream the same series is a frame with `count: 0` and the header's `error` set, as for a run
 * that cannot be resolved.
 */
export function seriesErrorJson(detail: ErrorDetail): string {
  return `{"steps":[],"global_steps":[],"timestamps":[],"values":[],"error":${JSON.stringify(detail)}}`;
}

async function batchScalars(
  h: ReadApiOptions,
  principal: unknown,
  project: string,
  req: FastifyRequest,
  reply: FastifyReply,
  q: Query,
) {
  const started = performance.now();
  const body = jsonBody(req);
  const formatParam = q.get('format');
  if (formatParam !== null && formatParam !== 'json' && formatParam !== 'kbc') {
    throw new ApiError(400, 'invalid_parameter', 'format must be json or kbc', 'format');
  }
  const { query, afterStepByRun } = scalarQueryFromBody(body, (formatParam as 'json' | 'kbc' | null) ?? null);
  const excludePrefixes = stringList(body, 'exclude_prefixes', false) ?? [];
  const metrics = [
    ...new Set(stringList(body, 'metrics', true)!.map((m) => checkName(m, 'metric name'))),
  ].filter((m) => !excludePrefixes.some((p) => m.startsWith(p)));
  const ids = runIds(body);
  if (ids.length * metrics.length > MAX_SERIES)
    throw tooLarge(`At most ${MAX_SERIES} series (run_ids x metrics)`);
  const runs = resolveAll(h, principal, project, ids);
  const envelope = boolParam(q, 'envelope');
  const kbc = query.format === 'kbc';
  const context = requestTaskContext(req, reply);

  // One job per (run, metric), started up to SERIES_AHEAD ahead of the writer, written in request order.
  // A job's promise never rejects: a failure becomes an error piece, so one bad file spoils one series only.
  const jobs = runs.flatMap(({ id, run }) => (run ? metrics.map((m) => ({ id, run, metric: m })) : []));
  const pending: Array<Promise<SeriesPiece>> = [];
  let started_ = 0;
  const startNext = () => {
    const job = jobs[started_++];
    const dir = h.index.runDir(job.run);
    pending.push(
      h.executor
        .run<string | Uint8Array | TaskResult>(
          {
            task: 'batchSeries',
            run: runRef(job.run, dir),
            name: job.metric,
            query,
            afterStep: afterStepByRun
              ? (afterStepByRun[job.id] ?? afterStepByRun[job.run.runId] ?? null)
              : query.afterStep,
          },
          dir,
          context,
        )
        .then(
          (out): SeriesPiece =>
            typeof out === 'string' || out instanceof Uint8Array ? out : errorDetailOf(out),
          (err): SeriesPiece => errorDetailOf(failedTask(err)),
        ),
    );
  };
  async function* pieces(): AsyncGenerator<string | Uint8Array> {
    let done = 0;
    while (started_ < Math.min(jobs.length, SERIES_AHEAD)) startNext();
    const take = async (id: string, metric: string): Promise<string | Uint8Array> => {
      const piece = await pending[done];
      delete pending[done];
      done++;
      // A client that has gone gets nothing more started for it.
      if (started_ < jobs.length && !context.signal?.aborted) startNext();
      if (!isPieceError(piece)) return piece;
      return kbc ? errorFrame(id, metric, piece) : seriesErrorJson(piece);
    };
    if (kbc) {
      for (const { id, run } of runs) {
        for (const m of metrics) {
          if (context.signal?.aborted) return;
          yield run ? await take(id, m) : errorFrame(id, m, notResolved);
        }
      }
      return;
    }
    yield envelope ? '{"results":{' : '{';
    let firstRun = true;
    for (const { id, run } of runs) {
      if (!run) continue;
      yield `${firstRun ? '' : ','}${JSON.stringify(id)}:{`;
      firstRun = false;
      for (let i = 0; i < metrics.length; i++) {
        if (context.signal?.aborted) return;
        yield `${i ? ',' : ''}${JSON.stringify(metrics[i])}:`;
        yield await take(id, metrics[i]);
      }
      yield '}';
    }
    if (envelope) {
      const errors = runs
        .filter((r) => !r.run)
        .map((r) => `${JSON.stringify(r.id)}:${JSON.stringify(notResolved)}`);
      yield `},"errors":{${errors.join(',')}}}`;
    } else yield '}';
  }
  const it = pieces();
  const first = await it.next();
  const stream = Readable.from(
    (async function* () {
      if (!first.done) yield toBuffer(first.value);
      for await (const p of it) yield toBuffer(p);
    })(),
  );
  reply.header('server-timing', `app;dur=${(performance.now() - started).toFixed(3)}`);
  reply.header('cache-control', 'no-store');
  return reply.type(kbc ? KBC_STREAM_CONTENT_TYPE : JSON_TYPE).send(stream);
}

const toBuffer = (p: string | Uint8Array) =>
  typeof p === 'string' ? Buffer.from(p) : Buffer.from(p.buffer, p.byteOffset, p.byteLength);

function deepEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

function batchConfig(
  h: ReadApiOptions,
  principal: unknown,
  project: string,
  req: FastifyRequest,
  reply: FastifyReply,
) {
  const body = jsonBody(req);
  const only = body.only_differences;
  if (only !== undefined && only !== null && typeof only !== 'boolean')
    throw new ApiError(400, 'invalid_body', '"only_differences" must be a boolean');
  const runs = resolveAll(h, principal, project, runIds(body));
  const found = runs.filter((r) => r.run !== null) as Array<{ id: string; run: RunRecord }>;
  const flats = found.map(({ run }) => run.flatConfig ?? flatConfigMap(recordConfig(run)));
  const keys = [...new Set(flats.flatMap((f) => [...f.keys()]))].sort(compareCodePoints);
  const differing = keys.filter((k) => {
    if (flats.some((f) => !f.has(k))) return true;
    const first = flats[0].get(k)!;
    return flats.some((f) => !deepEqual(first, f.get(k)!));
  });
  const shown = only ? differing : keys;
  const shownSet = new Set(shown);
  const configs = found.map(({ id }, i) => {
    const entries = [...flats[i]]
      .filter(([k]) => shownSet.has(k))
      .sort((a, b) => compareCodePoints(a[0], b[0]));
    return `${JSON.stringify(id)}:${orderedObjectJson(entries)}`;
  });
  const missing = runs.filter((r) => r.run === null).map((r) => r.id);
  return sendJsonText(
    reply,
    `{"keys":${apiJson(shown)},"differing":${apiJson(differing)},"configs":{${configs.join(',')}},"missing_runs":${apiJson(missing)}}`,
  );
}

export async function sendBatch(
  h: ReadApiOptions,
  principal: unknown,
  project: string,
  what: 'summary' | 'scalars' | 'config',
  req: FastifyRequest,
  reply: FastifyReply,
  q: Query,
): Promise<FastifyReply> {
  if (what === 'summary') return batchSummary(h, principal, project, req, reply, q);
  if (what === 'scalars') return batchScalars(h, principal, project, req, reply, q);
  return batchConfig(h, principal, project, req, reply);
}
