/**
 * `GET /api/events` (docs/api.md#replay-and-resync): Server-Sent Events with `retry: 3000`, a `hello` first,
 * replay after `Last-Event-ID` (or `resync`), filters by project, runs and event names, and a `: ping` every
 * 15 s.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { formatIsoMicros } from '../../storage/index.js';
import { invalidParameter } from '../api-error.js';
import { rawQuery } from '../path-safety.js';
import { listParam, parseQuery } from '../query-params.js';
import type { ReadApiOptions } from '../read-api/options.js';
import { type EventFilter, type EventHub, type HubEvent, matchesFilter } from './event-hub.js';

export const PING_INTERVAL_MS = 15_000;

function frame(e: { id?: number; event: string; data: unknown }): string {
  return `${e.id !== undefined ? `id: ${e.id}\n` : ''}event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

export function parseEventFilter(url: string): EventFilter {
  const q = parseQuery(rawQuery(url));
  const project = q.get('project') || null;
  const runs = listParam(q, 'runs');
  if (runs && project === null) throw invalidParameter('runs', 'runs needs project');
  const types = listParam(q, 'types');
  return { project, runs: runs ? new Set(runs) : null, types: types ? new Set(types) : null };
}

export async function streamEvents(
  hub: EventHub,
  h: ReadApiOptions,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const started = performance.now();
  const filter = parseEventFilter(req.raw.url ?? req.url);
  if (filter.project !== null) filter.project = h.access.projectKey(req, filter.project);
  const principal = await h.access.principal(req);
  const lastHeader = req.headers['last-event-id'];
  const lastEventId = typeof lastHeader === 'string' && lastHeader.trim() !== '' ? Number(lastHeader) : null;

  reply.hijack();
  const raw = reply.raw;
  const headers: Record<string, string | number | string[]> = {};
  for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v as string;
  raw.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'server-timing': `app;dur=${(performance.now() - started).toFixed(3)}`,
  });
  raw.flushHeaders?.();
  const write = (text: string) => {
    if (!raw.writableEnded) raw.write(text);
  };
  // Events of runs the caller may not read are never sent (docs/server.md#no-enumeration: events hold
  // readable runs only).
  const visible = (e: HubEvent) =>
    matchesFilter(e, filter) &&
    (e.project === null || h.access.canReadProject(principal, e.project)) &&
    (e.record === null || h.access.canReadRun(principal, e.record));

  write('retry: 3000\n\n');
  write(
    frame({
      id: hub.lastId,
      event: 'hello',
      data: { api_version: 2, server_time: formatIsoMicros(Date.now()), last_event_id: hub.lastId },
    }),
  );
  if (lastEventId !== null) {
    const { events, resync } = hub.since(lastEventId);
    if (resync) write(frame({ id: hub.lastId, event: 'resync', data: { reason: resync } }));
    for (const e of events) if (visible(e)) write(frame(e));
  }

  let ping: NodeJS.Timeout | null = null;
  let unsubscribe: (() => void) | null = null;
  const close = () => {
    if (ping) clearInterval(ping);
    unsubscribe?.();
    if (!raw.writableEnded) raw.end();
  };
  unsubscribe = hub.subscribe((e) => {
    if (visible(e)) write(frame(e));
  }, close);
  ping = setInterval(() => write(': ping\n\n'), PING_INTERVAL_MS);
  ping.unref();
  raw.on('close', close);
  raw.on('error', close);
}
