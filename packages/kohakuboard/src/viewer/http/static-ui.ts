/**
 * The built UI at the domain root, with the SPA fallback of docs/api.md#static-ui: existing files are served
 * (hashed assets immutable), asset-like paths that do not exist are a plain 404, everything else gets
 * index.html. A path under /api never falls back to index.html.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const STATIC_EXTENSIONS = ['.js', '.css', '.map', '.png', '.svg', '.ico', '.woff2', '.json', '.md', '.txt'];

/** packages/kohakuboard/ui-dist, resolved from this module (src/ or dist/ alike). */
export function defaultUiDir(): string | null {
  const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../ui-dist');
  return existsSync(join(dir, 'index.html')) ? dir : null;
}

export function isUiDir(dir: string): boolean {
  try {
    return statSync(dir).isDirectory() && existsSync(join(dir, 'index.html'));
  } catch {
    return false;
  }
}

/** Whether a missing path should be a 404 rather than index.html (docs/api.md#static-ui rule 2). */
export function isAssetPath(pathname: string): boolean {
  if (pathname.startsWith('/assets/')) return true;
  const last = pathname.slice(pathname.lastIndexOf('/') + 1).toLowerCase();
  return STATIC_EXTENSIONS.some((ext) => last.endsWith(ext));
}

export async function staticUi(app: FastifyInstance, uiDir: string): Promise<void> {
  await app.register(fastifyStatic, {
    root: uiDir,
    prefix: '/',
    wildcard: true,
    index: ['index.html'],
    redirect: false,
    cacheControl: false,
    setHeaders(reply, path) {
      if (path.includes('/assets/') || path.includes('\\assets\\')) {
        reply.header('cache-control', 'public, max-age=31536000, immutable');
      } else if (path.endsWith('index.html')) {
        reply.header('cache-control', 'no-cache');
      }
    },
  });
}

/** The not-found answer for paths outside /api (docs/api.md#static-ui rules 2 and 3). */
export function spaFallback(uiDir: string | null, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const pathname = (req.raw.url ?? req.url).split('?')[0];
  if (!uiDir || (req.method !== 'GET' && req.method !== 'HEAD') || isAssetPath(pathname)) {
    return reply.code(404).type('text/plain; charset=utf-8').send('Not Found');
  }
  return reply.code(200).header('cache-control', 'no-cache').sendFile('index.html', uiDir);
}
