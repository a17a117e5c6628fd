/**
 * Listings served from the run index (docs/api.md#projects, docs/api.md#run-records, docs/api.md#status,
 * docs/api.md#run-index, docs/api.md#run-record): no run database is opened.
 */
import type { FastifyReply } from 'fastify';
import { compareCodePoints } from '../../../reader/config-flatten.js';
import { type ProjectInfo, summarizeProject } from '../../../reader/run-index.js';
import type { RunRecord } from '../../../reader/run-record.js';
import { DEFAULT_PROJECT, formatIsoMicros, type JsonValue } from '../../../storage/index.js';
import { projectNotFound } from '../../api-error.js';
import { apiJson } from '../../json-encode.js';
import type { Query } from '../../query-params.js';
import { statusObject } from '../../run-data/summary.js';
import type { RunRef } from '../../run-ref.js';
import { runJson, runObject } from '../../runs/run-json.js';
import { parseRunListQuery, queryRuns, type RunListQuery } from '../../runs/run-query.js';
import { LoopBudget } from '../../worker-pool/slices.js';
import { JSON_TYPE } from '../../worker-pool/task-result.js';
import { ALLOW_ALL, type ReadApiOptions } from '../options.js';
import { sendChunks, sendJson, sendJsonText } from '../send.js';

/**
 * The projects the caller may read, counted over the runs it may read (docs/server.md#no-enumeration: counts
 * hold readable runs only). With every run readable (the local viewer) the index's cached counts are used as
 * they are.
 */
function readableProjects(h: ReadApiOptions, principal: unknown): ProjectInfo[] {
  // The local viewer's check reads everything: no per-run work for its most frequent request.
  if (h.access === ALLOW_ALL) return h.index.projects();
  const out: ProjectInfo[] = [];
  for (const p of h.index.projects()) {
    if (!h.access.canReadProject(principal, p.name)) continue;
    const runs = h.index.runs(p.name) ?? [];
    const readable = runs.filter((r) => h.access.canReadRun(principal, r));
    if (readable.length === runs.length) out.push(p);
    else if (readable.length > 0) out.push(summarizeProject(p.name, readable));
  }
  return out;
}

export function projectsBody(h: ReadApiOptions, principal: unknown): Record<string, unknown> {
  const projects = readableProjects(h, principal).map((p) => ({
    name: p.name,
    display_name: p.name === DEFAULT_PROJECT ? 'Default Project' : p.name,
    run_count: p.runCount,
    created_at: p.createdAt,
    updated_at: p.updatedAtMs === null ? null : formatIsoMicros(p.updatedAtMs),
    updated_at_ms: p.updatedAtMs,
  }));
  if (projects.length === 0) {
    projects.push({
      name: DEFAULT_PROJECT,
      display_name: 'Default Project',
      run_count: 0,
      created_at: null,
      updated_at: null,
      updated_at_ms: null,
    });
  }
  return { projects };
}

/** The runs of a project the caller may read, in the default order; 404 for an unknown project. */
export function readableRuns(h: ReadApiOptions, principal: unknown, project: string): readonly RunRecord[] {
  const runs = h.index.runs(project);
  if (runs === null || !h.access.canReadProject(principal, project)) throw projectNotFound();
  if (runs.length === 0) return runs;
  return runs.every((r) => h.access.canReadRun(principal, r))
    ? runs
    : runs.filter((r) => h.access.canReadRun(principal, r));
}

/**
 * The body of the parameterless listing, per sorted run list (a new list whenever a run changes): the
 * UI's most frequent request is then answered without building megabytes of text each time.
 */
const defaultListing = new WeakMap<readonly RunRecord[], { indexing: boolean; body: Buffer[] }>();

function isDefaultQuery(q: Query): boolean {
  for (const _ of q.keys()) return false;
  return true;
}

/** Runs per body chunk: a few hundred KiB of JSON (about a millisecond of work when not cached). */
const RUNS_PER_CHUNK = 500;

/**
 * The listing body as UTF-8 chunks. Records are encoded a chunk at a time, with a turn of the event loop
 * whenever a few milliseconds have passed, and no text larger than one chunk is ever built (a multi-MB string would land in V8's old
 * generation at once and bring the next full garbage collection closer).
 */
async function listingBody(
  project: string,
  page: readonly RunRecord[],
  query: RunListQuery,
  total: number,
  indexing: boolean,
): Promise<Buffer[]> {
  const budget = new LoopBudget();
  const chunks: Buffer[] = [Buffer.from(`{"project":${JSON.stringify(project)},"runs":[`)];
  for (let from = 0; from < page.length; from += RUNS_PER_CHUNK) {
    if (budget.exhausted()) await budget.yield();
    const parts: string[] = [];
    for (let i = from; i < Math.min(page.length, from + RUNS_PER_CHUNK); i++) {
      parts.push(query.fields ? apiJson(runObject(page[i], query.fields)) : runJson(page[i]));
    }
    chunks.push(Buffer.from(from > 0 ? `,${parts.join(',')}` : parts.join(',')));
  }
  chunks.push(
    Buffer.from(
      `],"total":${total},"offset":${query.offset},"limit":${query.limit === null ? 'null' : query.limit},` +
        `"indexing":${indexing}}`,
    ),
  );
  return chunks;
}

export async function sendRunList(
  h: ReadApiOptions,
  principal: unknown,
  reply: FastifyReply,
  project: string,
  q: Query,
): Promise<FastifyReply> {
  const query = parseRunListQuery(q);
  const runs = readableRuns(h, principal, project);
  const cacheable = isDefaultQuery(q);
  const cached = cacheable ? defaultListing.get(runs) : undefined;
  reply.header('cache-control', 'no-store').type(JSON_TYPE);
  if (cached && cached.indexing === h.index.indexing) return sendChunks(reply, cached.body);
  const indexing = h.index.indexing;
  const matched = await queryRuns(runs, query);
  const page = matched.slice(query.offset, query.limit === null ? undefined : query.offset + query.limit);
  const body = await listingBody(project, page, query, matched.length, indexing);
  if (cacheable) defaultListing.set(runs, { indexing, body });
  return sendChunks(reply, body);
}

const configKeysCache = new WeakMap<
  readonly RunRecord[],
  Array<{ key: string; count: number; numeric: boolean }>
>();

/**
 * docs/api.md#config-keys: the union of flat config keys of a project, from the index (configs over 64 KiB do
 * not count).
 */
export function configKeys(
  runs: readonly RunRecord[],
): Array<{ key: string; count: number; numeric: boolean }> {
  const cached = configKeysCache.get(runs);
  if (cached) return cached;
  const stats = new Map<string, { count: number; numeric: boolean }>();
  for (const r of runs) {
    if (!r.flatConfig) continue;
    for (const [key, value] of r.flatConfig as Map<string, JsonValue>) {
      const s = stats.get(key) ?? { count: 0, numeric: true };
      s.count++;
      if (typeof value !== 'number') s.numeric = false;
      stats.set(key, s);
    }
  }
  const out = [...stats]
    .sort((a, b) => compareCodePoints(a[0], b[0]))
    .map(([key, s]) => ({ key, count: s.count, numeric: s.numeric }));
  configKeysCache.set(runs, out);
  return out;
}

export function sendConfigKeys(
  h: ReadApiOptions,
  principal: unknown,
  reply: FastifyReply,
  project: string,
): FastifyReply {
  return sendJson(reply, { project, keys: configKeys(readableRuns(h, principal, project)) });
}

export function sendRunRecord(reply: FastifyReply, run: RunRecord): FastifyReply {
  return sendJsonText(reply, runJson(run));
}

export function sendStatus(reply: FastifyReply, run: RunRef): FastifyReply {
  return sendJson(reply, statusObject(run));
}
