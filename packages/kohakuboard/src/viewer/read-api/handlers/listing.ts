/**
 * Listings served from the run index (API.md §A.3, §A.4, §A.5, §B.10, §B.11): no run database is opened.
 */
import type { FastifyReply } from 'fastify';
import { compareCodePoints } from '../../../reader/config-flatten.js';
import type { RunRecord } from '../../../reader/run-record.js';
import { DEFAULT_PROJECT, formatIsoMicros, type JsonValue } from '../../../storage/index.js';
import { projectNotFound } from '../../api-error.js';
import { apiJson } from '../../json-encode.js';
import type { Query } from '../../query-params.js';
import { statusObject } from '../../run-data/summary.js';
import { runRef } from '../../run-ref.js';
import { runJson, runObject } from '../../runs/run-json.js';
import { parseRunListQuery, queryRuns } from '../../runs/run-query.js';
import { JSON_TYPE } from '../../work/task-result.js';
import type { ReadApiOptions } from '../options.js';
import { sendBody, sendJson, sendJsonText } from '../send.js';

export function projectsBody(h: ReadApiOptions, principal: unknown): Record<string, unknown> {
  const projects = h.index
    .projects()
    .filter((p) => h.access.canReadProject(principal, p.name))
    .map((p) => ({
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
  const runs = h.index.projectRuns(project);
  if (runs === null || !h.access.canReadProject(principal, project)) throw projectNotFound();
  if (runs.length === 0) return runs;
  return runs.every((r) => h.access.canReadRun(principal, r))
    ? runs
    : runs.filter((r) => h.access.canReadRun(principal, r));
}

const yieldNow = () => new Promise<void>((r) => setImmediate(r));

/**
 * The body of the parameterless listing, per sorted run list (a new list whenever a run changes): the
 * UI's most frequent request is then answered without building megabytes of text each time.
 */
const defaultListing = new WeakMap<readonly RunRecord[], { indexing: boolean; body: Buffer }>();

function isDefaultQuery(q: Query): boolean {
  for (const _ of q.keys()) return false;
  return true;
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
  if (cached && cached.indexing === h.index.indexing) {
    return sendBody(reply.header('cache-control', 'no-store').type(JSON_TYPE), cached.body);
  }
  const matched = queryRuns(runs, query);
  const page = matched.slice(query.offset, query.limit === null ? undefined : query.offset + query.limit);
  const parts: string[] = new Array(page.length);
  // Building thousands of objects the first time is done in slices, so the event loop keeps turning.
  for (let i = 0; i < page.length; i++) {
    parts[i] = query.fields ? apiJson(runObject(page[i], query.fields)) : runJson(page[i]);
    if (i % 500 === 499) await yieldNow();
  }
  const text =
    `{"project":${JSON.stringify(project)},"runs":[${parts.join(',')}],"total":${matched.length},` +
    `"offset":${query.offset},"limit":${query.limit === null ? 'null' : query.limit},"indexing":${h.index.indexing}}`;
  if (!cacheable) return sendJsonText(reply, text);
  const body = Buffer.from(text);
  defaultListing.set(runs, { indexing: h.index.indexing, body });
  return sendBody(reply.header('cache-control', 'no-store').type(JSON_TYPE), body);
}

const configKeysCache = new WeakMap<
  readonly RunRecord[],
  Array<{ key: string; count: number; numeric: boolean }>
>();

/** §B.11: the union of flat config keys of a project, from the index (configs over 64 KiB do not count). */
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

export function sendStatus(reply: FastifyReply, run: RunRecord): FastifyReply {
  return sendJson(reply, statusObject(runRef(run)));
}
