/**
 * Matching the raw path of `/api/projects/…` requests (API.md §0.2, §0.8): literal `/` separates segments,
 * `%2F` does not; fixed sub-routes come before `{name:path}` routes; names are decoded and checked here.
 */
import { pathName, segmentName } from './path-safety.js';

export type SeriesKind = 'scalars' | 'media' | 'tables' | 'histograms' | 'tensors' | 'kernel_density';

export type RunRoute =
  | { kind: 'runs'; project: string }
  | { kind: 'config_keys'; project: string }
  | { kind: 'batch'; project: string; what: 'summary' | 'scalars' | 'config' }
  | { kind: 'run'; project: string; runId: string }
  | { kind: 'status' | 'summary' | 'metadata' | 'config'; project: string; runId: string }
  | { kind: 'list'; project: string; runId: string; of: SeriesKind | 'logs' }
  | {
      kind: 'scalar' | 'media' | 'table' | 'histogram' | 'surface' | 'tensor' | 'kde';
      project: string;
      runId: string;
      name: string;
    }
  | { kind: 'media_file'; project: string; runId: string; filename: string }
  | { kind: 'media_by_id'; project: string; runId: string; mediaId: string }
  | { kind: 'log'; project: string; runId: string; file: string };

export interface RouteMatch {
  route: RunRoute;
  /** Methods the route answers (HEAD wherever GET). */
  allow: string[];
}

const GET = ['GET', 'HEAD'];
const RUN_SUBS = new Set(['status', 'summary', 'metadata', 'config']);
const BATCH = new Set(['summary', 'scalars', 'config']);
const NAMED: Record<string, RunRoute['kind']> = {
  scalars: 'scalar',
  media: 'media',
  tables: 'table',
  histograms: 'histogram',
  tensors: 'tensor',
  kernel_density: 'kde',
};

/**
 * Matches the segments after `/api/projects/` (raw, undecoded). Returns null for a path that is no route
 * (the caller answers 404 not_found). Throws 400 invalid_name for a bad name.
 */
export function matchRunRoute(segments: string[], method: string): RouteMatch | null {
  if (segments.length < 2) return null;
  const project = segmentName(segments[0], 'project name');
  if (segments.length === 2) {
    if (segments[1] === 'runs') return { route: { kind: 'runs', project }, allow: GET };
    if (segments[1] === 'config_keys') return { route: { kind: 'config_keys', project }, allow: GET };
    return null;
  }
  if (segments[1] !== 'runs') return null;
  if (segments.length === 4 && segments[2] === 'batch' && BATCH.has(segments[3]) && method === 'POST') {
    return {
      route: { kind: 'batch', project, what: segments[3] as 'summary' | 'scalars' | 'config' },
      allow: ['POST'],
    };
  }
  const runId = segmentName(segments[2], 'run id');
  const rest = segments.slice(3);
  if (rest.length === 0) return { route: { kind: 'run', project, runId }, allow: [...GET, 'PATCH'] };
  const head = rest[0];
  if (rest.length === 1 && RUN_SUBS.has(head)) {
    return { route: { kind: head as 'status', project, runId }, allow: GET };
  }
  if (head === 'logs') {
    if (rest.length === 1) return { route: { kind: 'list', project, runId, of: 'logs' }, allow: GET };
    if (rest.length === 2)
      return { route: { kind: 'log', project, runId, file: segmentName(rest[1], 'log name') }, allow: GET };
    return null;
  }
  const named = NAMED[head];
  if (!named) return null;
  if (rest.length === 1)
    return { route: { kind: 'list', project, runId, of: head as SeriesKind }, allow: GET };
  const parts = rest.slice(1);
  if (head === 'media' && parts.length === 2 && parts[0] === 'files') {
    return {
      route: { kind: 'media_file', project, runId, filename: segmentName(parts[1], 'media filename') },
      allow: GET,
    };
  }
  if (head === 'media' && parts.length === 2 && parts[0] === 'by-id') {
    return {
      route: { kind: 'media_by_id', project, runId, mediaId: segmentName(parts[1], 'media id') },
      allow: GET,
    };
  }
  if (head === 'histograms' && parts.length >= 2 && parts[parts.length - 1] === 'surface') {
    return { route: { kind: 'surface', project, runId, name: pathName(parts.slice(0, -1)) }, allow: GET };
  }
  return { route: { kind: named, project, runId, name: pathName(parts) } as RunRoute, allow: GET };
}
