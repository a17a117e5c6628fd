/**
 * Project keys in URLs (docs/server.md#project-keys). In `/api/projects/{P}…`, `{P}` is `owner%2Fname`
 * (one segment), `owner/name` (two raw segments) or a bare `name` (the caller's project). Routing is done
 * on the raw path: this module rewrites the first two forms into one segment `owner:name` (`:` is in no
 * owner or project name), which the read API plugin takes as a single project segment and the access
 * check turns back into `owner/name`; the server's own project routes are moved under `/api/server/`.
 */

/** The words that end a bare project name (sub-routes of /api/projects/{P}); no project is named so. */
const SUB_ROUTES = new Set(['runs', 'config_keys', 'sync']);

function decode(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** The internal one-segment form of a project key. */
export function keySegment(key: string): string {
  const slash = key.indexOf('/');
  return encodeURIComponent(slash < 0 ? key : `${key.slice(0, slash)}:${key.slice(slash + 1)}`);
}

/** A project key from a URL segment (decoded) or a query value: `owner/name`, `owner:name` or a bare name. */
export function parseProjectRef(text: string): { key: string } | { bare: string } {
  if (text.includes('/')) return { key: text };
  const colon = text.indexOf(':');
  if (colon >= 0) return { key: `${text.slice(0, colon)}/${text.slice(colon + 1)}` };
  return { bare: text };
}

/** Rewrites a raw request URL; other URLs are returned unchanged. */
export function rewriteProjectUrl(method: string, url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q);
  if (path === '/api/projects' || path === '/api/projects/') return `/api/server/projects${query}`;
  if (!path.startsWith('/api/projects/')) return url;
  const segs = path.slice('/api/projects/'.length).split('/');
  const s1 = segs[0];
  const d1 = decode(s1);
  if (d1 === null || s1 === '') return url;
  let seg: string;
  let rest: string[];
  if (d1.includes('/')) {
    seg = keySegment(d1);
    rest = segs.slice(1);
  } else if (segs.length < 2 || SUB_ROUTES.has(segs[1])) {
    seg = s1;
    rest = segs.slice(1);
  } else {
    const d2 = decode(segs[1]);
    if (d2 === null) return url;
    seg = keySegment(`${d1}/${d2}`);
    rest = segs.slice(2);
  }
  const m = method.toUpperCase();
  if (rest.length === 0) return `/api/server/project/${seg}${query}`;
  if (rest[0] === 'sync' && rest.length === 1) return `/api/server/project/${seg}/sync${query}`;
  if (rest[0] === 'runs' && rest.length === 2 && m === 'DELETE')
    return `/api/server/project/${seg}/runs/${rest[1]}${query}`;
  // Uploads: POST …/runs/{id}/log and …/media, PUT …/runs/{id}/logs/{file} (GET of a log is the read API's).
  if (rest[0] === 'runs' && rest.length === 3 && m === 'POST' && (rest[2] === 'log' || rest[2] === 'media'))
    return `/api/server/project/${seg}/runs/${rest[1]}/${rest[2]}${query}`;
  if (rest[0] === 'runs' && rest.length === 4 && m === 'PUT' && rest[2] === 'logs')
    return `/api/server/project/${seg}/runs/${rest[1]}/logs/${rest[3]}${query}`;
  if (rest[0] === 'runs' && rest.length === 3 && rest[2] === 'visibility')
    return `/api/server/project/${seg}/runs/${rest[1]}/visibility${query}`;
  return `/api/projects/${seg}/${rest.join('/')}${query}`;
}

const FORBIDDEN = /[\u0000-\u001f\u007f\\]/;

/**
 * Path safety before any lookup (docs/server.md#path-safety): a segment that decodes to `.` or `..`
 * (also as a part between decoded `/`), holds NUL, `\` or a control character, or does not decode, is
 * refused. Returns the reason, or null when the path is acceptable.
 */
export function unsafePath(url: string): string | null {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  for (const raw of path.split('/').slice(1)) {
    const d = decode(raw);
    if (d === null) return 'malformed percent-encoding';
    if (FORBIDDEN.test(d)) return 'control character or backslash';
    for (const part of d.split('/')) if (part === '.' || part === '..') return 'dot segment';
  }
  return null;
}
